import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FILE_NAME, formatPath, LoadedEnvironment } from '../environment-config/loader';
import { isKnownRegion } from '../environment-config/regions';
import { ENVIRONMENT_NAME_PATTERN } from '../environment-config/schema';
import { overlappingPrefixes, secretSourceProblems, socialSecretSources } from '../github-ci-access/ci-policies';
import { accountConfigSchema, AccountConfig } from './schema';

/** Account stacks are named `account-<folder>`, so `cdktf deploy account-<folder>` works. */
export const ACCOUNT_STACK_PREFIX = 'account-';

/** One AWS account CI deploys to, validated against the environments it deploys. */
export interface LoadedAccount {
  /** The folder name under accounts/. */
  readonly name: string;
  /** The stack name: `account-<name>`. */
  readonly stackName: string;
  /** The config file, relative to the project root, for messages. */
  readonly file: string;
  readonly config: AccountConfig;
  /** The environments of `config.environments`, each with a remote backend in the state bucket. */
  readonly environments: readonly LoadedEnvironment[];
  /** Non-fatal findings, such as an opted-in `applyPolicyArns`; the CI access stack shows them at synth. */
  readonly warnings: readonly string[];
}

export interface LoadAccountsOptions {
  /** Folder holding one sub-folder per account. @default - `<rootDir>/accounts` */
  readonly accountsDir?: string;
}

/** Every problem found in every account, reported together. */
export class AccountConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the account configuration; nothing was synthesized:\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'AccountConfigError';
  }
}

/**
 * Reads and validates every folder under `accounts/` (none is fine: CI access is optional) against
 * the loaded environments. All problems of all accounts are gathered into one `AccountConfigError`.
 */
export function loadAccounts(rootDir: string, environments: readonly LoadedEnvironment[], options: LoadAccountsOptions = {}): LoadedAccount[] {
  const accountsDir = options.accountsDir ?? path.join(rootDir, 'accounts');
  if (!fs.existsSync(accountsDir)) return [];
  const names = fs
    .readdirSync(accountsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const problems: string[] = [];
  const loaded: LoadedAccount[] = [];
  const deployedBy = new Map<string, string>();
  for (const name of names) {
    const file = rel(rootDir, path.join(accountsDir, name, CONFIG_FILE_NAME));
    const at = (field: string, value: unknown, rule: string) => problems.push(`${file}: ${field} ${rule} (received ${JSON.stringify(value)}).`);
    if (!ENVIRONMENT_NAME_PATTERN.test(name)) {
      problems.push(`${rel(rootDir, path.join(accountsDir, name))}: account folder name ${JSON.stringify(name)} must match ${ENVIRONMENT_NAME_PATTERN.source}: it becomes part of the stack name.`);
    }
    const absolute = path.join(accountsDir, name, CONFIG_FILE_NAME);
    if (!fs.existsSync(absolute)) {
      problems.push(`${file}: missing; every account folder needs a ${CONFIG_FILE_NAME}.`);
      continue;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(absolute, 'utf8'));
    } catch (error) {
      problems.push(`${file}: is not valid JSON (${(error as Error).message}).`);
      continue;
    }
    const parsed = accountConfigSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = formatPath(issue.path) || '(top level)';
        if (issue.code === 'unrecognized_keys') problems.push(`${file}: ${issue.keys.map((k) => formatPath([...issue.path, k])).join(', ')} is not a known key (a typo?).`);
        else problems.push(`${file}: ${field} ${issue.message}.`);
      }
      continue;
    }
    const config = parsed.data;
    const before = problems.length;
    if (!isKnownRegion(config.region)) at('region', config.region, 'is not a known AWS Region of the aws partition: use a code such as eu-central-1');
    if (config.backend && !isKnownRegion(config.backend.region)) at('backend.region', config.backend.region, 'is not a known AWS Region of the aws partition');
    const stackName = `${ACCOUNT_STACK_PREFIX}${name}`;
    if (environments.some((e) => e.name === stackName)) {
      problems.push(`${file}: the stack name ${stackName} is also an environment folder; rename one of them.`);
    }
    const deployed: LoadedEnvironment[] = [];
    config.environments.forEach((envName, index) => {
      const field = `environments[${index}]`;
      const environment = environments.find((e) => e.name === envName);
      if (!environment) {
        at(field, envName, `is not a folder under environments/ (known: ${environments.map((e) => e.name).join(', ')})`);
        return;
      }
      const other = deployedBy.get(envName);
      if (other) at(field, envName, `is already deployed by ${other}: an environment belongs to one account`);
      else deployedBy.set(envName, file);
      const backend = environment.config.backend;
      if (!backend) {
        at(field, envName, `has no "backend" in ${environment.file}: CI keeps state only in the state bucket; add a backend with bucket "${config.stateBucket}"`);
      } else if (backend.bucket !== config.stateBucket || backend.region !== config.region) {
        at(field, envName, `keeps its state in s3://${backend.bucket} (${backend.region}), not in this account's state bucket s3://${config.stateBucket} (${config.region}): the roles can only reach the state bucket`);
      }
      deployed.push(environment);
    });
    const scopes = deployed.map((e) => ({ name: e.name, resourcePrefix: `${e.config.namePrefix}-${e.name}` }));
    for (const overlap of overlappingPrefixes(scopes, `${config.namePrefix}-github`)) problems.push(`${file}: environments: ${overlap}.`);
    // The CI roles read exactly the social sign-in sources; one inside a tenant-secret prefix is refused.
    const sourceScopes = deployed.map((e) => ({ name: e.name, stateKey: '', region: e.config.region, resourcePrefix: `${e.config.namePrefix}-${e.name}`, ...socialSecretSources(e.config.socialSignIn) }));
    for (const problem of secretSourceProblems(sourceScopes)) problems.push(`${file}: environments: ${problem}.`);
    const warnings = config.applyPolicyArns.map(
      (policyArn, i) =>
        `${file}: applyPolicyArns[${i}] attaches ${policyArn} to every apply role. Each apply role is otherwise limited to its own environment; ` +
        'whatever this policy allows, every environment\'s apply role can do to every environment (only the explicit denies of other state and of the CI roles still hold). Remove it once the inline policy covers the need.',
    );
    if (problems.length === before) loaded.push({ name, stackName, file, config, environments: deployed, warnings });
  }
  if (problems.length > 0) throw new AccountConfigError(problems);
  return loaded;
}

/** For `main.ts`: the accounts, or every problem printed to stderr and exit code 1, with no stack trace. */
export function loadAccountsOrExit(rootDir: string, environments: readonly LoadedEnvironment[]): LoadedAccount[] {
  try {
    return loadAccounts(rootDir, environments);
  } catch (error) {
    if (!(error instanceof AccountConfigError)) throw error;
    console.error(error.message);
    return process.exit(1);
  }
}

function rel(rootDir: string, target: string): string {
  return path.relative(rootDir, target).split(path.sep).join('/') || '.';
}

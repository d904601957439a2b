/**
 * Every environment folder, discovered: one reviewed snapshot each, and the behaviour its config
 * asks for (SAML or not, remote state or not, protected or not). Nothing here names an environment:
 * the same specification runs over generated environments written to a temporary folder, so an
 * environment unlike any in the repository (remote backend, no SAML tenant) is proven too, through
 * the path `npm run synth` takes (loader → stack → checked synth → security rules).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LoadedEnvironment } from '../modules/environment-config';
import { generatedConfig, removeGeneratedEnvironments, writeGeneratedEnvironments } from './helpers/generated-environment';
import { resources, StackJson } from './helpers/module-stack';
import { CheckedSynth, repositoryEnvironments, synthChecked } from './helpers/synth';

/** Data-bearing resources: losing one loses customer data, every user, or every identity id. */
const DATA_BEARING = ['aws_s3_bucket', 'aws_cognito_user_pool', 'aws_kms_key', 'aws_cognito_identity_pool'];
/** Outputs of every environment; `user_pool_federated_client_id` only with a SAML tenant. */
const OUTPUTS = ['region', 'user_pool_id', 'user_pool_native_client_id', 'hosted_ui_domain', 'identity_pool_id', 'upload_bucket_name', 'data_key_arn', 'authenticated_role_arn', 'tenant_claim_log_group'];

const SNAPSHOT_FILE = path.join(__dirname, '__snapshots__', `${path.basename(__filename)}.snap`);
const SNAPSHOT_TITLE = 'matches the reviewed snapshot';
const UPDATE_COMMAND = `npx jest -u __tests__/${path.basename(__filename)}`;

afterAll(removeGeneratedEnvironments);

/**
 * How jest treats snapshots in this run: `none` under `--ci` (jest's default when the CI variable
 * is set), `new` locally, `all` with `-u`. Read from jest's snapshot state; the CI variable is the
 * fallback, as jest itself decides.
 */
function snapshotMode(): 'none' | 'new' | 'all' {
  const state = (expect.getState() as { snapshotState?: { _updateSnapshot?: unknown } }).snapshotState;
  const mode = state?._updateSnapshot;
  if (mode === 'none' || mode === 'new' || mode === 'all') return mode;
  return process.env.CI && process.env.CI !== 'false' ? 'none' : 'new';
}

/** The snapshot keys in the committed .snap file (`environment dev matches the reviewed snapshot 1`). */
function committedSnapshotKeys(): string[] {
  if (!fs.existsSync(SNAPSHOT_FILE)) return [];
  return [...fs.readFileSync(SNAPSHOT_FILE, 'utf8').matchAll(/^exports\[`(.*)`\] = /gm)].map((m) => m[1]);
}

/**
 * `toMatchSnapshot`, but an environment without a reviewed snapshot fails under CI with what to run,
 * instead of jest's generic message (and, locally, says that a new one was written for review).
 */
function expectReviewedSnapshot(name: string, stack: StackJson): void {
  const key = `${expect.getState().currentTestName} 1`;
  if (!committedSnapshotKeys().includes(key)) {
    if (snapshotMode() === 'none') {
      throw new Error(
        `environments/${name} has no reviewed snapshot, and CI does not write one. Run \`${UPDATE_COMMAND}\` locally, ` +
          `review the new entry in the diff of __tests__/__snapshots__/${path.basename(SNAPSHOT_FILE)} (git diff), and commit it with the environment.`,
      );
    }
    console.warn(`environments/${name}: new snapshot written to __tests__/__snapshots__/${path.basename(SNAPSHOT_FILE)}; review it before committing.`);
  }
  expect(stack).toMatchSnapshot();
}

/** Every string in the JSON, however deep. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** Lazily, once: the checked synth of a set of environments. */
function lazily(synth: () => { environments: readonly LoadedEnvironment[]; result: CheckedSynth }) {
  let cached: ReturnType<typeof synth> | undefined;
  return () => (cached ??= synth());
}

/** The behaviour an environment's config asks for; registered once per environment. */
function behavesAsConfigured(name: string, synthesized: () => { environments: readonly LoadedEnvironment[]; result: CheckedSynth }): void {
  const environment = () => synthesized().environments.find((e) => e.name === name)!;
  const config = () => environment().config;
  const stack = (): StackJson => {
    const json = synthesized().result.stacks.get(name);
    if (!json) throw new Error(`${name} was not published; the security rules said:\n${synthesized().result.log.join('\n')}`);
    return json;
  };

  it('passes the security rules on the checked synth (no error finding)', () => {
    expect(synthesized().result.reports.get(name)?.errors.map((e) => `${e.rule.id} ${e.finding.address}`)).toEqual([]);
    expect(stack()).toBeDefined();
  });

  it('escapes every IAM variable for Terraform: no unescaped ${aws: or ${cognito-identity remains', () => {
    const all = strings(stack());
    expect(all.filter((s) => /(?<!\$)\$\{(aws:|cognito-identity|\*|\?|\$)/.test(s))).toEqual([]);
    expect(all.some((s) => s.includes('$${aws:PrincipalTag/customerName}'))).toBe(true);
    expect(all.some((s) => s.includes('$${cognito-identity.amazonaws.com:sub}'))).toBe(true);
  });

  it('deploys to the configured Region with one provider', () => {
    expect((stack().provider!.aws as any[]).map((p) => p.region)).toEqual([config().region]);
  });

  it('outputs what a front end needs, in snake_case; the federated client only with a SAML tenant or social sign-in', () => {
    const hasSaml = config().tenants.some((t) => t.saml);
    const hasSocial = config().socialSignIn !== undefined;
    const expected = [
      ...OUTPUTS,
      ...(hasSaml || hasSocial ? ['user_pool_federated_client_id'] : []),
      ...(hasSocial ? ['account_linking_log_group'] : []),
      ...(config().table ? ['tenant_table_name', 'tenant_table_arn'] : []),
      ...(config().tenantSecrets ? ['tenant_secret_arns'] : []),
    ];
    expect(Object.keys(stack().output ?? {}).sort()).toEqual([...expected].sort());
  });

  it('creates one SAML provider per SAML tenant, keyed by tenant id', () => {
    const samlTenants = config().tenants.filter((t) => t.saml).map((t) => t.saml!.providerName ?? t.id);
    const providers = resources(stack(), 'aws_cognito_identity_provider').filter(([, p]) => p.provider_type === 'SAML').map(([, p]) => p.provider_name);
    expect(providers.sort()).toEqual(samlTenants.sort());
  });

  it('creates the social providers the config enables, reading their secrets by reference only', () => {
    const social = config().socialSignIn;
    const providers = resources(stack(), 'aws_cognito_identity_provider').filter(([, p]) => p.provider_type !== 'SAML');
    expect(providers.map(([, p]) => p.provider_type).sort()).toEqual([...(social?.apple ? ['SignInWithApple'] : []), ...(social?.google ? ['Google'] : [])].sort());
    for (const [, p] of providers) {
      const secret = p.provider_details.client_secret ?? p.provider_details.private_key;
      expect(secret).toMatch(/^\$\{(?:jsondecode\()?(?:data\.aws_ssm_parameter|data\.aws_secretsmanager_secret_version|var)\.[A-Za-z0-9_]+(?:\.(?:value|secret_string)(?:\)\.[A-Za-z_][A-Za-z0-9_]*)?)?\}$/);
    }
  });

  it('keeps state where the config says: its S3 backend (encrypted, S3-native lock), else a local file', () => {
    const backend = config().backend;
    expect(stack().terraform!.backend).toEqual(
      backend
        ? { s3: { bucket: backend.bucket, key: backend.key, region: backend.region, encrypt: true, use_lockfile: true } }
        : { local: { path: `../../../terraform.${name}.tfstate` } },
    );
  });

  it('guards data-bearing resources as the protected flag says', () => {
    const isProtected = config().protected;
    for (const type of [...DATA_BEARING, 'aws_dynamodb_table', 'aws_secretsmanager_secret']) {
      for (const [, resource] of resources(stack(), type)) {
        expect({ type, prevent_destroy: resource.lifecycle?.prevent_destroy ?? false }).toEqual({ type, prevent_destroy: isProtected });
      }
    }
    expect(resources(stack(), 'aws_s3_bucket')[0][1].force_destroy).toBe(false);
    expect(resources(stack(), 'aws_cognito_user_pool')[0][1].deletion_protection).toBe(isProtected ? 'ACTIVE' : 'INACTIVE');
    expect(resources(stack(), 'aws_kms_key')[0][1].deletion_window_in_days).toBe(isProtected ? 30 : 7);
    for (const [, table] of resources(stack(), 'aws_dynamodb_table')) expect(table.deletion_protection_enabled).toBe(isProtected);
  });

  it('has the tenant table and one secret per tenant exactly when its config declares them, encrypted with its data key, secrets without a value', () => {
    const keyArn = `\${aws_kms_key.${resources(stack(), 'aws_kms_key')[0][0]}.arn}`;
    const tables = resources(stack(), 'aws_dynamodb_table');
    expect(tables).toHaveLength(config().table ? 1 : 0);
    for (const [, table] of tables) {
      expect({ sse: table.server_side_encryption, pitr: table.point_in_time_recovery, billing: table.billing_mode }).toEqual({
        sse: { enabled: true, kms_key_arn: keyArn },
        pitr: { enabled: true },
        billing: 'PAY_PER_REQUEST',
      });
    }
    const secrets = resources(stack(), 'aws_secretsmanager_secret').map(([, secret]) => secret);
    const tenants = config().tenantSecrets ? config().tenants.map((t) => t.id) : [];
    expect(secrets.map((secret) => secret.tags?.[config().tenantAttribute]).sort()).toEqual([...tenants].sort());
    for (const secret of secrets) expect({ kms: secret.kms_key_id, window: secret.recovery_window_in_days }).toEqual({ kms: keyArn, window: config().tenantSecrets?.recoveryWindowInDays });
    // Values never reach the plan or the state: the stack creates no secret version.
    expect(resources(stack(), 'aws_secretsmanager_secret_version')).toEqual([]);
  });
}

const repository = lazily(() => {
  const environments = repositoryEnvironments();
  return { environments, result: synthChecked(environments) };
});

describe.each(repositoryEnvironments().map((env) => env.name))('environment %s', (name) => {
  it(SNAPSHOT_TITLE, () => {
    const stack = repository().result.stacks.get(name);
    expect(stack).toBeDefined();
    expectReviewedSnapshot(name, stack!);
  });
  behavesAsConfigured(name, repository);
});

describe('reviewed snapshots', () => {
  it('holds none for an environment folder that no longer exists', () => {
    if (snapshotMode() === 'all') return; // jest -u is removing them in this very run
    const names = new Set(repositoryEnvironments().map((env) => env.name));
    const stale = committedSnapshotKeys()
      .map((key) => new RegExp(`^environment (\\S+) ${SNAPSHOT_TITLE} \\d+$`).exec(key)?.[1])
      .filter((name): name is string => name !== undefined && !names.has(name));
    if (stale.length > 0) {
      throw new Error(`the snapshot file still holds ${stale.join(', ')}, which environments/ no longer has: run \`${UPDATE_COMMAND}\` to remove them and commit the .snap diff.`);
    }
  });
});

/**
 * Environments unlike the repository's, written to a temporary environments/ folder: `qa` has a
 * remote backend and no SAML tenant (the case the repository lacks), `vault` is also protected.
 */
const GENERATED = {
  qa: generatedConfig('qa', { remoteBackend: true }),
  vault: generatedConfig('vault', { remoteBackend: true, protected: true, region: 'us-east-2' }),
};
const generated = lazily(() => {
  const environments = writeGeneratedEnvironments(GENERATED);
  return { environments, result: synthChecked(environments) };
});

describe.each(Object.keys(GENERATED))('generated environment %s (written to a temporary environments/ folder)', (name) => {
  it('is loaded by the real loader with no SAML tenant and a remote backend', () => {
    const environment = generated().environments.find((e) => e.name === name)!;
    expect(environment.file).toMatch(new RegExp(`/${name}/config\\.json$`));
    expect(environment.config.tenants.some((t) => t.saml)).toBe(false);
    expect(environment.config.backend).toBeDefined();
  });
  behavesAsConfigured(name, generated);
});

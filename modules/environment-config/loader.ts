import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { RESERVED_PROVIDER_NAMES } from '../saml-federation/saml-federation';
import { inspectSamlMetadataFile, SamlMetadata } from '../saml-federation/saml-metadata';
import { ACKNOWLEDGEABLE_RULE_IDS, RULE_IDS } from '../security-rules/rules';
import { DEFAULT_ACCESS_RULES, reservedTenantIds, StorageAccessRule } from '../tenant-access/access-rules';
import { isKnownRegion } from './regions';
import { ENVIRONMENT_NAME_PATTERN, environmentConfigSchema, EnvironmentConfig } from './schema';

/** The file every environment folder must hold. */
export const CONFIG_FILE_NAME = 'config.json';

/**
 * Cognito default quota for identity providers per user pool; each SAML tenant is one provider.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html#resource-quotas
 */
export const MAX_IDENTITY_PROVIDERS_PER_USER_POOL = 300;

/** One environment, validated and ready to build a stack from. */
export interface LoadedEnvironment {
  /** The folder name: the stack name, so `cdktf deploy <name>` works. */
  readonly name: string;
  /** The config file, relative to the project root, for messages. */
  readonly file: string;
  readonly config: EnvironmentConfig;
  /** Parsed IdP metadata of each SAML tenant, keyed by tenant id. */
  readonly samlMetadata: ReadonlyMap<string, SamlMetadata>;
  /** Non-fatal findings (a SAML certificate close to expiry). */
  readonly warnings: readonly string[];
}

export interface LoadOptions {
  /** Folder holding one sub-folder per environment. @default - `<rootDir>/environments` */
  readonly environmentsDir?: string;
  /** Folder holding IdP metadata files. @default - `<rootDir>/saml` */
  readonly samlDir?: string;
  /** The clock for certificate expiry checks. @default - the current time */
  readonly now?: Date;
  /**
   * The access rules the stacks will be built with: tenant ids that name one of their fixed folders
   * are rejected (`reservedTenantIds`). Pass the same rules to `UploadPlatformStack`.
   * @default DEFAULT_ACCESS_RULES (reserves `private`)
   */
  readonly accessRules?: readonly StorageAccessRule[];
}

/** Every problem found in every environment, reported together. */
export class EnvironmentConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the environment configuration; nothing was synthesized:\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'EnvironmentConfigError';
  }
}

/**
 * Reads and validates every environment folder under `environments/`. All environments are
 * validated before any is returned; all problems are gathered into one `EnvironmentConfigError`.
 */
export function loadEnvironments(rootDir: string, options: LoadOptions = {}): LoadedEnvironment[] {
  const environmentsDir = options.environmentsDir ?? path.join(rootDir, 'environments');
  const problems: string[] = [];
  if (!fs.existsSync(environmentsDir) || !fs.statSync(environmentsDir).isDirectory()) {
    throw new EnvironmentConfigError([`${rel(rootDir, environmentsDir)}: no such folder; create one folder per environment there.`]);
  }
  const names = fs
    .readdirSync(environmentsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  if (names.length === 0) {
    problems.push(`${rel(rootDir, environmentsDir)}: holds no environment folder; add one such as environments/dev/${CONFIG_FILE_NAME}.`);
  }
  const loaded: LoadedEnvironment[] = [];
  for (const name of names) {
    const result = loadEnvironment(rootDir, name, options);
    problems.push(...result.problems);
    if (result.environment) loaded.push(result.environment);
  }
  if (problems.length > 0) throw new EnvironmentConfigError(problems);
  return loaded;
}

/**
 * For command-line entry points (`main.ts`, `npm run check`): the environments, or every problem
 * printed to stderr and exit code 1, with no stack trace. Other errors propagate.
 */
export function loadEnvironmentsOrExit(rootDir: string): LoadedEnvironment[] {
  try {
    return loadEnvironments(rootDir);
  } catch (error) {
    if (!(error instanceof EnvironmentConfigError)) throw error;
    console.error(error.message);
    return process.exit(1);
  }
}

/** Validates one environment folder; never throws for bad input, returns the problems instead. */
export function loadEnvironment(
  rootDir: string,
  name: string,
  options: LoadOptions = {},
): { environment?: LoadedEnvironment; problems: string[] } {
  const environmentsDir = options.environmentsDir ?? path.join(rootDir, 'environments');
  const file = rel(rootDir, path.join(environmentsDir, name, CONFIG_FILE_NAME));
  const problems: string[] = [];
  if (!ENVIRONMENT_NAME_PATTERN.test(name)) {
    problems.push(
      `${rel(rootDir, path.join(environmentsDir, name))}: environment folder name ${JSON.stringify(name)} must match ${ENVIRONMENT_NAME_PATTERN.source}: it becomes the stack name and part of AWS resource names.`,
    );
  }
  const absolute = path.join(environmentsDir, name, CONFIG_FILE_NAME);
  if (!fs.existsSync(absolute)) {
    problems.push(`${file}: missing; every environment folder needs a ${CONFIG_FILE_NAME} (copy environments/dev/${CONFIG_FILE_NAME} as a start).`);
    return { problems };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(absolute, 'utf8'));
  } catch (error) {
    problems.push(`${file}: is not valid JSON (${(error as Error).message}).`);
    return { problems };
  }
  const parsed = environmentConfigSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...describeIssue(issue, raw).map((problem) => `${file}: ${problem}`));
    return { problems };
  }
  const config = parsed.data;
  const at = (field: string, value: unknown, rule: string) =>
    problems.push(`${file}: ${field} ${rule} (received ${JSON.stringify(value)}).`);

  // Only warnings can be acknowledged: errors are the product's guarantees (modules/security-rules/README.md).
  config.acknowledgements.forEach((acknowledgement, index) => {
    const field = `acknowledgements[${index}].rule`;
    if (!RULE_IDS.includes(acknowledgement.rule)) {
      at(field, acknowledgement.rule, `is not a security rule id: only the warnings ${ACKNOWLEDGEABLE_RULE_IDS.join(', ')} can be acknowledged`);
    } else if (!ACKNOWLEDGEABLE_RULE_IDS.includes(acknowledgement.rule)) {
      at(field, acknowledgement.rule, `is an error-level rule, which cannot be acknowledged: fix the finding instead; only ${ACKNOWLEDGEABLE_RULE_IDS.join(', ')} can be acknowledged`);
    }
  });
  if (!isKnownRegion(config.region)) {
    at('region', config.region, 'is not a known AWS Region of the aws partition: use a code such as eu-central-1');
  }
  if (config.backend && !isKnownRegion(config.backend.region)) {
    at('backend.region', config.backend.region, 'is not a known AWS Region of the aws partition: use a code such as eu-central-1');
  }
  // Cognito rejects hosted-UI domain prefixes that contain these words.
  // https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-assign-domain-prefix.html
  const domainPrefix = `${config.namePrefix}-${name}`;
  for (const word of ['aws', 'amazon', 'cognito']) {
    if (domainPrefix.includes(word)) {
      at('namePrefix', config.namePrefix, `makes the hosted-UI domain prefix "${domainPrefix}", which Cognito rejects because it contains "${word}": choose another prefix`);
    }
  }

  const seenIds = new Map<string, number>();
  const seenProviders = new Map<string, number>();
  const reserved = new Set(reservedTenantIds(options.accessRules ?? DEFAULT_ACCESS_RULES));
  const tenantIds = new Map(config.tenants.map((tenant, index) => [tenant.id.toLowerCase(), index]));
  const samlMetadata = new Map<string, SamlMetadata>();
  const warnings: string[] = [];
  const samlDir = options.samlDir ?? path.join(rootDir, 'saml');
  const now = options.now ?? new Date();
  config.tenants.forEach((tenant, index) => {
    const field = `tenants[${index}]`;
    const first = seenIds.get(tenant.id);
    if (first !== undefined) {
      at(`${field}.id`, tenant.id, `duplicates tenants[${first}].id: every tenant needs its own id`);
    } else {
      seenIds.set(tenant.id, index);
    }
    if (reserved.has(tenant.id)) {
      at(`${field}.id`, tenant.id, `is reserved: the access rules use the folder "${tenant.id}" for another purpose (reserved: ${[...reserved].join(', ')}), so this tenant would reach other users' files; choose another id`);
    }
    if (!tenant.saml) return;
    const providerName = tenant.saml.providerName ?? tenant.id;
    // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateIdentityProvider.html#CognitoUserPools-CreateIdentityProvider-request-ProviderName
    if (providerName.length < 3 || providerName.length > 32) {
      at(`${field}.saml.providerName`, providerName, 'must be 3–32 characters (the Cognito ProviderName limit); the tenant id does not fit, so set saml.providerName');
    }
    if (RESERVED_PROVIDER_NAMES.some((reservedName) => reservedName.toLowerCase() === providerName.toLowerCase())) {
      at(`${field}.saml.providerName`, providerName, `is reserved by Cognito for ${RESERVED_PROVIDER_NAMES.join(', ')}: set saml.providerName to another name`);
    }
    // The tenant-claim trigger binds provider names to tenants: a provider named like another
    // tenant would make reviews (and the bindings) ambiguous.
    const namesakeTenant = tenantIds.get(providerName.toLowerCase());
    if (namesakeTenant !== undefined && namesakeTenant !== index) {
      at(`${field}.saml.providerName`, providerName, `equals the id of tenants[${namesakeTenant}] (${JSON.stringify(config.tenants[namesakeTenant]?.id)}): a provider name must not name another tenant; choose another name`);
    }
    const firstProvider = seenProviders.get(providerName.toLowerCase());
    if (firstProvider !== undefined) {
      at(`${field}.saml.providerName`, providerName, `duplicates the SAML provider name of tenants[${firstProvider}]: provider names must be unique in a user pool`);
    } else {
      seenProviders.set(providerName.toLowerCase(), index);
    }
    const metadataPath = path.join(samlDir, tenant.saml.metadataFile);
    const inspection = inspectSamlMetadataFile(metadataPath, now);
    for (const error of inspection.errors) {
      problems.push(`${file}: ${field}.saml.metadataFile (${JSON.stringify(tenant.saml.metadataFile)}): ${error}`);
    }
    for (const warning of inspection.warnings) {
      warnings.push(`${file}: ${field}.saml.metadataFile: ${warning}`);
    }
    if (inspection.metadata) samlMetadata.set(tenant.id, inspection.metadata);
  });
  const samlTenants = config.tenants.filter((tenant) => tenant.saml).length;
  if (samlTenants > MAX_IDENTITY_PROVIDERS_PER_USER_POOL) {
    at('tenants', `${samlTenants} SAML tenants`, `exceeds the Cognito quota of ${MAX_IDENTITY_PROVIDERS_PER_USER_POOL} identity providers per user pool: split the tenants across environments or request a quota increase first`);
  }

  if (problems.length > 0) return { problems };
  return { environment: { name, file, config, samlMetadata, warnings }, problems };
}

/** `['tenants', 2, 'id']` → `tenants[2].id`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  return segments
    .map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : `${i === 0 ? '' : '.'}${String(segment)}`))
    .join('');
}

function valueAt(raw: unknown, segments: readonly PropertyKey[]): unknown {
  let current: unknown = raw;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** The keys a strict object accepts at `segments`, for "unknown key" messages. */
function allowedKeysAt(segments: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = environmentConfigSchema;
  for (const segment of [...segments, undefined]) {
    for (;;) {
      if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) schema = schema.unwrap() as z.ZodType;
      else break;
    }
    if (segment === undefined) break;
    if (schema instanceof z.ZodArray && typeof segment === 'number') schema = schema.element as z.ZodType;
    else if (schema instanceof z.ZodObject) {
      const field = (schema.shape as Record<string, z.ZodType | undefined>)[String(segment)];
      if (!field) return [];
      schema = field;
    } else return [];
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** One sentence per problem: the field, what is wrong, the value received and what is allowed. */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string[] {
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(issue.path);
    return issue.keys.map((key) => `${formatPath([...issue.path, key])} is not a known key (a typo?); allowed keys here: ${allowed.join(', ')}.`);
  }
  const field = formatPath(issue.path) || '(top level)';
  const value = valueAt(raw, issue.path);
  const article = (noun: string) => `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
  if (value === undefined) return [`${field} is required${issue.code === 'invalid_type' ? ` (${article(issue.expected)})` : ''}.`];
  if (issue.code === 'invalid_type') return [`${field} must be ${article(issue.expected)} (received ${JSON.stringify(value)}).`];
  return [`${field} ${issue.message} (received ${JSON.stringify(value)}).`];
}

function rel(rootDir: string, target: string): string {
  return path.relative(rootDir, target).split(path.sep).join('/') || '.';
}

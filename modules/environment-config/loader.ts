import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { endUserRoleProblems, tierAccessRules } from '../group-roles/end-user-roles';
import { QUOTAS } from '../quota-budget/quota-budget';
import { RESERVED_PROVIDER_NAMES } from '../saml-federation/saml-federation';
import { inspectSamlMetadataFile, SamlMetadata, SamlMetadataDocument, SamlMetadataInspection } from '../saml-federation/saml-metadata';
import { ACKNOWLEDGEABLE_RULE_IDS, RULE_IDS } from '../security-rules/rules';
import { DEFAULT_ACCESS_RULES, reservedTenantIds, StorageAccessRule, validateAccessRules } from '../tenant-access/access-rules';
import { INVITATION_CODE_SHA256_PATTERN } from '../tenant-sign-up/assign-tenant';
import { emailDomainProblems } from '../tenant-sign-up/bindings';
import { AWS_REGIONS, isKnownRegion } from './regions';
import {
  ACKNOWLEDGEMENT_RULE_PATTERN,
  ENVIRONMENT_NAME_PATTERN,
  environmentConfigSchema,
  EnvironmentConfig,
  EnvironmentConfigInput,
  SAML_FILE_PATTERN,
  TENANT_ID_PATTERN,
} from './schema';

/** The file every environment folder must hold. */
export const CONFIG_FILE_NAME = 'config.json';

/**
 * Cognito default quota for identity providers per user pool; each SAML tenant is one provider.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html#resource-quotas
 */
export const MAX_IDENTITY_PROVIDERS_PER_USER_POOL: number = QUOTAS.identityProvidersPerUserPool.default;

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
  const absolute = path.join(environmentsDir, name, CONFIG_FILE_NAME);
  if (!fs.existsSync(absolute)) {
    const problems = nameProblems(name, rel(rootDir, path.join(environmentsDir, name)));
    problems.push(`${file}: missing; every environment folder needs a ${CONFIG_FILE_NAME} (copy environments/dev/${CONFIG_FILE_NAME} as a start).`);
    return { problems };
  }
  const text = fs.readFileSync(absolute, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const problems = nameProblems(name, rel(rootDir, path.join(environmentsDir, name)));
    problems.push(`${file}: is not valid JSON (${describeJsonError(text, error as Error)}).`);
    return { problems };
  }
  return validateEnvironment(name, raw, {
    ...options,
    source: file,
    folder: rel(rootDir, path.join(environmentsDir, name)),
    samlDir: options.samlDir ?? path.join(rootDir, 'saml'),
  });
}

/** Where the SAML metadata of a config given in code comes from: a folder, or the XML itself. */
export interface EnvironmentFromConfigOptions {
  /**
   * Folder holding the files named by `tenants[].saml.metadataFile`.
   * @default - none: every SAML tenant's metadata must be in `samlMetadata`
   */
  readonly samlDir?: string | undefined;
  /**
   * IdP metadata by file name (the `saml.metadataFile` of the tenant): the XML text or a parsed
   * `SamlMetadataDocument`. Takes precedence over `samlDir`.
   * @default - none
   */
  readonly samlMetadata?: Readonly<Record<string, string | SamlMetadataDocument>> | undefined;
  /** The clock for certificate expiry checks. @default - the current time */
  readonly now?: Date | undefined;
  /** The access rules the stack will be built with (reserved tenant ids). @default DEFAULT_ACCESS_RULES */
  readonly accessRules?: readonly StorageAccessRule[] | undefined;
  /** What messages name the config by. @default - `environment "<name>"` */
  readonly source?: string | undefined;
}

/**
 * An environment built from a typed object instead of `environments/<name>/config.json`: the same
 * schema, the same cross-field checks and the same messages as the file loader. Throws one
 * `EnvironmentConfigError` with every problem.
 *
 * ```ts
 * const environment = environmentFromConfig('dev', { region: 'eu-central-1', namePrefix: 'up', ... }, {
 *   samlMetadata: { 'globex.xml': fs.readFileSync('globex.xml', 'utf8') },
 * });
 * new UploadPlatformStack(app, { environment });
 * ```
 */
export function environmentFromConfig(name: string, config: EnvironmentConfigInput, options: EnvironmentFromConfigOptions = {}): LoadedEnvironment {
  const { environment, problems } = validateEnvironment(name, config, options);
  if (!environment) throw new EnvironmentConfigError(problems);
  return environment;
}

/** Options of `validateEnvironment`: those of `environmentFromConfig`, plus the folder for messages. */
export interface ValidateEnvironmentOptions extends EnvironmentFromConfigOptions {
  /** The environment's folder, for a message about its name. @default - the `source` */
  readonly folder?: string | undefined;
}

/**
 * Validates one environment's config, parsed JSON or an object, in one round: the schema and
 * every cross-field check (the latter on whatever parts are well-formed), with "did you mean"
 * for near-miss keys, Regions, values and tenant ids. Never throws for bad input.
 */
export function validateEnvironment(
  name: string,
  raw: unknown,
  options: ValidateEnvironmentOptions = {},
): { environment?: LoadedEnvironment; problems: string[] } {
  const file = options.source ?? `environment ${JSON.stringify(name)}`;
  const problems = nameProblems(name, options.folder ?? file);
  const parsed = environmentConfigSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...describeIssue(issue, raw).map((problem) => `${file}: ${problem}`));
  }
  const at = (field: string, value: unknown, rule: string) =>
    problems.push(`${file}: ${field} ${rule} (received ${JSON.stringify(value)}).`);

  // Cross-field checks read the raw input defensively, so they run even when the schema fails.
  const input = record(raw) ?? {};
  // Only warnings can be acknowledged: errors are the product's guarantees (modules/security-rules/README.md).
  arrayOf(input.acknowledgements).forEach((acknowledgement, index) => {
    const rule = record(acknowledgement)?.rule;
    if (typeof rule !== 'string' || !ACKNOWLEDGEMENT_RULE_PATTERN.test(rule)) return;
    const field = `acknowledgements[${index}].rule`;
    if (!RULE_IDS.includes(rule)) {
      at(field, rule, `is not a security rule id: only the warnings ${ACKNOWLEDGEABLE_RULE_IDS.join(', ')} can be acknowledged${didYouMean(rule, ACKNOWLEDGEABLE_RULE_IDS)}`);
    } else if (!ACKNOWLEDGEABLE_RULE_IDS.includes(rule)) {
      at(field, rule, `is an error-level rule, which cannot be acknowledged: fix the finding instead; only ${ACKNOWLEDGEABLE_RULE_IDS.join(', ')} can be acknowledged`);
    }
  });
  for (const [field, region] of [
    ['region', input.region],
    ['backend.region', record(input.backend)?.region],
  ] as const) {
    if (typeof region === 'string' && !isKnownRegion(region)) {
      const suggestion = didYouMean(region, AWS_REGIONS);
      at(field, region, `is not a known AWS Region of the aws partition: ${suggestion ? suggestion.slice(2) : 'use a code such as eu-central-1'}`);
    }
  }
  // Cognito rejects hosted-UI domain prefixes that contain these words.
  // https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-assign-domain-prefix.html
  if (typeof input.namePrefix === 'string') {
    const domainPrefix = `${input.namePrefix}-${name}`;
    for (const word of ['aws', 'amazon', 'cognito']) {
      if (domainPrefix.includes(word)) {
        at('namePrefix', input.namePrefix, `makes the hosted-UI domain prefix "${domainPrefix}", which Cognito rejects because it contains "${word}": choose another prefix`);
      }
    }
  }

  const tenants = arrayOf(input.tenants).map((tenant) => record(tenant) ?? {});
  const seenIds = new Map<string, number>();
  const seenProviders = new Map<string, number>();
  const rules = options.accessRules ?? DEFAULT_ACCESS_RULES;
  for (const problem of validateAccessRules(rules)) problems.push(`loadEnvironments options: ${problem}`);
  // Tiers, isolation mode and the groups and roles they need (names, precedences, quotas).
  if (parsed.success) problems.push(...endUserRoleProblems(name, parsed.data, { accessRules: rules }).map((problem) => `${file}: ${problem}`));
  const reserved = new Set(reservedTenantIds([...rules, ...(parsed.success ? tierAccessRules(parsed.data) : [])]));
  const tenantIds = new Map(tenants.flatMap((tenant, index) => (typeof tenant.id === 'string' ? [[tenant.id.toLowerCase(), index] as const] : [])));
  const samlMetadata = new Map<string, SamlMetadata>();
  const warnings: string[] = [];
  const now = options.now ?? new Date();
  tenants.forEach((tenant, index) => {
    const field = `tenants[${index}]`;
    const id = typeof tenant.id === 'string' ? tenant.id : undefined;
    if (id !== undefined) {
      const first = seenIds.get(id);
      if (first !== undefined) {
        at(`${field}.id`, id, `duplicates tenants[${first}].id: every tenant needs its own id`);
      } else {
        seenIds.set(id, index);
      }
      if (reserved.has(id)) {
        at(`${field}.id`, id, `is reserved: the access rules use the folder "${id}" for another purpose (reserved: ${[...reserved].join(', ')}), so this tenant would reach other users' files; choose another id`);
      }
    }
    const saml = record(tenant.saml);
    if (!saml || id === undefined) return;
    const providerName = typeof saml.providerName === 'string' ? saml.providerName : saml.providerName === undefined ? id : undefined;
    if (providerName !== undefined) {
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
        at(`${field}.saml.providerName`, providerName, `equals the id of tenants[${namesakeTenant}] (${JSON.stringify(tenants[namesakeTenant]?.id)}): a provider name must not name another tenant; choose another name`);
      }
      const firstProvider = seenProviders.get(providerName.toLowerCase());
      if (firstProvider !== undefined) {
        at(`${field}.saml.providerName`, providerName, `duplicates the SAML provider name of tenants[${firstProvider}]: provider names must be unique in a user pool`);
      } else {
        seenProviders.set(providerName.toLowerCase(), index);
      }
    }
    const metadataFile = saml.metadataFile;
    if (typeof metadataFile !== 'string' || !SAML_FILE_PATTERN.test(metadataFile)) return;
    const inspection = inspectMetadata(metadataFile, options, now);
    for (const error of inspection.errors) {
      problems.push(`${file}: ${field}.saml.metadataFile (${JSON.stringify(metadataFile)}): ${error}`);
    }
    for (const warning of inspection.warnings) {
      warnings.push(`${file}: ${field}.saml.metadataFile: ${warning}`);
    }
    if (inspection.metadata) samlMetadata.set(id, inspection.metadata);
  });
  if (input.legacyMutableTenantAttribute === true) {
    // The tenant-claim trigger trusts a native user's attribute because no client can write it;
    // a mutable one can still be changed by anyone allowed cognito-idp:AdminUpdateUserAttributes.
    warnings.push(
      `${file}: legacyMutableTenantAttribute is true: the tenant attribute stays mutable, so any principal allowed cognito-idp:AdminUpdateUserAttributes on this user pool can move a native user into another tenant. Allow that action only to a named administrator role (IAM or an SCP).`,
    );
  }
  checkSelfSignUp(input, tenants, at, (warning) => warnings.push(`${file}: ${warning}`));
  // Social sign-in: a Google or Apple identity carries no tenant, so the environment must serve
  // tenant-less users; and it needs at least one provider.
  const social = record(input.socialSignIn);
  if (social !== undefined) {
    if (social.google === undefined && social.apple === undefined) {
      at('socialSignIn', input.socialSignIn, 'enables no provider: add "google", "apple" or both, or remove socialSignIn');
    }
    if (input.tenantlessUsers !== true) {
      at(
        'tenantlessUsers',
        input.tenantlessUsers ?? false,
        'must be true when socialSignIn is set: a Google or Apple user belongs to no tenant (social sign-in never grants one), so without tenant-less users every social sign-in would be refused',
      );
    }
  }
  const samlTenants = tenants.filter((tenant) => tenant.saml !== undefined).length;
  // Known from the config alone, so reported with the other config problems; the quota budget
  // (rule QUOTA1) counts the synthesized providers again, whatever module adds them.
  const providerQuota = record(input.quotas)?.identityProvidersPerUserPool;
  const providerLimit = typeof providerQuota === 'number' ? providerQuota : MAX_IDENTITY_PROVIDERS_PER_USER_POOL;
  if (samlTenants > providerLimit) {
    at(
      'tenants',
      `${samlTenants} SAML tenants`,
      `exceeds the quota identityProvidersPerUserPool of ${providerLimit} identity providers per user pool (AWS default ${MAX_IDENTITY_PROVIDERS_PER_USER_POOL}): split the tenants across environments, or request an increase of Amazon Cognito user pools "Identity providers per user pool" in Service Quotas and set quotas.identityProvidersPerUserPool`,
    );
  }

  if (problems.length > 0 || !parsed.success) return { problems };
  return { environment: { name, file, config: parsed.data, samlMetadata, warnings }, problems };
}

/**
 * Self sign-up: off unless `selfSignUp.enabled`; then the tenant attribute must be mutable (the
 * operator says how: a new pool, or one created mutable), at least one native tenant lists e-mail
 * domains or invitation-code hashes, and each domain and code joins one tenant. With
 * `tenantlessUsers: true` and no tenant open for sign-up, users sign up without a tenant: no
 * `tenantAttributeMutable` (nothing writes the attribute). See selfSignUpMode.
 */
function checkSelfSignUp(
  input: Record<string, unknown>,
  tenants: readonly Record<string, unknown>[],
  at: (field: string, value: unknown, rule: string) => void,
  warn: (warning: string) => void,
): void {
  const settings = record(input.selfSignUp);
  const enabled = settings?.enabled === true;
  const domains = new Map<string, string>();
  const hashes = new Map<string, string>();
  let open = 0;
  tenants.forEach((tenant, index) => {
    const own = record(tenant.selfSignUp);
    if (!own) return;
    const field = `tenants[${index}].selfSignUp`;
    const id = typeof tenant.id === 'string' ? tenant.id : `tenants[${index}]`;
    if (!enabled) {
      at(field, own, 'has no effect while selfSignUp.enabled is not true: enable self sign-up for the environment, or remove the block');
    }
    if (tenant.saml !== undefined) {
      at(field, own, `is refused: tenant ${id} signs in through its SAML provider only, and the tenant-claim trigger refuses native users of a SAML tenant; remove the block`);
    }
    const tenantDomains = arrayOf(own.emailDomains);
    const tenantHashes = arrayOf(own.invitationCodeSha256);
    if (tenantDomains.length + tenantHashes.length === 0) {
      at(field, own, 'lists neither emailDomains nor invitationCodeSha256: list at least one, or remove the block');
    } else {
      open++;
    }
    tenantDomains.forEach((domain, j) => {
      if (typeof domain !== 'string') return;
      for (const problem of emailDomainProblems(domain)) at(`${field}.emailDomains[${j}]`, domain, problem);
      const owner = domains.get(domain.toLowerCase());
      if (owner !== undefined) at(`${field}.emailDomains[${j}]`, domain, `belongs to tenant ${owner} already: an e-mail domain joins one tenant`);
      else domains.set(domain.toLowerCase(), id);
    });
    tenantHashes.forEach((hash, j) => {
      if (typeof hash !== 'string') return;
      if (!INVITATION_CODE_SHA256_PATTERN.test(hash)) {
        // The value is not echoed: it may be a code pasted where its hash belongs.
        at(`${field}.invitationCodeSha256[${j}]`, `${hash.length} characters`, 'must be 64 lowercase hex digits, the SHA-256 of the invitation code, never the code itself: printf %s "$CODE" | sha256sum');
      }
      const owner = hashes.get(hash);
      if (owner !== undefined) at(`${field}.invitationCodeSha256[${j}]`, `${hash.slice(0, 8)}…`, `repeats a code of tenant ${owner}: every invitation code joins one tenant; create another code`);
      else hashes.set(hash, id);
    });
  });
  if (!enabled) return;
  // No tenant open for sign-up: allowed only where users without a tenant are served (a consumer
  // app, document 002). Nothing writes the tenant attribute then, so there is no trigger and the
  // attribute keeps its mutability (selfSignUpMode "tenantless").
  if (open === 0 && input.tenantlessUsers === true) {
    if (settings?.tenantAttributeMutable !== undefined) {
      at(
        'selfSignUp.tenantAttributeMutable',
        settings.tenantAttributeMutable,
        'has no effect while no tenant is open for sign-up: users sign up without a tenant, no trigger writes the tenant attribute and the stack leaves its mutability as it is (immutable for a new pool). ' +
          'Remove it; a pool whose tenant attribute was created mutable keeps it with legacyMutableTenantAttribute: true (Cognito cannot change an existing attribute)',
      );
    }
    warn(
      'selfSignUp is enabled with no tenant open for sign-up: anyone who confirms an e-mail address can create a user without a tenant (their own folders and the tiers\' prefixes, never a tenant\'s data). No post confirmation trigger is deployed and the tenant attribute is not made mutable.',
    );
    return;
  }
  if (open === 0) {
    at(
      'selfSignUp.enabled',
      true,
      'needs at least one tenant with selfSignUp.emailDomains or selfSignUp.invitationCodeSha256: otherwise nobody who signs up could join a tenant (an app whose users sign up without a tenant sets tenantlessUsers: true instead)',
    );
  }
  if (settings?.tenantAttributeMutable === undefined) {
    at(
      'selfSignUp.tenantAttributeMutable',
      undefined,
      'is required with self sign-up: the post confirmation trigger can only write a mutable tenant attribute (Cognito sets an immutable one only at SignUp or AdminCreateUser), and Cognito cannot change the attribute of an existing pool. ' +
        'Set "new-user-pool" when this environment\'s user pool does not exist yet, or "created-mutable" when it exists with a mutable tenant attribute; a pool created with an immutable one cannot opt in (its apply would fail with "cannot modify or remove schema items")',
    );
  }
  warn(
    'selfSignUp is enabled: the tenant attribute is mutable, so any principal allowed cognito-idp:AdminUpdateUserAttributes on this user pool (the sign-up trigger, which only sets an empty attribute, and your administrators) can change a user\'s tenant. Allow that action only to named roles (IAM or an SCP).',
  );
}

/** The IdP metadata of one SAML tenant, from `options.samlMetadata` or `options.samlDir`. */
function inspectMetadata(metadataFile: string, options: EnvironmentFromConfigOptions, now: Date): SamlMetadataInspection {
  const given = options.samlMetadata?.[metadataFile];
  if (given !== undefined) {
    try {
      const metadata = typeof given === 'string' ? SamlMetadata.fromXml(given, metadataFile) : given;
      return { metadata, ...metadata.check(now) };
    } catch (error) {
      return { errors: [error instanceof Error ? error.message : String(error)], warnings: [] };
    }
  }
  if (options.samlDir === undefined) {
    const known = Object.keys(options.samlMetadata ?? {});
    return {
      errors: [`no metadata given: pass it as samlMetadata[${JSON.stringify(metadataFile)}] or pass samlDir${known.length > 0 ? didYouMean(metadataFile, known) : ''}`],
      warnings: [],
    };
  }
  return inspectSamlMetadataFile(path.join(options.samlDir, metadataFile), now);
}

function nameProblems(name: string, folder: string): string[] {
  if (ENVIRONMENT_NAME_PATTERN.test(name)) return [];
  return [
    `${folder}: environment folder name ${JSON.stringify(name)} must match ${ENVIRONMENT_NAME_PATTERN.source}: it becomes the stack name and part of AWS resource names.`,
  ];
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * `line 3, column 14: Unexpected token '}'`: where a JSON syntax error is and what V8 says about it.
 * The position comes from a small scanner, because V8's messages carry it only sometimes
 * (`at position N`; not for an unexpected token on Node.js 20).
 */
export function describeJsonError(text: string, error: Error): string {
  const offset = jsonErrorOffset(text);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  // V8 quotes the whole text in some messages ("Unexpected token '}', "{..." is not valid JSON").
  const what = error.message
    .replace(/,\s*"[\s\S]*" is not valid JSON$/, '')
    .replace(/\s*in JSON at position \d+[\s\S]*$/, '')
    .replace(/\s*\(line \d+ column \d+\)$/, '');
  return `line ${line}, column ${column}: ${what}`;
}

/** The offset of the first character that makes `text` invalid JSON (its length when it ends too early). */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    for (const ch of word) if (text[i++] !== ch) (i--, fail());
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail();
      const ch = text[i]!;
      if (ch === '"') return void i++;
      if (ch < ' ') fail();
      if (ch === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) ((i += k), fail());
          i += 5;
        } else if ('"\\/bfnrt'.includes(text[i] ?? '') && i < text.length) i++;
        else fail();
      } else i++;
    }
  };
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match || match[0] === '-') fail();
    i += match![0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return number();
    fail();
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
  } catch (offset) {
    if (typeof offset === 'number') return Math.min(offset, text.length);
    throw offset;
  }
  return text.length;
}

/** `; did you mean "us-west-2"?` for a near miss among `candidates` (case, or at most two edits), else ''. */
export function didYouMean(value: string, candidates: readonly string[]): string {
  const suggestion = closest(value, candidates);
  return suggestion === undefined ? '' : `; did you mean ${JSON.stringify(suggestion)}?`;
}

function closest(value: string, candidates: readonly string[]): string | undefined {
  const lower = value.toLowerCase();
  const sameIgnoringCase = candidates.find((candidate) => candidate.toLowerCase() === lower);
  if (sameIgnoringCase !== undefined) return sameIgnoringCase;
  const limit = Math.min(2, Math.floor(value.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i]!;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** A tenant id that matches the pattern, made from a near miss (`Acme Corp` → `acme-corp`), if there is one. */
function tenantIdSuggestion(value: string): string | undefined {
  const suggestion = value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return suggestion !== value && TENANT_ID_PATTERN.test(suggestion) ? suggestion : undefined;
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
    return issue.keys.map((key) => `${formatPath([...issue.path, key])} is not a known key (a typo?); allowed keys here: ${allowed.join(', ')}${didYouMean(key, allowed)}`.replace(/[^?]$/, '$&.'));
  }
  const field = formatPath(issue.path) || '(top level)';
  const value = valueAt(raw, issue.path);
  const article = (noun: string) => `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
  if (value === undefined) return [`${field} is required${issue.code === 'invalid_type' ? ` (${article(issue.expected)})` : ''}.`];
  if (issue.code === 'invalid_type') return [`${field} must be ${article(issue.expected)} (received ${JSON.stringify(value)}).`];
  let hint = '';
  if (issue.code === 'invalid_value' && typeof value === 'string') {
    hint = didYouMean(value, issue.values.filter((v): v is string => typeof v === 'string'));
  } else if (typeof value === 'string' && issue.path.length === 3 && issue.path[0] === 'tenants' && issue.path[2] === 'id') {
    const suggestion = tenantIdSuggestion(value);
    if (suggestion !== undefined) hint = `; did you mean ${JSON.stringify(suggestion)}?`;
  }
  return [`${field} ${issue.message} (received ${JSON.stringify(value)})${hint || '.'}`];
}

function rel(rootDir: string, target: string): string {
  return path.relative(rootDir, target).split(path.sep).join('/') || '.';
}

/**
 * The access matrix: who may do what in one environment, stated as expectations and decided by
 * iam-simulate over the policies READ BACK from the synthesized `cdk.tf.json`.
 *
 * Shared by `__tests__/isolation.test.ts` (which asserts every check) and `scripts/access-report.ts`
 * (which renders the same evaluation as `reports/<env>.md`), so the report can never say something
 * the tests did not check.
 *
 * Vocabulary:
 * - a **check** is one simulated request with an expectation (`allowed`, `denied`, or `explicitly
 *   denied` when only an explicit Deny statement is proof, e.g. fail-closed statements);
 * - every denied check names a **control**: an allowed check with the same action by the rightful
 *   owner of the resource (or, where nobody owns it, the same kind of caller on its own data). A
 *   matrix that only checked denials would pass on a policy that denies everything;
 * - a **row** is one `it` (several checks); a **group** one `describe`.
 *
 * Checked vs unsafe mode (see the facts at the top of simulate.ts):
 * - tenant-prefix, hostile-tag and transport/encryption checks run in CHECKED mode with a context of
 *   the tenant tag, TLS, SSE headers and `s3:prefix` only; every such check also asserts that the
 *   checked entry point dropped no context key (`ignoredContextKeys` is empty). Leaving the identity
 *   id out can only hide an Allow of the `private/<id>/` statements, so the "grid" group repeats the
 *   tenant-prefix cases for representative callers WITH the identity id (unsafe mode);
 * - checks whose callers carry a Cognito identity id run in UNSAFE mode: the role policy's
 *   `private/${cognito-identity.amazonaws.com:sub}/*` statements apply to every S3 object action,
 *   and the checked entry point drops `cognito-identity.amazonaws.com:sub` on S3 actions;
 * - KMS checks run in UNSAFE mode: the checked entry point drops every `kms:EncryptionContext:*`
 *   key, and the tenant binding of the data key is exactly such a condition;
 * - trust checks run in UNSAFE mode: `cognito-identity.amazonaws.com:amr` is a list in real tokens
 *   (the checked entry point would keep only its first value) and the checked entry point drops
 *   the cognito keys on `sts:TagSession`.
 */
import { createHash } from 'node:crypto';
import type { LoadedEnvironment } from '../../modules/environment-config';
import { tableActionsFor, TableAction } from '../../modules/tenant-access';
import { UploadBucket } from '../../modules/upload-bucket';
import { DEFAULT_TIER_RULES, plannedGroupRoles, Tier, TierRule, tenantGroupName, tiersOf } from '../../modules/group-roles';
import { synthModule } from './module-stack';
import { generatedConfig, inMemoryEnvironment } from './generated-environment';
import { repositoryEnvironment, repositoryEnvironments, synthEnvironment, synthLoaded } from './synth';
import { COGNITO_IDENTITY_PROVIDER, ContextValues, Decision, SimOptions, SimResult, simulate, simulateTrust } from './simulate';
import { FAKE_ACCOUNT_ID, fakeRefsFor, resolvePolicyDocument, resolveTerraformString, TerraformStackJson } from './terraform-refs';

// ---------------------------------------------------------------------------------------------
// Reading the environment back from cdk.tf.json
// ---------------------------------------------------------------------------------------------

type PolicyDoc = Record<string, unknown>;
type Block = Readonly<Record<string, unknown>>;

/** What the matrix needs from one synthesized environment, with references resolved to fake values. */
export interface EnvironmentModel {
  readonly name: string;
  readonly region: string;
  /** `aws:PrincipalTag/<tenantAttribute>`. */
  readonly tenantTagKey: string;
  /** Tenant ids, in config order. */
  readonly tenants: readonly string[];
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly keyArn: string;
  readonly roleArn: string;
  /** The ARN a caller's session has: the role assumed through the identity pool. */
  readonly sessionArn: string;
  readonly identityPoolId: string;
  /** The fake values the references were resolved to (fakeRefsFor). */
  readonly refs: Readonly<Record<string, string>>;
  /** Policy strings exactly as synthesized (Terraform templates: references and `$${` escapes). */
  readonly synthesized: Readonly<Record<PolicyName, string>>;
  /** The same policies as AWS would receive them (references resolved, escapes undone), parsed. */
  readonly policies: Readonly<Record<PolicyName, PolicyDoc>>;
  /** The bucket's default encryption, references resolved. */
  readonly defaultEncryption: { readonly sseAlgorithm: string; readonly kmsMasterKeyId: string; readonly bucketKeyEnabled: boolean };
  /** The bucket policy UploadBucket emits with `requireEncryptionHeaders: true`, for this bucket and key. */
  readonly strictBucketPolicy: PolicyDoc;
  /** The role the environment names to use the data key outside S3, if any. */
  readonly breakGlassArn?: string;
  /** `shared-role` or `role-per-tenant`. */
  readonly isolation: 'shared-role' | 'role-per-tenant';
  /** Sessions without a tenant tag are legitimate users (`tenantlessUsers`). */
  readonly tenantless: boolean;
  /** Tiers (groups with a role each) and what they may do. */
  readonly tiers: readonly Tier[];
  readonly tierRules: readonly TierRule[];
  /** The default tiers and rules of document 002 (`tiers: true`, no tierRules): checked against the document itself too. */
  readonly documentedTiers: boolean;
  /**
   * The role of each user-pool group (tiers, or tenants in role-per-tenant mode), read back from the
   * groups' `role_arn`: what the identity pool hands a member through the Token role mapping.
   */
  readonly groupRoles: Readonly<Record<string, RoleModel>>;
  /** The tenant table, when the environment declares one: which leading keys a tenant owns, and (synthesized) its ARN and name. */
  readonly table?: {
    readonly leadingKey: 'prefix' | 'exact';
    readonly actions: readonly TableAction[];
    readonly arn: string;
    readonly name: string;
    /** The table's resource policy (the data perimeter), as AWS receives it; undefined without one. */
    readonly policy?: PolicyDoc;
  };
  /** The tenant secrets, when the environment declares them: each tenant's secret ARN and secret policy (synthesized). */
  readonly secrets?: { readonly arns: Readonly<Record<string, string>>; readonly policies: Readonly<Record<string, PolicyDoc>> };
  /** `namePrefix` of the config: what another environment's roles start with. */
  readonly namePrefix: string;
}

/** One end-user role other than the default: its ARNs and its two policies as AWS receives them. */
export interface RoleModel {
  readonly roleArn: string;
  readonly sessionArn: string;
  readonly policies: { readonly role: PolicyDoc; readonly trust: PolicyDoc };
}

export type PolicyName = 'role' | 'trust' | 'bucket' | 'key';
export const POLICY_NAMES: readonly PolicyName[] = ['role', 'trust', 'bucket', 'key'];

function onlyBlock(stack: TerraformStackJson, type: string): { address: string; config: Block } {
  const entries = Object.entries(stack.resource?.[type] ?? {}).filter(([name]) => !name.startsWith('//'));
  if (entries.length !== 1) throw new Error(`access matrix: expected exactly one ${type} in the stack, found ${entries.length}.`);
  const [name, config] = entries[0];
  return { address: `${type}.${name}`, config };
}

function onlyBlockWhere(stack: TerraformStackJson, type: string, where: (config: Block) => boolean): { address: string; config: Block } {
  const entries = Object.entries(stack.resource?.[type] ?? {}).filter(([name, config]) => !name.startsWith('//') && where(config));
  if (entries.length !== 1) throw new Error(`access matrix: expected exactly one matching ${type} in the stack, found ${entries.length}.`);
  const [name, config] = entries[0];
  return { address: `${type}.${name}`, config };
}

function blockAt(stack: TerraformStackJson, address: string | undefined, from: string): { address: string; config: Block } {
  const [type, name] = (address ?? '').split('.');
  const config = type && name ? stack.resource?.[type]?.[name] : undefined;
  if (!address || !config) throw new Error(`access matrix: ${from} does not reference a resource of the stack (${JSON.stringify(address)}).`);
  return { address, config };
}

function stringField(block: { address: string; config: Block }, field: string): string {
  const value = block.config[field];
  if (typeof value !== 'string') throw new Error(`access matrix: ${block.address}.${field} is not a string: ${JSON.stringify(value)}`);
  return value;
}

function expectRef(block: { address: string; config: Block }, field: string, expected: string): void {
  const value = stringField(block, field);
  if (value !== `\${${expected}}`) {
    throw new Error(`access matrix: ${block.address}.${field} is ${JSON.stringify(value)}, expected a reference to ${expected}.`);
  }
}

/**
 * Reads the four policies, the default encryption and the fake ARNs of one environment from its
 * synthesized stack. Also checks that the pieces belong together (the inline policy is on the role
 * the identity pool hands out, the bucket policy and encryption are on the bucket), so the matrix
 * cannot evaluate policies that are not the ones in force.
 */
export function readEnvironment(environment: LoadedEnvironment, stackJson: unknown): EnvironmentModel {
  const stack = stackJson as TerraformStackJson;
  const refs = fakeRefsFor(stack);
  const bucket = onlyBlock(stack, 'aws_s3_bucket');
  const key = onlyBlock(stack, 'aws_kms_key');
  const bucketPolicy = onlyBlock(stack, 'aws_s3_bucket_policy');
  const encryption = onlyBlock(stack, 'aws_s3_bucket_server_side_encryption_configuration');
  const pool = onlyBlock(stack, 'aws_cognito_identity_pool');
  const attachment = onlyBlock(stack, 'aws_cognito_identity_pool_roles_attachment');
  // The role under test is the one the identity pool hands out (the stack has other roles, such as
  // the trigger's execution role), and its policy is the inline policy attached to that role.
  const roles = attachment.config.roles as Record<string, unknown> | undefined;
  const roleAddress = /^\$\{(aws_iam_role\.[^.]+)\.arn\}$/.exec(String(roles?.authenticated))?.[1];
  const role = blockAt(stack, roleAddress, `${attachment.address}.roles.authenticated`);
  const rolePolicy = onlyBlockWhere(stack, 'aws_iam_role_policy', (config) => config.role === `\${${role.address}.id}`);

  expectRef(bucketPolicy, 'bucket', `${bucket.address}.id`);
  expectRef(encryption, 'bucket', `${bucket.address}.id`);

  const synthesized: Record<PolicyName, string> = {
    role: stringField(rolePolicy, 'policy'),
    trust: stringField(role, 'assume_role_policy'),
    bucket: stringField(bucketPolicy, 'policy'),
    key: stringField(key, 'policy'),
  };
  const policies = Object.fromEntries(POLICY_NAMES.map((n) => [n, resolvePolicyDocument(synthesized[n], refs)])) as Record<PolicyName, PolicyDoc>;

  const rules = encryption.config.rule as ReadonlyArray<Record<string, unknown>> | undefined;
  if (!Array.isArray(rules) || rules.length !== 1) throw new Error(`access matrix: ${encryption.address} must have exactly one rule.`);
  const byDefault = (rules[0].apply_server_side_encryption_by_default ?? {}) as Record<string, unknown>;
  const defaultEncryption = {
    sseAlgorithm: String(byDefault.sse_algorithm),
    kmsMasterKeyId: resolveTerraformString(String(byDefault.kms_master_key_id ?? ''), refs),
    bucketKeyEnabled: rules[0].bucket_key_enabled === true,
  };

  const bucketName = refs[`${bucket.address}.bucket`];
  const bucketArn = refs[`${bucket.address}.arn`];
  const keyArn = refs[`${key.address}.arn`];
  const tenantData = readTenantData(environment, stack, key.address, refs);
  const roleName = refs[`${role.address}.name`];
  const config = environment.config;
  // Group roles: each group's role_arn names a role whose inline policy is its policy. The identity
  // pool hands them out only through a Token role mapping with ambiguous Deny on every client.
  const groupRoles: Record<string, RoleModel> = {};
  const groups = Object.entries(stack.resource?.aws_cognito_user_group ?? {}).filter(([name]) => !name.startsWith('//'));
  for (const [name, group] of groups) {
    const address = /^\$\{(aws_iam_role\.[^.]+)\.arn\}$/.exec(String(group.role_arn))?.[1];
    const groupRole = blockAt(stack, address, `aws_cognito_user_group.${name}.role_arn`);
    const groupPolicy = onlyBlockWhere(stack, 'aws_iam_role_policy', (c) => c.role === `\${${groupRole.address}.id}`);
    groupRoles[String(group.name)] = {
      roleArn: refs[`${groupRole.address}.arn`],
      sessionArn: `arn:aws:sts::${FAKE_ACCOUNT_ID}:assumed-role/${refs[`${groupRole.address}.name`]}/CognitoIdentityCredentials`,
      policies: { role: resolvePolicyDocument(stringField(groupPolicy, 'policy'), refs), trust: resolvePolicyDocument(stringField(groupRole, 'assume_role_policy'), refs) },
    };
  }
  const mappings = (attachment.config.role_mapping ?? []) as ReadonlyArray<Record<string, unknown>>;
  if (groups.length > 0 && (mappings.length === 0 || mappings.some((m) => m.type !== 'Token' || m.ambiguous_role_resolution !== 'Deny'))) {
    throw new Error(`access matrix: ${attachment.address} must map every client's groups to roles by Token with ambiguous Deny (found ${JSON.stringify(mappings)}).`);
  }
  const model = {
    ...fromConfig(environment),
    bucketName,
    bucketArn,
    keyArn,
    roleArn: refs[`${role.address}.arn`],
    sessionArn: `arn:aws:sts::${FAKE_ACCOUNT_ID}:assumed-role/${roleName}/CognitoIdentityCredentials`,
    identityPoolId: refs[`${pool.address}.id`],
    refs,
    synthesized,
    policies,
    defaultEncryption,
    groupRoles,
    ...tenantData,
  };
  return {
    ...model,
    strictBucketPolicy: strictBucketPolicyFor(bucketName, bucketArn, keyArn, config.cors.allowedOrigins),
  };
}

/**
 * The tenant table and secrets of the stack, checked against the config: the table exists exactly
 * when `table` is configured and is encrypted with the data key; each tenant has exactly one secret,
 * tagged with its id and encrypted with the data key, exactly when `tenantSecrets` is configured.
 */
function readTenantData(environment: LoadedEnvironment, stack: TerraformStackJson, keyAddress: string, refs: Readonly<Record<string, string>>): Pick<EnvironmentModel, 'table' | 'secrets'> {
  const config = environment.config;
  const tables = Object.entries(stack.resource?.aws_dynamodb_table ?? {}).filter(([name]) => !name.startsWith('//'));
  const secrets = Object.entries(stack.resource?.aws_secretsmanager_secret ?? {}).filter(([name]) => !name.startsWith('//'));
  if (tables.length !== (config.table ? 1 : 0)) throw new Error(`access matrix: ${environment.name} configures ${config.table ? 'a' : 'no'} table; the stack has ${tables.length}.`);
  if (secrets.length !== (config.tenantSecrets ? config.tenants.length : 0)) {
    throw new Error(`access matrix: ${environment.name} should have ${config.tenantSecrets ? config.tenants.length : 0} tenant secrets; the stack has ${secrets.length}.`);
  }
  const out: { table?: EnvironmentModel['table']; secrets?: EnvironmentModel['secrets'] } = {};
  const [tableEntry] = tables;
  if (config.table && tableEntry) {
    const table = { address: `aws_dynamodb_table.${tableEntry[0]}`, config: tableEntry[1] };
    const sse = (table.config.server_side_encryption ?? {}) as Record<string, unknown>;
    if (sse.enabled !== true || sse.kms_key_arn !== `\${${keyAddress}.arn}`) throw new Error(`access matrix: ${table.address} is not encrypted with ${keyAddress}.`);
    const policies = Object.entries(stack.resource?.aws_dynamodb_resource_policy ?? {}).filter(
      ([name, c]) => !name.startsWith('//') && (c as Block).resource_arn === `\${${table.address}.arn}`,
    );
    if (policies.length > 1) throw new Error(`access matrix: ${table.address} has ${policies.length} resource policies.`);
    const [policy] = policies;
    out.table = {
      leadingKey: config.table.leadingKey,
      actions: config.table.actions,
      arn: refs[`${table.address}.arn`],
      name: refs[`${table.address}.name`],
      ...(policy ? { policy: resolvePolicyDocument(stringField({ address: `aws_dynamodb_resource_policy.${policy[0]}`, config: policy[1] as Block }, 'policy'), refs) } : {}),
    };
  }
  if (config.tenantSecrets) {
    const arns: Record<string, string> = {};
    const policies: Record<string, PolicyDoc> = {};
    const secretPolicies = Object.entries(stack.resource?.aws_secretsmanager_secret_policy ?? {}).filter(([name]) => !name.startsWith('//'));
    for (const [name, secret] of secrets) {
      const tenant = (secret.tags as Record<string, string> | undefined)?.[config.tenantAttribute];
      if (tenant === undefined || arns[tenant] !== undefined || secret.kms_key_id !== `\${${keyAddress}.arn}`) {
        throw new Error(`access matrix: aws_secretsmanager_secret.${name} must be tagged with one tenant of its own and encrypted with ${keyAddress}.`);
      }
      arns[tenant] = refs[`aws_secretsmanager_secret.${name}.arn`];
      const attached = secretPolicies.filter(([, c]) => (c as Block).secret_arn === `\${aws_secretsmanager_secret.${name}.arn}`);
      if (attached.length > 1) throw new Error(`access matrix: aws_secretsmanager_secret.${name} has ${attached.length} secret policies.`);
      const [policy] = attached;
      if (policy) policies[tenant] = resolvePolicyDocument(stringField({ address: `aws_secretsmanager_secret_policy.${policy[0]}`, config: policy[1] as Block }, 'policy'), refs);
    }
    out.secrets = { arns, policies };
  }
  return out;
}

/** The part of the model that comes from the configuration alone. */
function fromConfig(environment: LoadedEnvironment) {
  const config = environment.config;
  return {
    name: environment.name,
    region: config.region,
    tenantTagKey: `aws:PrincipalTag/${config.tenantAttribute}`,
    tenants: config.tenants.map((t) => t.id),
    namePrefix: config.namePrefix,
    ...(config.breakGlassPrincipalArn ? { breakGlassArn: config.breakGlassPrincipalArn } : {}),
    isolation: config.isolation,
    tenantless: config.tenantlessUsers,
    tiers: tiersOf(config),
    tierRules: tiersOf(config).length === 0 ? [] : (config.tierRules ?? DEFAULT_TIER_RULES),
    documentedTiers: config.tiers === true && config.tierRules === undefined,
  };
}

/**
 * The stack does not expose `requireEncryptionHeaders`, so the variant is synthesized from the
 * UploadBucket module itself, for the same bucket name and (fake) key ARN, and read back the same way.
 */
function strictBucketPolicyFor(bucketName: string, bucketArn: string, keyArn: string, origins: readonly string[]): PolicyDoc {
  const json = synthModule((scope) => {
    new UploadBucket(scope, 'UploadBucket', { bucketName, kmsKeyArn: keyArn, corsAllowedOrigins: origins, requireEncryptionHeaders: true });
  }) as TerraformStackJson;
  const refs = fakeRefsFor(json);
  const policy = resolvePolicyDocument(stringField(onlyBlock(json, 'aws_s3_bucket_policy'), 'policy'), refs);
  if (!JSON.stringify(policy).includes(`"${bucketArn}/*"`)) {
    throw new Error(`access matrix: the requireEncryptionHeaders variant is not about ${bucketArn}: ${JSON.stringify(policy)}`);
  }
  return policy;
}

// ---------------------------------------------------------------------------------------------
// Principals and requests
// ---------------------------------------------------------------------------------------------

/** A deterministic identity-pool identity id (`<region>:<uuid>`), as Cognito issues them. */
export function fakeIdentityId(region: string, seed: string): string {
  const h = createHash('sha256').update(`identity:${seed}`).digest('hex');
  return `${region}:${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A caller: a session of the authenticated role with (or without) a tenant tag and an identity id. */
export interface Principal {
  /** Short label for titles and the report, e.g. `user of acme`, `tag "*"`. */
  readonly label: string;
  /** The `customerName` principal tag; undefined = the session has no such tag. */
  readonly tag?: string;
  /** The identity id (`cognito-identity.amazonaws.com:sub`). */
  readonly sub: string;
  /** The tenant this caller legitimately belongs to (real tenant users only). */
  readonly tenant?: string;
  /** The user-pool group whose role the identity pool hands out; undefined = the default authenticated role. */
  readonly group?: string;
  /** A legitimate user without a tenant (`tenantlessUsers`): its own identity and tier folders are its own. */
  readonly tenantless?: boolean;
}

type Expectation = 'allowed' | 'denied' | 'explicitly denied';
export type StorageVerb = 'read' | 'write' | 'delete' | 'list';
export const STORAGE_VERBS: readonly StorageVerb[] = ['read', 'write', 'delete', 'list'];

const S3_ACTION: Readonly<Record<StorageVerb, string>> = {
  read: 's3:GetObject',
  write: 's3:PutObject',
  delete: 's3:DeleteObject',
  list: 's3:ListBucket',
};

/** How an S3 PutObject carries server-side encryption headers. */
export type SseHeaders = 'our-key' | 'other-key' | 'aes256' | 'kms-without-key-id' | 'dsse-our-key' | 'sse-c' | 'none';

interface S3Request {
  readonly kind: 's3';
  readonly verb: StorageVerb;
  readonly principal: Principal;
  /** Object key (read/write/delete). */
  readonly key?: string;
  /** `s3:prefix` of a ListBucket; undefined = no prefix parameter. */
  readonly prefix?: string;
  /** @default true */
  readonly secureTransport?: boolean;
  /** PutObject only. @default 'our-key' (what our upload client sends) */
  readonly sse?: SseHeaders;
  /** Evaluate with the identity id in the context (unsafe mode). */
  readonly withIdentity: boolean;
  /** @default 'stack' */
  readonly bucketPolicy?: 'stack' | 'strict';
  /** @default 'tenant-role'; 'account-admin' is another principal of the account with s3:* and kms:* on "*" */
  readonly caller?: 'tenant-role' | 'account-admin';
}

/** Who calls KMS: a session of the tenant role, an administrator whose IAM policy allows kms:*, or the break-glass role. */
export type KmsCaller = 'tenant-role' | 'account-admin' | 'break-glass';

interface KmsRequest {
  readonly kind: 'kms';
  readonly action: 'kms:GenerateDataKey' | 'kms:Decrypt';
  /** The encryption-context key `encryptionContext` is the value of. @default 'aws:s3:arn' */
  readonly contextKey?: string;
  readonly principal: Principal;
  /** @default 'tenant-role' */
  readonly caller?: KmsCaller;
  /** `kms:EncryptionContext:aws:s3:arn`; undefined = no encryption context. */
  readonly encryptionContext?: string;
  /** `kms:ViaService`; undefined = a direct call. */
  readonly viaService?: string;
}

interface TrustRequest {
  readonly kind: 'trust';
  readonly action: 'sts:AssumeRoleWithWebIdentity' | 'sts:TagSession';
  readonly aud?: string;
  readonly amr: readonly string[];
  /** TagSession: the tenant tag the identity pool sets. */
  readonly tenantTag?: string;
  /** TagSession: the tag keys (`aws:TagKeys`). @default - the tenant tag key alone */
  readonly tagKeys?: readonly string[];
  /** The group whose role is assumed; undefined = the default authenticated role. */
  readonly group?: string;
}

/** A DynamoDB request on the tenant table: the partition keys it names are `dynamodb:LeadingKeys`. */
interface TableRequest {
  readonly kind: 'table';
  readonly action: string;
  readonly principal: Principal;
  /** The partition keys of the request; undefined = a request that names none (Scan, PartiQL). */
  readonly keys?: readonly string[];
  /** @default 'tenant-role'; the others have dynamodb:* on "*" in IAM (DataCaller) */
  readonly caller?: 'tenant-role' | DataCaller;
}

/**
 * Who, besides a tenant's session, calls DynamoDB or Secrets Manager, each with every action of the
 * service on "*" in IAM: `account-admin`, an administrator (or operator) of the account;
 * `foreign-role`, a role another environment's apply role can create (`<prefix>-<env>-tenant-evil`:
 * the apply role of an environment named `<env>-tenant` creates `<prefix>-<env>-tenant-*`), which
 * the old role-name pattern `<prefix>-<env>-tenant-*` admitted; `perimeter-role`, a role inside the
 * data perimeter (the break-glass role, else the authenticated role's ARN): the control that shows
 * the perimeter lets its principals through.
 */
export type DataCaller = 'account-admin' | 'foreign-role' | 'perimeter-role';

/** A Secrets Manager request on a tenant's secret. */
interface SecretRequest {
  readonly kind: 'secret';
  readonly action: string;
  readonly principal: Principal;
  /** Whose secret (by name). */
  readonly secretOf: string;
  /** The tenant tag the secret carries. @default secretOf */
  readonly taggedAs?: string;
  /** @default 'tenant-role'; the others have secretsmanager:* on "*" in IAM (DataCaller) */
  readonly caller?: 'tenant-role' | DataCaller;
}

type Request = S3Request | KmsRequest | TrustRequest | TableRequest | SecretRequest;

export interface Check {
  /** Unique within an environment. */
  readonly id: string;
  /** Short description of the request, e.g. `PutObject acme/report.pdf`. */
  readonly what: string;
  readonly expect: Expectation;
  /** Checked mode: the statement that must deny, e.g. `identity:DenyWithoutTenantTag`. */
  readonly denyBy?: string;
  /** Id of the allowed check that pairs with this denial. Required when expect is not `allowed`. */
  readonly control?: string;
  readonly mode: 'checked' | 'unsafe';
  readonly request: Request;
  /** Where the check appears in a table of the access report (grid checks are placed by the Grid). */
  readonly report?: { readonly row: string; readonly column: string };
}

export interface Row {
  /** The `it` title, e.g. `denies acme reading, writing, deleting and listing globex's prefix`. */
  readonly title: string;
  readonly checks: readonly string[];
}

export type GroupKey = 'tenant' | 'hostile' | 'identity' | 'grid' | 'encryption' | 'kms' | 'trust' | 'tier' | 'tenantless' | 'table' | 'secrets';

export interface Group {
  readonly key: GroupKey;
  readonly title: string;
  readonly rows: readonly Row[];
}

/** The S3 grid of the report: principals × path patterns × the four verbs. */
export interface Grid {
  readonly principals: readonly Principal[];
  readonly columns: readonly string[];
  /** `cells[principalIndex][columnIndex][verb]` = check id. */
  readonly cells: ReadonlyArray<ReadonlyArray<Readonly<Record<StorageVerb, string>>>>;
}

export interface Matrix {
  readonly model: EnvironmentModel;
  readonly checks: ReadonlyMap<string, Check>;
  readonly groups: readonly Group[];
  readonly grid: Grid;
  /** Tenants covered by the tenant-prefix group and, for each, the other tenants it is checked against. */
  readonly tenantCoverage: ReadonlyArray<{ readonly tenant: string; readonly others: readonly string[] }>;
}

export interface BuildOptions {
  /**
   * Above this many tenants, each tenant is checked against a deterministic subset of the others
   * (its neighbours, the first, the last and the one halfway round) instead of all of them.
   * @default 10
   */
  readonly allPairsUpTo?: number;
  /**
   * Group per-tenant rows into one row per tenant (for large environments: one `it` per tenant).
   * @default - true when the subset is used
   */
  readonly rowPerTenant?: boolean;
}

/** The other tenants `tenant` (at index i of n) is checked against. */
export function othersFor(tenants: readonly string[], i: number, allPairsUpTo: number): string[] {
  const n = tenants.length;
  if (n <= allPairsUpTo) return tenants.filter((_, j) => j !== i);
  const picks = [i - 1, i + 1, 0, n - 1, i + Math.floor(n / 2)].map((j) => ((j % n) + n) % n);
  return [...new Set(picks)].filter((j) => j !== i).sort((a, b) => a - b).map((j) => tenants[j]);
}

const VERBS_SENTENCE = 'reading, writing, deleting and listing';
/**
 * The Deny that stops a hostile tag on the table: the tenant data's own absent-tag Deny (never
 * narrowed for tenant-less users); an empty, malformed or reserved tag, or another tenant's tag on a
 * tenant's role, meets the same statement as on the bucket (it covers every target).
 */
const tableDenyBy = (denyBy: string) => (denyBy === 'identity:DenyWithoutTenantTag' ? 'identity:DenyTenantDataWithoutTenantTag' : denyBy);
/** The Deny that binds a tenant's role to its tenant's tag, on every target. */
const TAG_OF_ANOTHER_TENANT = 'identity:DenyTagOfAnotherTenant';

/** The object key used for a verb under a prefix. */
function objectKey(prefix: string, verb: StorageVerb): string {
  return `${prefix}${verb === 'read' ? 'report.pdf' : verb === 'write' ? 'upload.bin' : 'old.txt'}`;
}

// ---------------------------------------------------------------------------------------------
// Building the matrix
// ---------------------------------------------------------------------------------------------

class Builder {
  readonly checks = new Map<string, Check>();
  constructor(readonly model: EnvironmentModel) {}

  add(check: Check): string {
    const existing = this.checks.get(check.id);
    if (existing) {
      if (JSON.stringify(existing) !== JSON.stringify(check)) throw new Error(`access matrix: check id ${check.id} defined twice differently.`);
      return check.id;
    }
    if (check.expect !== 'allowed' && check.control === undefined) throw new Error(`access matrix: denied check ${check.id} has no control.`);
    this.checks.set(check.id, check);
    return check.id;
  }

  /**
   * One S3 check of `verb` by `p` on the folder `prefix` (`acme/`, `private/<id>/`, '' = bucket root).
   * List checks use `s3:prefix` = the folder unless `listPrefix` says otherwise (null = no prefix).
   */
  s3(
    p: Principal,
    verb: StorageVerb,
    prefix: string,
    expect: Expectation,
    opts: { control?: string; denyBy?: string; withIdentity: boolean; group: string; listPrefix?: string | null },
  ): string {
    const key = objectKey(prefix, verb);
    const listPrefix = opts.listPrefix === null ? undefined : opts.listPrefix ?? prefix;
    const target = verb === 'list' ? (listPrefix === undefined ? '(no prefix)' : `prefix "${listPrefix}"`) : key;
    const request: S3Request = {
      kind: 's3',
      verb,
      principal: p,
      withIdentity: opts.withIdentity,
      ...(verb === 'list' ? (listPrefix === undefined ? {} : { prefix: listPrefix }) : { key }),
    };
    return this.add({
      id: `${opts.group}|${p.label}|${verb}|${target}`,
      what: `${S3_ACTION[verb].slice(3)} ${target}`,
      expect,
      mode: opts.withIdentity ? 'unsafe' : 'checked',
      request,
      ...(opts.control ? { control: opts.control } : {}),
      ...(opts.denyBy && !opts.withIdentity ? { denyBy: opts.denyBy } : {}),
    });
  }
}

/**
 * Builds the whole matrix of one environment. Pure (no simulation happens here).
 */
export function buildMatrix(model: EnvironmentModel, options: BuildOptions = {}): Matrix {
  const b = new Builder(model);
  const allPairsUpTo = options.allPairsUpTo ?? 10;
  const tenants = model.tenants;
  if (tenants.length < 2) throw new Error(`access matrix: environment ${model.name} needs at least two tenants to check isolation.`);
  const subset = tenants.length > allPairsUpTo;
  const rowPerTenant = options.rowPerTenant ?? subset;
  const id = (seed: string) => fakeIdentityId(model.region, `${model.name}:${seed}`);
  // Role per tenant: a tenant's users are members of its group and receive its role.
  const rpt = model.isolation === 'role-per-tenant';
  const user = (tenant: string, n = 1): Principal => ({
    label: n === 1 ? `user of ${tenant}` : `user ${n} of ${tenant}`,
    tag: tenant,
    sub: id(`${tenant}:${n}`),
    tenant,
    ...(rpt ? { group: tenantGroupName(tenant) } : {}),
  });
  const groups: Group[] = [];
  const T = tenants[0];
  const U = tenants[1];
  /** A strict prefix of the id: `ac` for `acme`, `a` for a two-letter id. */
  const twinOf = (t: string) => t.slice(0, Math.min(2, t.length - 1));

  // --- Tenant prefix (checked mode) ---------------------------------------------------------
  const tenantRows: Row[] = [];
  const tenantCoverage: { tenant: string; others: string[] }[] = [];
  const own = (t: string, verb: StorageVerb) => b.s3(user(t), verb, `${t}/`, 'allowed', { withIdentity: false, group: 'tenant' });
  tenants.forEach((t, i) => {
    const owner = user(t);
    const others = othersFor(tenants, i, allPairsUpTo);
    tenantCoverage.push({ tenant: t, others });
    const ownRow = STORAGE_VERBS.map((v) => own(t, v));
    const crossRows = others.map((u) => ({
      title: `denies ${t} ${VERBS_SENTENCE} ${u}'s prefix`,
      checks: STORAGE_VERBS.map((v) => b.s3(owner, v, `${u}/`, 'denied', { control: own(u, v), withIdentity: false, group: 'tenant' })),
    }));
    // The bucket root belongs to nobody: the control is the same caller on its own prefix.
    const rootChecks = [
      ...(['read', 'write', 'delete'] as const).map((v) => b.s3(owner, v, '', 'denied', { control: own(t, v), withIdentity: false, group: 'tenant' })),
      b.s3(owner, 'list', '', 'denied', { control: own(t, 'list'), withIdentity: false, group: 'tenant', listPrefix: null }),
      b.s3(owner, 'list', '', 'denied', { control: own(t, 'list'), withIdentity: false, group: 'tenant', listPrefix: '' }),
      // Without the slash, "acme" would also list "acme-archive/": the grant must stop at the folder.
      b.s3(owner, 'list', '', 'denied', { control: own(t, 'list'), withIdentity: false, group: 'tenant', listPrefix: t }),
    ];
    // Prefix twins: a session tagged with a prefix of the id ("ac" for "acme") must not reach
    // "acme/", and "acme" must not reach a folder that merely starts with "acme" ("acme0/").
    const twin: Principal = { label: `tag \`${twinOf(t)}\` (prefix twin of ${t})`, tag: twinOf(t), sub: id(`twin:${t}`) };
    const twinChecks = [
      ...STORAGE_VERBS.map((v) => b.s3(twin, v, `${t}/`, 'denied', { control: own(t, v), withIdentity: false, group: 'tenant' })),
      ...STORAGE_VERBS.map((v) => b.s3(owner, v, `${t}0/`, 'denied', { control: own(t, v), withIdentity: false, group: 'tenant' })),
    ];
    if (rowPerTenant) {
      tenantRows.push({
        title: `${t} reaches its own prefix; ${others.length} other tenants' prefixes, the bucket root and prefix twins are denied`,
        checks: [...ownRow, ...crossRows.flatMap((r) => r.checks), ...rootChecks, ...twinChecks],
      });
    } else {
      tenantRows.push({ title: `allows ${t} ${VERBS_SENTENCE} its own prefix ${t}/`, checks: ownRow });
      tenantRows.push(...crossRows);
      tenantRows.push({ title: `denies ${t} the bucket root (objects at the root, listing without a prefix, with "" or with "${t}" without the slash)`, checks: rootChecks });
      tenantRows.push({ title: `denies the prefix twin "${twinOf(t)}" ${t}'s prefix and ${t} the look-alike prefix ${t}0/`, checks: twinChecks });
    }
  });
  // Role per tenant: the default role (a user in no tenant group, to whom the tenant-claim trigger
  // gives the default role) names no tenant, whatever the tag says; its own identity folder stays its own.
  const noGroup: Principal = { label: `user of ${T} in no tenant group (the default role)`, tag: T, sub: id(`nogroup:${T}`), tenant: T };
  const tenantlessUser: Principal = { label: 'tenant-less user (the default role, no tenant tag)', sub: id('tenantless:data'), tenantless: true };
  if (rpt) {
    tenantRows.push({
      title: `denies a user of ${T} in no tenant group (the default role) ${VERBS_SENTENCE} ${T}/ and ${U}/; allows its own identity folder`,
      checks: [
        ...STORAGE_VERBS.flatMap((v) => [T, U].map((t) => b.s3(noGroup, v, `${t}/`, 'denied', { control: own(t, v), withIdentity: false, group: 'tenant' }))),
        ...STORAGE_VERBS.map((v) => b.s3(noGroup, v, `private/${noGroup.sub}/`, 'allowed', { withIdentity: true, group: 'tenant' })),
      ],
    });
  }
  groups.push({ key: 'tenant', title: `tenant prefix (${model.name})`, rows: tenantRows });

  // --- Hostile tag values (checked mode) -------------------------------------------------------
  // Values the tenant-claim trigger never sets, tried as if a claim were wrong: IAM must hold alone.
  const I = user(T);
  const J = user(T, 2);
  const K = user(U);
  const MALFORMED = 'identity:DenyMalformedTenantTag';
  const RESERVED = 'identity:DenyReservedTenantTag';
  const longTag = 'x'.repeat(256);
  const hostileBase: { p: Principal; denyBy: string; keyPrefix?: string; binding?: boolean }[] = [
    { p: { label: 'no tenant tag', sub: id('hostile:none') }, denyBy: 'identity:DenyWithoutTenantTag' },
    { p: { label: 'empty tenant tag', tag: '', sub: id('hostile:empty') }, denyBy: 'identity:DenyEmptyTenantTag' },
    { p: { label: 'tag `*`', tag: '*', sub: id('hostile:star') }, denyBy: MALFORMED },
    { p: { label: 'tag `?`', tag: '?', sub: id('hostile:question') }, denyBy: MALFORMED },
    // A tag "acme/.." substituted literally reaches keys that literally start with "acme/../";
    // those belong to acme, who is the control.
    { p: { label: `tag \`${T}/..\``, tag: `${T}/..`, sub: id('hostile:dotdot') }, denyBy: MALFORMED, keyPrefix: `${T}/../${U}/` },
    { p: { label: `tag \`${U}/*\``, tag: `${U}/*`, sub: id('hostile:slashstar') }, denyBy: MALFORMED },
    // The per-user area: tag "private" would own private/<every identity>/ through `{tenant}/*`.
    { p: { label: 'tag `private` (the per-user folder)', tag: 'private', sub: id('hostile:private') }, denyBy: RESERVED, keyPrefix: `private/${I.sub}/` },
    { p: { label: 'tag `PRIVATE` (case twin of the per-user folder)', tag: 'PRIVATE', sub: id('hostile:PRIVATE') }, denyBy: RESERVED, keyPrefix: `private/${I.sub}/` },
    { p: { label: `tag \`${T.toUpperCase()}\` (case twin of ${T})`, tag: T.toUpperCase(), sub: id('hostile:upper') }, denyBy: MALFORMED },
    { p: { label: 'tag `..`', tag: '..', sub: id('hostile:parent') }, denyBy: MALFORMED, keyPrefix: '../' },
    { p: { label: `tag \`${T}/\` (trailing slash)`, tag: `${T}/`, sub: id('hostile:trailing') }, denyBy: MALFORMED, keyPrefix: `${T}//` },
    { p: { label: 'tag of 256 characters', tag: longTag, sub: id('hostile:long') }, denyBy: MALFORMED, keyPrefix: `${longTag}/` },
    { p: { label: 'tag = another user’s identity id', tag: J.sub, sub: id('hostile:identity') }, denyBy: MALFORMED, keyPrefix: `private/${J.sub}/` },
  ];
  // Role per tenant: every hostile tag is tried on a session of the first tenant's role (its users'
  // group), and so is a well-formed tag of another tenant: a user put into the wrong group.
  if (rpt) {
    hostileBase.push({ p: { label: `tag \`${U}\` (a user of ${U} in ${T}'s group)`, tag: U, sub: id('hostile:wrong-group') }, denyBy: TAG_OF_ANOTHER_TENANT, binding: true });
  }
  // Tenant-less users: a session without a tenant tag is a legitimate user of its own folders.
  const tenantlessShared = model.tenantless && !rpt;
  const hostile = hostileBase.map((h) => ({
    ...h,
    p: {
      ...h.p,
      ...(rpt ? { label: `${h.p.label} in ${T}'s role`, group: tenantGroupName(T) } : {}),
      ...(tenantlessShared && h.p.tag === undefined ? { label: 'no tenant tag (a tenant-less user)', tenantless: true } : {}),
    },
  }));
  /** The tenants whose prefixes every hostile tag is tried on: all of them, or a spread above allPairsUpTo. */
  const hostileTargets = subset ? [...new Set([T, U, tenants[Math.floor(tenants.length / 2)], tenants[tenants.length - 1]])] : tenants;
  /**
   * The control of a denial on `prefix`: its rightful owner (an identity for `private/<id>/`, with
   * the identity id in the context; the tenant for keys under `<tenant>/`), or, for a folder nobody
   * owns, the first tenant on its own prefix.
   */
  const controlFor = (prefix: string, v: StorageVerb): string => {
    const identity = [I, J].find((o) => prefix === `private/${o.sub}/`);
    if (identity) return b.s3(identity, v, prefix, 'allowed', { withIdentity: true, group: 'grid' });
    const tenant = tenants.find((t) => prefix.startsWith(`${t}/`));
    if (tenant === undefined) return own(T, v);
    return prefix === `${tenant}/` ? own(tenant, v) : b.s3(user(tenant), v, prefix, 'allowed', { withIdentity: false, group: 'hostile' });
  };
  const hostileRows: Row[] = hostile.map(({ p, denyBy, keyPrefix }) => {
    const prefixes = [...new Set([...(keyPrefix ? [keyPrefix] : []), ...hostileTargets.map((t) => `${t}/`), `private/${I.sub}/`])];
    const shown = prefixes.map((x) => (x.length > 24 ? `${x.slice(0, 21)}…` : x)).join(', ');
    if (p.tenantless) {
      // A tenant-less session: every tenant's prefix is denied explicitly (the absent-tag Denies
      // cover everything but the per-user and tier folders); another identity's folder is simply
      // not granted.
      return {
        title: `denies a session with ${p.label} ${VERBS_SENTENCE} ${shown}: tenant prefixes by an explicit Deny (DenyTenantObjectsWithoutTenantTag, DenyTenantListingWithoutTenantTag), another identity's folder by no Allow`,
        checks: prefixes.flatMap((prefix) =>
          STORAGE_VERBS.map((v) =>
            prefix.startsWith('private/')
              ? b.s3(p, v, prefix, 'denied', { control: controlFor(prefix, v), withIdentity: false, group: 'hostile' })
              : b.s3(p, v, prefix, 'explicitly denied', {
                  control: controlFor(prefix, v),
                  denyBy: v === 'list' ? 'identity:DenyTenantListingWithoutTenantTag' : 'identity:DenyTenantObjectsWithoutTenantTag',
                  withIdentity: false,
                  group: 'hostile',
                }),
          ),
        ),
      };
    }
    return {
      title: `denies a session with ${p.label} ${VERBS_SENTENCE} ${shown} by an explicit Deny (${denyBy.split(':')[1]})`,
      checks: prefixes.flatMap((prefix) =>
        STORAGE_VERBS.map((v) => b.s3(p, v, prefix, 'explicitly denied', { control: controlFor(prefix, v), denyBy, withIdentity: false, group: 'hostile' })),
      ),
    };
  });
  groups.push({ key: 'hostile', title: `hostile tenant tags (${model.name})`, rows: hostileRows });

  // --- The grid: every principal × every path, with the full Cognito context (unsafe) ---------
  // A well-formed tag that names no configured tenant is, to IAM, just another tenant: it gets its
  // own (empty) folders and nothing of the tenant whose id it is a prefix of.
  // Role per tenant: the same tags on a session of the first tenant's role, which only that tenant's tag may use.
  const twinUser: Principal = rpt
    ? { label: `tag \`${twinOf(T)}\` (prefix twin of ${T}) in ${T}'s role`, tag: twinOf(T), sub: id('hostile:twin'), group: tenantGroupName(T) }
    : { label: `tag \`${twinOf(T)}\` (no such tenant; prefix twin of ${T})`, tag: twinOf(T), sub: id('hostile:twin'), tenant: twinOf(T) };
  // A look-alike with a Cyrillic "а" passes every guard (IAM has no character classes): like the
  // prefix twin, it is another folder of its own, and nothing of the tenant it imitates.
  const lookAlike = `\u0430${T.slice(1)}`;
  const lookAlikeUser: Principal = rpt
    ? { label: `tag \`${lookAlike}\` (Cyrillic look-alike of ${T}) in ${T}'s role`, tag: lookAlike, sub: id('hostile:lookalike'), group: tenantGroupName(T) }
    : { label: `tag \`${lookAlike}\` (Cyrillic look-alike of ${T}; no such tenant)`, tag: lookAlike, sub: id('hostile:lookalike'), tenant: lookAlike };
  const gridPrincipals: Principal[] = [I, J, K, ...hostile.map((h) => h.p), twinUser, lookAlikeUser];
  const columns = [`${T}/*`, `${U}/*`, 'bucket root', 'private/<own id>/*', 'private/<other id>/*'];
  /** The folder of a column for caller `p`, and who legitimately owns it. */
  const folderOf = (p: Principal, column: number): { prefix: string; ownerTenant?: string; ownerIdentity?: Principal } => {
    switch (column) {
      case 0:
        return { prefix: `${T}/`, ownerTenant: T };
      case 1:
        return { prefix: `${U}/`, ownerTenant: U };
      case 2:
        return { prefix: '' };
      case 3:
        return { prefix: `private/${p.sub}/`, ...(p.tenant || p.tenantless ? { ownerIdentity: p } : {}) };
      default: {
        const other = p === I ? J : I;
        return { prefix: `private/${other.sub}/`, ownerIdentity: other };
      }
    }
  };
  const gridOwn = (p: Principal, prefix: string, verb: StorageVerb) => b.s3(p, verb, prefix, 'allowed', { withIdentity: true, group: 'grid' });
  const failClosed = new Set([...hostile.map((h) => h.p), ...(rpt ? [twinUser, lookAlikeUser] : [])]);
  const cells = gridPrincipals.map((p) =>
    columns.map((_, c) => {
      const { prefix, ownerTenant, ownerIdentity } = folderOf(p, c);
      const legit = (p.tenant !== undefined && ownerTenant === p.tenant) || ((p.tenant !== undefined || p.tenantless === true) && ownerIdentity === p);
      // A tenant-less session is denied tenant data explicitly; another identity's folder it simply has no grant for.
      const expect: Expectation = legit ? 'allowed' : failClosed.has(p) && !(p.tenantless && c === 4) ? 'explicitly denied' : 'denied';
      const cell = {} as Record<StorageVerb, string>;
      for (const verb of STORAGE_VERBS) {
        // Control: a rightful owner of the folder; for the bucket root (nobody's) and a hostile
        // caller's own identity folder (it is no legitimate user), a tenant user on its own folder.
        const owner = ownerTenant === T ? I : ownerTenant === U ? K : ownerIdentity;
        const control = legit
          ? undefined
          : owner
            ? gridOwn(owner, prefix, verb)
            : p.tenant
              ? gridOwn(p, `${p.tenant}/`, verb)
              : gridOwn(I, `${T}/`, verb);
        cell[verb] = b.s3(p, verb, prefix, expect, {
          withIdentity: true,
          group: 'grid',
          ...(control ? { control } : {}),
          ...(c === 2 && verb === 'list' ? { listPrefix: null } : {}),
        });
      }
      return cell;
    }),
  );
  const grid: Grid = { principals: gridPrincipals, columns, cells };

  // Identity prefix rows (from the grid, plus another tenant's identity and the cross-tenant case
  // with the identity id present).
  const identityRows: Row[] = [
    { title: `allows an identity (${I.label}) ${VERBS_SENTENCE} its own folder private/<its id>/`, checks: Object.values(cells[0][3]) },
    { title: `denies an identity ${VERBS_SENTENCE} another identity's folder of the same tenant`, checks: Object.values(cells[0][4]) },
    { title: `denies ${J.label} ${VERBS_SENTENCE} ${I.label}'s folder; allows its own`, checks: [...Object.values(cells[1][4]), ...Object.values(cells[1][3])] },
    {
      title: `denies an identity of ${T} ${VERBS_SENTENCE} an identity folder of ${U}`,
      checks: STORAGE_VERBS.map((v) => b.s3(I, v, `private/${K.sub}/`, 'denied', { control: gridOwn(K, `private/${K.sub}/`, v), withIdentity: true, group: 'grid' })),
    },
    {
      title: `denies listing private/ itself and an identity folder without its slash`,
      checks: [
        b.s3(I, 'list', 'private/', 'denied', { control: gridOwn(I, `private/${I.sub}/`, 'list'), withIdentity: true, group: 'grid' }),
        b.s3(I, 'list', '', 'denied', { control: gridOwn(I, `private/${I.sub}/`, 'list'), withIdentity: true, group: 'grid', listPrefix: `private/${I.sub}` }),
      ],
    },
    tenantlessShared
      ? { title: 'allows a tenant-less session (no tenant tag) its own identity folder', checks: Object.values(cells[3][3]) }
      : { title: `denies a session without a tenant tag even its own identity folder (fail closed)`, checks: Object.values(cells[3][3]) },
  ];
  groups.push({ key: 'identity', title: `identity prefix (${model.name})`, rows: identityRows });

  const gridRows: Row[] = gridPrincipals.map((p, pi) => ({
    title: `${p.label}: ${columns.map((col, ci) => `${col} ${summaryWord(cells[pi][ci], b.checks)}`).join(', ')}`,
    checks: cells[pi].flatMap((cell) => Object.values(cell)),
  }));
  groups.push({ key: 'grid', title: `every caller × every path, with the identity id in the context (${model.name})`, rows: gridRows });

  // --- Transport and encryption (bucket policy, checked mode) ----------------------------------
  // Uploads by the first tenant's user to its own prefix; only the transport and SSE headers vary.
  const put = (
    label: string,
    sse: SseHeaders,
    expect: Expectation,
    extra: { secureTransport?: boolean; bucketPolicy?: 'strict'; denyBy?: string; control?: string } = {},
  ) => {
    const { denyBy, control, ...req } = extra;
    const request: S3Request = { kind: 's3', verb: 'write', principal: I, key: objectKey(`${T}/`, 'write'), sse, withIdentity: false, ...req };
    return b.add({
      id: `encryption|${label}`,
      what: `PutObject ${request.key} (${label})`,
      expect,
      mode: 'checked',
      request,
      report: { row: `PutObject, ${label}`, column: 'result' },
      ...(denyBy ? { denyBy } : {}),
      ...(control ? { control } : {}),
    });
  };
  const putOurKey = put('HTTPS, SSE-KMS naming the bucket key', 'our-key', 'allowed');
  const readTls = b.add({ ...b.checks.get(own(T, 'read'))!, id: 'encryption|GetObject over HTTPS', report: { row: 'GetObject over HTTPS', column: 'result' } });
  const readHttp = b.add({
    id: 'encryption|GetObject over HTTP',
    what: `GetObject ${objectKey(`${T}/`, 'read')} over HTTP`,
    expect: 'explicitly denied',
    denyBy: 'resource:DenyInsecureTransport',
    control: readTls,
    mode: 'checked',
    request: { kind: 's3', verb: 'read', principal: I, key: objectKey(`${T}/`, 'read'), secureTransport: false, withIdentity: false },
    report: { row: 'GetObject over HTTP', column: 'result' },
  });
  const putHttp = put('HTTP (`aws:SecureTransport` false)', 'our-key', 'explicitly denied', { secureTransport: false, denyBy: 'resource:DenyInsecureTransport', control: putOurKey });
  const putOtherKey = put('SSE-KMS naming another key', 'other-key', 'explicitly denied', { denyBy: 'resource:DenyOtherKmsKey', control: putOurKey });
  const putAes256 = put('SSE-S3 (AES256)', 'aes256', 'explicitly denied', { denyBy: 'resource:DenyOtherEncryption', control: putOurKey });
  const putKmsNoKeyId = put('SSE-KMS without a key id (S3 would use `aws/s3`)', 'kms-without-key-id', 'explicitly denied', { denyBy: 'resource:DenyOtherKmsKey', control: putOurKey });
  const putDsse = put('DSSE-KMS (`aws:kms:dsse`) naming the bucket key', 'dsse-our-key', 'explicitly denied', { denyBy: 'resource:DenyOtherEncryption', control: putOurKey });
  const putSseC = put('SSE-C (customer-provided key; CreateMultipartUpload or UploadPart alike)', 'sse-c', 'explicitly denied', { denyBy: 'resource:DenyCustomerProvidedKeys', control: putOurKey });
  const putNoHeaders = put('no SSE headers (single PUT, or any UploadPart)', 'none', 'allowed');
  const strictOurKey = put('HTTPS, SSE-KMS naming the bucket key, with `requireEncryptionHeaders: true`', 'our-key', 'allowed', { bucketPolicy: 'strict' });
  const strictNoHeaders = put('no SSE headers, with `requireEncryptionHeaders: true`', 'none', 'explicitly denied', {
    bucketPolicy: 'strict',
    denyBy: 'resource:DenyMissingKmsHeader',
    control: strictOurKey,
  });
  groups.push({
    key: 'encryption',
    title: `transport and encryption (${model.name})`,
    rows: [
      { title: `allows ${T} an upload over HTTPS naming the bucket key, and a read over HTTPS`, checks: [putOurKey, readTls] },
      { title: 'denies any request without TLS (aws:SecureTransport false)', checks: [putHttp, readHttp] },
      { title: 'denies an upload naming another KMS key, AES256, or aws:kms without a key id', checks: [putOtherKey, putAes256, putKmsNoKeyId] },
      { title: 'denies every encryption but SSE-KMS with the bucket key: dual-layer DSSE-KMS and customer-provided keys (SSE-C)', checks: [putDsse, putSseC] },
      {
        title: `denies another principal of the account (s3:* and kms:* on "*") reading, writing and deleting ${T}'s objects: only the tenant role touches object data`,
        checks: (['read', 'write', 'delete'] as const).map((verb) =>
          b.add({
            id: `encryption|account administrator ${verb}`,
            what: `${S3_ACTION[verb].slice(3)} ${objectKey(`${T}/`, verb)} as an administrator of the account`,
            expect: 'explicitly denied',
            denyBy: 'resource:DenyObjectDataToOtherPrincipals',
            control: own(T, verb),
            mode: 'checked',
            request: { kind: 's3', verb, principal: I, key: objectKey(`${T}/`, verb), withIdentity: false, caller: 'account-admin' },
            report: { row: `${S3_ACTION[verb].slice(3)} ${T}/… by an administrator of the account`, column: 'result' },
          }),
        ),
      },
      {
        title: 'allows an upload without SSE headers (UploadPart never carries them; default encryption applies the bucket key)',
        checks: [putNoHeaders],
      },
      { title: 'denies an upload without SSE headers when the bucket is built with requireEncryptionHeaders: true', checks: [strictOurKey, strictNoHeaders] },
    ],
  });

  // --- KMS (identity policy + key policy, unsafe mode) -----------------------------------------
  const ADMIN: Principal = { label: 'administrator of the account (kms:* in IAM)', sub: id('admin') };
  const BREAK_GLASS: Principal = { label: 'break-glass role', sub: id('break-glass') };
  const via = `s3.${model.region}.amazonaws.com`;
  /** The encryption context S3 sends for an object: its ARN, or the bucket ARN when S3 Bucket Keys are on. */
  const s3Context = (key: string) => (model.defaultEncryption.bucketKeyEnabled ? model.bucketArn : `${model.bucketArn}/${key}`);
  const kms = (
    p: Principal,
    action: KmsRequest['action'],
    label: string,
    expect: Expectation,
    ctx: { encryptionContext?: string; contextKey?: string; viaService?: string; caller?: KmsCaller },
    control?: string,
  ): string =>
    b.add({
      id: `kms|${p.label}|${action}|${label}`,
      what: `${action.slice(4)} (${label})`,
      expect,
      mode: 'unsafe',
      request: { kind: 'kms', action, principal: p, ...ctx },
      report: { row: `${p.label}, ${label}`, column: action.slice(4) },
      ...(control ? { control } : {}),
    });
  const kmsActions = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;
  /** An allowed request through S3 for an object in `prefix` of `p` (`shown` is the prefix as reported). */
  const ownKms = (p: Principal, prefix: string, shown: string, a: KmsRequest['action']) =>
    kms(p, a, `via S3, context \`${shown}…\``, 'allowed', { encryptionContext: s3Context(`${prefix}upload.bin`), viaService: via });
  const ownTenantKms = (a: KmsRequest['action']) => ownKms(I, `${T}/`, `${T}/`, a);
  const tenantObject = `${model.bucketArn}/${T}/upload.bin`;
  // Rows about the key through DynamoDB and Secrets Manager are added by the tenant-data groups below.
  const kmsRows: Row[] = [
      { title: `allows ${T} GenerateDataKey and Decrypt through S3 for its own objects`, checks: kmsActions.map(ownTenantKms) },
      {
        title: `denies ${T} a data key for ${U}'s objects`,
        checks: kmsActions.map((a) =>
          kms(I, a, `via S3, context \`${U}/…\``, 'denied', { encryptionContext: `${model.bucketArn}/${U}/upload.bin`, viaService: via }, ownKms(K, `${U}/`, `${U}/`, a)),
        ),
      },
      {
        title: 'denies a data key for the bucket-ARN context (what S3 Bucket Keys would send)',
        checks: kmsActions.map((a) => kms(I, a, 'via S3, context = the bucket ARN (S3 Bucket Keys)', 'denied', { encryptionContext: model.bucketArn, viaService: via }, ownTenantKms(a))),
      },
      {
        title: 'denies a data key without an encryption context',
        checks: kmsActions.map((a) => kms(I, a, 'via S3, no context', 'denied', { viaService: via }, ownTenantKms(a))),
      },
      {
        title: 'denies a data key not requested through S3 (direct call, or through another service)',
        checks: kmsActions.flatMap((a) => [
          kms(I, a, `direct call, context \`${T}/…\``, 'denied', { encryptionContext: tenantObject }, ownTenantKms(a)),
          kms(I, a, `via DynamoDB, context \`${T}/…\``, 'denied', { encryptionContext: tenantObject, viaService: `dynamodb.${model.region}.amazonaws.com` }, ownTenantKms(a)),
        ]),
      },
      {
        title: 'allows an identity a data key for its own folder, not for another identity’s',
        checks: kmsActions.flatMap((a) => [
          ownKms(I, `private/${I.sub}/`, 'private/<own id>/', a),
          kms(I, a, 'via S3, context `private/<other id>/…`', 'denied', { encryptionContext: `${model.bucketArn}/private/${J.sub}/upload.bin`, viaService: via }, ownKms(J, `private/${J.sub}/`, 'private/<own id>/', a)),
        ]),
      },
      {
        title: 'denies an administrator of the account whose IAM policy allows kms:* any direct use of the data key (key policy: S3 only); through S3 it works',
        checks: kmsActions.flatMap((a) => {
          const viaS3 = kms(ADMIN, a, `via S3, context \`${T}/…\``, 'allowed', { encryptionContext: tenantObject, viaService: via, caller: 'account-admin' });
          return [viaS3, kms(ADMIN, a, 'direct call', 'explicitly denied', { encryptionContext: tenantObject, caller: 'account-admin' }, viaS3)];
        }),
      },
      ...(model.breakGlassArn
        ? [
            {
              title: 'allows the break-glass role direct use of the data key, and nobody else',
              checks: kmsActions.flatMap((a) => {
                const direct = kms(BREAK_GLASS, a, 'direct call', 'allowed', { encryptionContext: tenantObject, caller: 'break-glass' });
                return [direct, kms(ADMIN, a, 'direct call', 'explicitly denied', { encryptionContext: tenantObject, caller: 'account-admin' }, direct)];
              }),
            },
          ]
        : []),
      {
        title: 'denies a data key to sessions with no, an empty, a malformed or a reserved tenant tag (explicit Deny)',
        checks: hostile.flatMap(({ p }) =>
          kmsActions.map((a) => kms(p, a, `via S3, context \`${T}/…\``, 'explicitly denied', { encryptionContext: tenantObject, viaService: via }, ownTenantKms(a))),
        ),
      },
  ];
  groups.push({ key: 'kms', title: `KMS data key (${model.name})`, rows: kmsRows });

  // --- Tenant table (DynamoDB; checked mode, KMS rows unsafe) ------------------------------------
  // iam-simulate types dynamodb:LeadingKeys as a list (ArrayOfString) and keeps it in checked mode,
  // so ForAllValues is evaluated over every key of a batch.
  if (model.table) {
    const table = model.table;
    /** A partition key of `tenant`: `acme#doc-1` (prefix layout) or `acme` (one key per tenant). */
    const keyOf = (t: string, n = 1) => (table.leadingKey === 'exact' ? t : `${t}#doc-${n}`);
    // Every item action the environment grants (table.actions), by one key or as a batch of two.
    const granted = tableActionsFor(table.actions);
    const allItemActions = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'];
    const allBatchActions = ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'];
    const itemActions = allItemActions.filter((a) => granted.includes(a));
    const batchActions = allBatchActions.filter((a) => granted.includes(a));
    const notGranted = [...allItemActions, ...allBatchActions].filter((a) => !granted.includes(a));
    const dyn = (
      p: Principal,
      action: string,
      keys: readonly string[] | undefined,
      expect: Expectation,
      opts: { control?: string; denyBy?: string; caller?: DataCaller; label?: string } = {},
    ): string =>
      b.add({
        id: `table|${opts.caller ?? p.label}|${action}|${keys === undefined ? '(no keys)' : keys.join(',')}`,
        what: `${action.slice(9)} ${opts.label ?? (keys === undefined ? '(no keys)' : keys.map((k) => `\`${k}\``).join(' + '))}`,
        expect,
        mode: 'checked',
        request: { kind: 'table', action, principal: p, ...(keys === undefined ? {} : { keys }), ...(opts.caller ? { caller: opts.caller } : {}) },
        ...(opts.control ? { control: opts.control } : {}),
        ...(opts.denyBy ? { denyBy: opts.denyBy } : {}),
      });
    const ownItem = (t: string, action: string) => dyn(user(t), action, [keyOf(t)], 'allowed');
    const ownBatch = (t: string, action: string) => dyn(user(t), action, [keyOf(t, 1), keyOf(t, 2)], 'allowed');
    const tableRows: Row[] = [];
    tenants.forEach((t, i) => {
      const others = othersFor(tenants, i, allPairsUpTo);
      const own = [...itemActions.map((a) => ownItem(t, a)), ...batchActions.map((a) => ownBatch(t, a))];
      const cross = others.flatMap((u) => [
        ...itemActions.map((a) => dyn(user(t), a, [keyOf(u)], 'denied', { control: ownItem(u, a) })),
        // A batch of own keys with one foreign key among them: ForAllValues fails for the whole request.
        ...batchActions.map((a) => dyn(user(t), a, [keyOf(t, 1), keyOf(u)], 'denied', { control: ownBatch(t, a) })),
      ]);
      if (rowPerTenant) {
        tableRows.push({ title: `${t} reaches its own table items; ${others.length} other tenants' keys and batches mixing them in are denied`, checks: [...own, ...cross] });
      } else {
        tableRows.push({ title: `allows ${t} every item action and batch on its own keys (${table.leadingKey === 'exact' ? `\`${t}\`` : `\`${t}#…\``})`, checks: own });
        tableRows.push({ title: `denies ${t} the keys of ${others.join(', ')}, and any batch that mixes one of them in with its own`, checks: cross });
      }
    });
    // A prefix twin of the id and a key that only starts with the id: the separator stops both.
    const twinP: Principal = {
      label: `tag \`${twinOf(T)}\` (prefix twin of ${T})${rpt ? ` in ${T}'s role` : ''}`,
      tag: twinOf(T),
      sub: id(`table-twin:${T}`),
      ...(rpt ? { group: tenantGroupName(T) } : {}),
    };
    /** The representative actions of the twin, key-less and hostile rows: a read and, if granted, a write. */
    const probes = ['dynamodb:GetItem', 'dynamodb:PutItem'].filter((a) => granted.includes(a));
    if (probes.length === 0) probes.push(itemActions[0]!); // delete only: DeleteItem
    const twinChecks = [
      ...probes.map((a) => dyn(twinP, a, [keyOf(T)], 'denied', { control: ownItem(T, a) })),
      ...probes.map((a) => dyn(user(T), a, [`${T}0${table.leadingKey === 'exact' ? '' : '#doc-1'}`], 'denied', { control: ownItem(T, a) })),
      ...(table.leadingKey === 'prefix' ? probes.map((a) => dyn(user(T), a, [T], 'denied', { control: ownItem(T, a) })) : []),
    ];
    tableRows.push({
      title: `denies the prefix twin \`${twinOf(T)}\` ${T}'s keys, and ${T} the look-alike key \`${T}0…\`${table.leadingKey === 'prefix' ? ` and the bare key \`${T}\` (no separator)` : ''}`,
      checks: twinChecks,
    });
    // Key-less requests: nothing of the tenant role allows them (ForAllValues would be vacuously
    // true). The control is the same request by a role inside the data perimeter with dynamodb:* in
    // IAM: the table's resource policy lets it through, so the denial comes from the role policy alone.
    // PartiQL (ExecuteStatement, BatchExecuteStatement, ExecuteTransaction) is authorized as the PartiQL* actions.
    const keyless = ['dynamodb:Scan', 'dynamodb:PartiQLSelect', 'dynamodb:PartiQLInsert', 'dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete'];
    tableRows.push({
      title: 'denies Scan and PartiQL (PartiQLSelect, PartiQLInsert, PartiQLUpdate, PartiQLDelete): requests without leading keys',
      checks: keyless.map((a) => dyn(user(T), a, undefined, 'denied', { control: dyn(I, a, undefined, 'allowed', { caller: 'perimeter-role' }) })),
    });
    tableRows.push({
      title: 'denies an item action whose request names no leading key (Null dynamodb:LeadingKeys = false; ForAllValues alone would allow it)',
      checks: probes.map((a) => dyn(user(T), a, undefined, 'denied', { control: ownItem(T, a) })),
    });
    if (notGranted.length > 0) {
      // Actions the config leaves out (BatchWriteItem needs both write and delete: it carries deletes).
      tableRows.push({
        title: `denies ${T} ${notGranted.map((a) => a.slice(9)).join(', ')} on its own keys: table.actions does not grant them`,
        checks: notGranted.map((a) => dyn(user(T), a, [keyOf(T)], 'denied', { control: dyn(I, a, [keyOf(T)], 'allowed', { caller: 'perimeter-role' }) })),
      });
    }
    tableRows.push({
      title: 'denies sessions with no, an empty, a malformed or a reserved tenant tag every table item by an explicit Deny',
      checks: hostile.flatMap(({ p, denyBy }) =>
        probes.map((a) =>
          dyn(p, a, [keyOf(T)], 'explicitly denied', { control: ownItem(T, a), denyBy: tableDenyBy(denyBy) }),
        ),
      ),
    });
    for (const tier of model.tiers) {
      // A tier role carries the shared role's tenant data: its own tenant's keys, nobody else's.
      const tierUser: Principal = { ...user(T), label: `${tier.name} user of ${T}`, sub: id(`table-tier:${tier.name}`), group: tier.name };
      tableRows.push({
        title: `allows a ${tier.name} user of ${T} (the ${tier.name} tier role) its own keys, and denies it ${U}'s`,
        checks: probes.flatMap((a) => [dyn(tierUser, a, [keyOf(T)], 'allowed'), dyn(tierUser, a, [keyOf(U)], 'denied', { control: ownItem(U, a) })]),
      });
    }
    if (rpt) {
      // Role per tenant: the default role (a user of T in no tenant group, or a user the tenant-claim
      // trigger gave the default role) names no tenant: nothing of T's or U's keys.
      tableRows.push({
        title: `denies a user of ${T} in no tenant group (the default role) every item of ${T} and ${U}`,
        checks: [T, U].flatMap((t) => probes.map((a) => dyn(noGroup, a, [keyOf(t)], 'denied', { control: ownItem(t, a) }))),
      });
      if (model.tenantless) {
        // A tenant-less user has the default role and no tag: the data guard denies it explicitly.
        tableRows.push({
          title: `denies a tenant-less user (the default role, no tenant tag) every item of ${T} by an explicit Deny`,
          checks: probes.map((a) => dyn(tenantlessUser, a, [keyOf(T)], 'explicitly denied', { control: ownItem(T, a), denyBy: 'identity:DenyTenantDataWithoutTenantTag' })),
        });
      }
    }
    // The data perimeter (the table's resource policy): a principal outside it is denied the items
    // and every copy of them whatever its IAM policy says; each control is the same request by a role
    // inside the perimeter.
    const perimeterProbes: [string, readonly string[] | undefined][] = [
      ['dynamodb:Scan', undefined],
      ['dynamodb:GetItem', [keyOf(T)]],
      ['dynamodb:Query', [keyOf(T)]],
      ['dynamodb:PutItem', [keyOf(T)]],
      ['dynamodb:PartiQLSelect', undefined],
      ['dynamodb:ExportTableToPointInTime', undefined],
      ['dynamodb:CreateBackup', undefined],
      ['dynamodb:RestoreTableToPointInTime', undefined],
    ];
    for (const caller of ['foreign-role', 'account-admin'] as const) {
      tableRows.push({
        title: `denies ${caller === 'foreign-role' ? `a role another environment's apply role can create (\`${foreignRoleArn(model).split('/')[1]}\`)` : 'an administrator of the account'}, with dynamodb:* in IAM, Scan, GetItem, Query, PutItem, PartiQL, export, backup and restore of the table by the table's resource policy (explicit Deny)`,
        checks: perimeterProbes.map(([a, keys]) =>
          dyn(I, a, keys, 'explicitly denied', { caller, control: dyn(I, a, keys, 'allowed', { caller: 'perimeter-role' }), denyBy: 'resource:DenyTableDataToOtherPrincipals' }),
        ),
      });
    }
    tableRows.push({
      title: 'allows an administrator of the account (outside the data perimeter), with dynamodb:* in IAM, to manage the table (DescribeTable, UpdateTable, UpdateContinuousBackups, TagResource, DeleteTable): the perimeter fences data only',
      checks: ['dynamodb:DescribeTable', 'dynamodb:UpdateTable', 'dynamodb:UpdateContinuousBackups', 'dynamodb:TagResource', 'dynamodb:DeleteTable'].map((a) => dyn(I, a, undefined, 'allowed', { caller: 'account-admin' })),
    });
    groups.push({ key: 'table', title: `tenant table (${model.name})`, rows: tableRows });

    // The table key through DynamoDB (unsafe: the checked entry point drops kms:EncryptionContext:*).
    const viaDynamoDb = `dynamodb.${model.region}.amazonaws.com`;
    const tableKms = (label: string, expect: Expectation, ctx: { viaService?: string; tableName?: string }, control?: string, p: Principal = I) =>
      kms(p, 'kms:Decrypt', label, expect, { ...(ctx.viaService ? { viaService: ctx.viaService } : {}), ...(ctx.tableName ? { encryptionContext: ctx.tableName, contextKey: 'aws:dynamodb:tableName' } : {}) }, control);
    const ownTableKey = tableKms('via DynamoDB, context = the tenant table', 'allowed', { viaService: viaDynamoDb, tableName: table.name });
    kmsRows.push({
      title: `allows ${T} to decrypt the tenant table's key through DynamoDB, not for another table and not directly`,
      checks: [
        ownTableKey,
        tableKms('via DynamoDB, context = another table', 'denied', { viaService: viaDynamoDb, tableName: `${table.name}-other` }, ownTableKey),
        tableKms('direct call, context = the tenant table', 'denied', { tableName: table.name }, ownTableKey),
      ],
    });
    kmsRows.push({
      title: "denies the table's key through DynamoDB to sessions with no, an empty, a malformed or a reserved tenant tag (explicit Deny)",
      checks: hostile.map(({ p }) => tableKms('via DynamoDB, context = the tenant table', 'explicitly denied', { viaService: viaDynamoDb, tableName: table.name }, ownTableKey, p)),
    });
  }

  // --- Tenant secrets (unsafe mode: iam-simulate's data does not know secretsmanager:ResourceTag/<key>) --
  if (model.secrets) {
    const secrets = model.secrets;
    const sm = (
      p: Principal,
      action: string,
      secretOf: string,
      expect: Expectation,
      opts: { control?: string; taggedAs?: string; caller?: DataCaller } = {},
    ): string =>
      b.add({
        id: `secrets|${opts.caller ?? p.label}|${action}|${secretOf}|${opts.taggedAs ?? secretOf}`,
        what: `${action.slice(15)} the secret of ${secretOf}${opts.taggedAs && opts.taggedAs !== secretOf ? ` tagged ${opts.taggedAs}` : ''}`,
        expect,
        mode: 'unsafe',
        request: { kind: 'secret', action, principal: p, secretOf, ...(opts.taggedAs ? { taggedAs: opts.taggedAs } : {}), ...(opts.caller ? { caller: opts.caller } : {}) },
        ...(opts.control ? { control: opts.control } : {}),
      });
    const GET = 'secretsmanager:GetSecretValue';
    const ownSecret = (t: string) => sm(user(t), GET, t, 'allowed');
    const secretRows: Row[] = [];
    tenants.forEach((t, i) => {
      const others = othersFor(tenants, i, allPairsUpTo);
      const cross = others.map((u) => sm(user(t), GET, u, 'denied', { control: ownSecret(u) }));
      if (rowPerTenant) secretRows.push({ title: `${t} reads its own secret; ${others.length} other tenants' secrets are denied`, checks: [ownSecret(t), ...cross] });
      else {
        secretRows.push({ title: `allows ${t} to read its own secret`, checks: [ownSecret(t)] });
        secretRows.push({ title: `denies ${t} the secrets of ${others.join(', ')}`, checks: cross });
      }
    });
    secretRows.push({
      title: `denies ${T} its own secret re-tagged as ${U}'s, and ${U}'s secret re-tagged as ${T}'s (name and tag must both be the caller's tenant)`,
      checks: [sm(user(T), GET, T, 'denied', { taggedAs: U, control: ownSecret(T) }), sm(user(T), GET, U, 'denied', { taggedAs: T, control: ownSecret(T) })],
    });
    // An operator (secretsmanager:* in IAM) may tag and set values; users never: the control shows
    // the action is possible on the secret, the denial that the tenant role's Deny stops it.
    const changes = ['secretsmanager:TagResource', 'secretsmanager:UntagResource', 'secretsmanager:PutResourcePolicy', 'secretsmanager:DeleteResourcePolicy', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret', 'secretsmanager:DeleteSecret'];
    secretRows.push({
      title: `denies ${T} tagging, untagging, sharing (resource policy), writing or deleting even its own secret by an explicit Deny; an operator may`,
      checks: changes.map((a) => sm(user(T), a, T, 'explicitly denied', { control: sm(I, a, T, 'allowed', { caller: 'account-admin' }) })),
    });
    secretRows.push({
      title: 'denies sessions with no, an empty, a malformed or a reserved tenant tag every secret by an explicit Deny',
      checks: hostile.map(({ p }) => sm(p, GET, T, 'explicitly denied', { control: ownSecret(T) })),
    });
    for (const tier of model.tiers) {
      const tierUser: Principal = { ...user(T), label: `${tier.name} user of ${T}`, sub: id(`secret-tier:${tier.name}`), group: tier.name };
      secretRows.push({
        title: `allows a ${tier.name} user of ${T} (the ${tier.name} tier role) its own secret, and denies it ${U}'s`,
        checks: [sm(tierUser, GET, T, 'allowed'), sm(tierUser, GET, U, 'denied', { control: ownSecret(U) })],
      });
    }
    if (rpt) {
      secretRows.push({
        title: `denies a user of ${T} in no tenant group (the default role) the secrets of ${T} and ${U}`,
        checks: [T, U].map((t) => sm(noGroup, GET, t, 'denied', { control: ownSecret(t) })),
      });
      if (model.tenantless) {
        secretRows.push({
          title: `denies a tenant-less user (the default role, no tenant tag) the secret of ${T} by an explicit Deny`,
          checks: [sm(tenantlessUser, GET, T, 'explicitly denied', { control: ownSecret(T) })],
        });
      }
    }
    // The data perimeter (each secret's policy): reading a value is fenced, putting one is not.
    secretRows.push({
      title: `denies a role another environment's apply role can create (\`${foreignRoleArn(model).split('/')[1]}\`) and an operator of the account, both with secretsmanager:* in IAM, the value of ${T}'s secret by the secret's policy (explicit Deny); a role inside the perimeter may read it`,
      checks: (['foreign-role', 'account-admin'] as const).map((caller) => sm(I, GET, T, 'explicitly denied', { caller, control: sm(I, GET, T, 'allowed', { caller: 'perimeter-role' }) })),
    });
    groups.push({ key: 'secrets', title: `tenant secrets (${model.name})`, rows: secretRows });

    const viaSecrets = `secretsmanager.${model.region}.amazonaws.com`;
    const secretKms = (p: Principal, label: string, expect: Expectation, ctx: { viaService?: string; secretOf: string }, control?: string) =>
      kms(p, 'kms:Decrypt', label, expect, { ...(ctx.viaService ? { viaService: ctx.viaService } : {}), encryptionContext: secrets.arns[ctx.secretOf] ?? ctx.secretOf, contextKey: 'SecretARN' }, control);
    const ownSecretKey = (t: string) => secretKms(user(t), `via Secrets Manager, context = ${t}'s secret`, 'allowed', { viaService: viaSecrets, secretOf: t });
    kmsRows.push({
      title: `allows ${T} to decrypt its own secret through Secrets Manager, not ${U}'s and not directly`,
      checks: [
        ownSecretKey(T),
        secretKms(I, `via Secrets Manager, context = ${U}'s secret`, 'denied', { viaService: viaSecrets, secretOf: U }, ownSecretKey(U)),
        secretKms(I, `direct call, context = ${T}'s secret`, 'denied', { secretOf: T }, ownSecretKey(T)),
      ],
    });
  }

  // --- Trust (unsafe mode) ----------------------------------------------------------------------
  const userPoolProvider = `cognito-idp.${model.region}.amazonaws.com/${model.region}_ExAmPlE01`;
  const AMR_AUTHENTICATED = ['authenticated', userPoolProvider, `${userPoolProvider}:CognitoSignIn:${fakeIdentityId(model.region, 'user-sub').split(':')[1]}`];
  const trustActions = ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'] as const;
  const tagKey = model.tenantTagKey.split('/')[1];
  const otherPool = `${model.region}:00000000-0000-4000-8000-000000000000`;
  /**
   * The trust rows of one end-user role: every role the identity pool hands out has the same trust
   * (endUserTrustPolicy), so every role is checked with the same tokens. `tenantId`: the role of one
   * tenant, which takes only that tenant's tag.
   */
  const trustRows = (group: string | undefined, tenantId: string | undefined): Row[] => {
    const roleLabel = group === undefined ? '' : ` (role of group ${group})`;
    const tag = tenantId ?? T;
    const trust = (action: TrustRequest['action'], label: string, expect: Expectation, req: Omit<TrustRequest, 'kind' | 'action' | 'group'>, control?: string) =>
      b.add({
        id: `trust|${group === undefined ? '' : `${group}|`}${action}|${label}`,
        what: `${action.slice(4)} (${label})`,
        expect,
        mode: 'unsafe',
        request: { kind: 'trust', action, ...(action === 'sts:TagSession' ? { tenantTag: tag } : {}), ...req, ...(group === undefined ? {} : { group }) },
        report: { row: label, column: `${action.slice(4)}${roleLabel}` },
        ...(control ? { control } : {}),
      });
    const okTrust = (a: TrustRequest['action']) => trust(a, 'authenticated identity of this pool', 'allowed', { aud: model.identityPoolId, amr: AMR_AUTHENTICATED });
    return [
      { title: `allows an authenticated identity of this pool to assume the role and tag the session${roleLabel}`, checks: trustActions.map(okTrust) },
      {
        title: `denies a token issued for another identity pool (aud)${roleLabel}`,
        checks: trustActions.map((a) => trust(a, 'authenticated identity of another pool (aud)', 'denied', { aud: otherPool, amr: AMR_AUTHENTICATED }, okTrust(a))),
      },
      {
        title: `denies an unauthenticated (guest) identity of this pool (amr)${roleLabel}`,
        checks: trustActions.map((a) => trust(a, 'unauthenticated identity of this pool (amr)', 'denied', { aud: model.identityPoolId, amr: ['unauthenticated'] }, okTrust(a))),
      },
      {
        title: `refuses to tag a session with any tag key but the tenant tag${roleLabel}`,
        checks: [trust('sts:TagSession', 'tenant tag plus another tag key', 'explicitly denied', { aud: model.identityPoolId, amr: AMR_AUTHENTICATED, tenantTag: tag, tagKeys: [tagKey, 'role'] }, okTrust('sts:TagSession'))],
      },
      {
        title: `refuses to tag a session with an empty, malformed or reserved tenant tag value, so such a session never exists${roleLabel}`,
        checks: hostile
          .filter((h) => h.p.tag !== undefined && !h.binding)
          .map((h) => trust('sts:TagSession', hostileBase[hostile.indexOf(h)]!.p.label, 'explicitly denied', { aud: model.identityPoolId, amr: AMR_AUTHENTICATED, tenantTag: h.p.tag }, okTrust('sts:TagSession'))),
      },
      ...(tenantId === undefined
        ? []
        : [
            {
              title: `refuses to tag a session of ${tenantId}'s role with another tenant's id (a user in the wrong group)${roleLabel}`,
              checks: [
                trust(
                  'sts:TagSession',
                  "another tenant's id",
                  'explicitly denied',
                  { aud: model.identityPoolId, amr: AMR_AUTHENTICATED, tenantTag: tenantId === T ? U : T },
                  okTrust('sts:TagSession'),
                ),
              ],
            },
          ]),
      {
        title: `denies a token without aud or amr${roleLabel}`,
        checks: trustActions.flatMap((a) => [
          trust(a, 'no aud', 'denied', { amr: AMR_AUTHENTICATED }, okTrust(a)),
          trust(a, 'no amr', 'denied', { aud: model.identityPoolId, amr: [] }, okTrust(a)),
        ]),
      },
    ];
  };
  const groupRolePlan = Object.keys(model.groupRoles).sort();
  groups.push({
    key: 'trust',
    title: `role trust (${model.name})`,
    rows: [
      ...trustRows(undefined, undefined),
      ...groupRolePlan.flatMap((group) => trustRows(group, rpt ? tenants.find((t) => tenantGroupName(t) === group) : undefined)),
    ],
  });

  // --- Tiers (unsafe mode: the tier folders hold the identity id) -------------------------------
  if (model.tiers.length > 0) groups.push(tierGroup(b, model, { I, T, U, own, id }));

  // --- Tenant-less users -------------------------------------------------------------------------
  if (model.tenantless) groups.push(tenantlessGroup(b, model, { I, T, targets: hostileTargets, own, id, kms, ownKms, via, gridOwn }));

  return { model, checks: b.checks, groups, grid, tenantCoverage };
}

/** The words for a list of storage actions: `writing`, `reading and writing`. */
function verbsSentence(verbs: readonly StorageVerb[]): string {
  const words = verbs.map((v) => ({ read: 'reading', write: 'writing', delete: 'deleting', list: 'listing' })[v]);
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/**
 * Tiers (document 002): each tier rule is tried by a user of every tier on their own folder (allowed
 * exactly for the rule's tiers), by a user in no tier group, and on another identity's folder; tier
 * roles keep the tenant rules under the principal tag; tenant-less tier users reach no tenant.
 */
function tierGroup(b: Builder, model: EnvironmentModel, h: { I: Principal; T: string; U: string; own: (t: string, v: StorageVerb) => string; id: (seed: string) => string }): Group {
  const rows: Row[] = [];
  const tierUser = (tier: string, n = 1): Principal => ({ label: `${tier} user${n === 1 ? '' : ` ${n}`} of ${h.T}`, tag: h.T, sub: h.id(`tier:${tier}:${n}`), tenant: h.T, group: tier });
  /** The folder of a rule for `p`: `users/<p's identity id>/free/`. */
  const folder = (rule: TierRule, p: Principal) =>
    rule.pattern
      .slice(0, -1)
      .split('/')
      .map((segment) => (segment === '{identity}' ? p.sub : segment === '{tenant}' ? (p.tag ?? '') : segment))
      .join('/');
  const noTier: Principal = { ...h.I, label: `user of ${h.T} in no tier group` };
  const ownTier = (p: Principal, rule: TierRule, v: StorageVerb) => b.s3(p, v, folder(rule, p), 'allowed', { withIdentity: true, group: 'tier' });
  for (const rule of model.tierRules) {
    const verbs = rule.actions as readonly StorageVerb[];
    const granted = model.tiers.filter((t) => rule.groups.includes(t.name));
    const refused = model.tiers.filter((t) => !rule.groups.includes(t.name));
    const owner = tierUser(granted[0]!.name);
    const other = tierUser(granted[0]!.name, 2);
    rows.push({ title: `allows ${granted.map((t) => t.name).join(' and ')} users ${verbsSentence(verbs)} their own ${rule.pattern}`, checks: granted.flatMap((t) => verbs.map((v) => ownTier(tierUser(t.name), rule, v))) });
    if (refused.length > 0) {
      rows.push({
        title: `denies ${refused.map((t) => t.name).join(' and ')} users ${verbsSentence(verbs)} their own ${rule.pattern}`,
        checks: refused.flatMap((t) => verbs.map((v) => b.s3(tierUser(t.name), v, folder(rule, tierUser(t.name)), 'denied', { control: ownTier(owner, rule, v), withIdentity: true, group: 'tier' }))),
      });
    }
    rows.push({
      title: `denies a user in no tier group (the default role) ${verbsSentence(verbs)} its own ${rule.pattern}`,
      checks: verbs.map((v) => b.s3(noTier, v, folder(rule, noTier), 'denied', { control: ownTier(owner, rule, v), withIdentity: true, group: 'tier' })),
    });
    rows.push({
      title: `denies every tier ${verbsSentence(verbs)} ${rule.pattern} of another identity`,
      checks: model.tiers.flatMap((t) => verbs.map((v) => b.s3(tierUser(t.name), v, folder(rule, other), 'denied', { control: ownTier(other, rule, v), withIdentity: true, group: 'tier' }))),
    });
    if (model.tenantless) {
      const tenantless = (tier: string): Principal => ({ label: `${tier} user without a tenant`, sub: h.id(`tier:${tier}:tenantless`), group: tier, tenantless: true });
      rows.push({
        title: `allows tenant-less ${granted.map((t) => t.name).join(' and ')} users ${verbsSentence(verbs)} their own ${rule.pattern}`,
        checks: granted.flatMap((t) => verbs.map((v) => ownTier(tenantless(t.name), rule, v))),
      });
    }
  }
  if (model.documentedTiers) {
    // Document 002 as written, independent of the rule data above: a change of DEFAULT_TIER_RULES
    // that gives free users the premium folder fails here.
    const free = tierUser('free');
    const paid = tierUser('paid');
    const put = (p: Principal, folderName: string, expect: Expectation, control?: string) =>
      b.s3(p, 'write', `users/${p.sub}/${folderName}/`, expect, { withIdentity: true, group: 'tier', ...(control ? { control } : {}) });
    const paidPremium = put(paid, 'premium', 'allowed');
    rows.push({
      title: 'document 002: free and paid users write users/<own id>/free/, only paid users write users/<own id>/premium/',
      checks: [put(free, 'free', 'allowed'), put(paid, 'free', 'allowed'), paidPremium, put(free, 'premium', 'denied', paidPremium)],
    });
  }
  rows.push({
    title: `allows every tier user of ${h.T} ${VERBS_SENTENCE} ${h.T}/ and denies ${h.U}/ (a tier role keeps the tenant rules under the principal tag)`,
    checks: model.tiers.flatMap((t) =>
      STORAGE_VERBS.flatMap((v) => [
        b.s3(tierUser(t.name), v, `${h.T}/`, 'allowed', { withIdentity: true, group: 'tier' }),
        b.s3(tierUser(t.name), v, `${h.U}/`, 'denied', { control: h.own(h.U, v), withIdentity: true, group: 'tier' }),
      ]),
    ),
  });
  if (model.tenantless) {
    rows.push({
      title: `denies tenant-less tier users ${VERBS_SENTENCE} ${h.T}/ (explicit Deny)`,
      checks: model.tiers.flatMap((t) =>
        STORAGE_VERBS.map((v) =>
          b.s3({ label: `${t.name} user without a tenant`, sub: h.id(`tier:${t.name}:tenantless`), group: t.name, tenantless: true }, v, `${h.T}/`, 'explicitly denied', {
            control: h.own(h.T, v),
            withIdentity: true,
            group: 'tier',
          }),
        ),
      ),
    });
  }
  return { key: 'tier', title: `tiers (${model.name})`, rows };
}

/**
 * Tenant-less users (document 002): a session without a tenant tag on the default role keeps its own
 * identity folder and is denied every tenant's prefix, the bucket root and the data key for them.
 */
function tenantlessGroup(
  b: Builder,
  model: EnvironmentModel,
  h: {
    I: Principal;
    T: string;
    targets: readonly string[];
    own: (t: string, v: StorageVerb) => string;
    id: (seed: string) => string;
    gridOwn: (p: Principal, prefix: string, v: StorageVerb) => string;
    kms: (p: Principal, action: KmsRequest['action'], label: string, expect: Expectation, ctx: { encryptionContext?: string; viaService?: string }, control?: string) => string;
    ownKms: (p: Principal, prefix: string, shown: string, a: KmsRequest['action']) => string;
    via: string;
  },
): Group {
  const TL: Principal = { label: 'tenant-less user (no tenant tag)', sub: h.id('tenantless'), tenantless: true };
  const kmsActions = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;
  return {
    key: 'tenantless',
    title: `tenant-less users (${model.name})`,
    rows: [
      { title: `allows a tenant-less user ${VERBS_SENTENCE} its own identity folder`, checks: STORAGE_VERBS.map((v) => h.gridOwn(TL, `private/${TL.sub}/`, v)) },
      {
        title: `denies a tenant-less user ${VERBS_SENTENCE} the prefixes of ${h.targets.join(', ')} by an explicit Deny`,
        checks: h.targets.flatMap((t) => STORAGE_VERBS.map((v) => b.s3(TL, v, `${t}/`, 'explicitly denied', { control: h.own(t, v), withIdentity: true, group: 'tenantless' }))),
      },
      {
        title: `denies a tenant-less user the bucket root (explicit Deny) and another identity's folder`,
        checks: [
          ...(['read', 'write', 'delete'] as const).map((v) => b.s3(TL, v, '', 'explicitly denied', { control: h.gridOwn(TL, `private/${TL.sub}/`, v), withIdentity: true, group: 'tenantless' })),
          b.s3(TL, 'list', '', 'explicitly denied', { control: h.gridOwn(TL, `private/${TL.sub}/`, 'list'), withIdentity: true, group: 'tenantless', listPrefix: null }),
          ...STORAGE_VERBS.map((v) => b.s3(TL, v, `private/${h.I.sub}/`, 'denied', { control: h.gridOwn(h.I, `private/${h.I.sub}/`, v), withIdentity: true, group: 'tenantless' })),
        ],
      },
      {
        title: `allows a tenant-less user a data key for its own folder through S3, and denies one for ${h.T}'s objects (explicit Deny)`,
        checks: kmsActions.flatMap((a) => {
          const ownKey = h.ownKms(TL, `private/${TL.sub}/`, 'private/<own id>/', a);
          return [ownKey, h.kms(TL, a, `via S3, context \`${h.T}/…\``, 'explicitly denied', { encryptionContext: `${model.bucketArn}/${h.T}/upload.bin`, viaService: h.via }, ownKey)];
        }),
      },
    ],
  };
}

/** `allowed` / `denied` / `mixed` from the expectations of a grid cell, for titles. */
function summaryWord(cell: Readonly<Record<StorageVerb, string>>, checks: ReadonlyMap<string, Check>): string {
  const expects = STORAGE_VERBS.map((v) => checks.get(cell[v])!.expect === 'allowed');
  return expects.every(Boolean) ? 'allowed' : expects.some(Boolean) ? 'mixed' : 'denied';
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/** Another principal of the account: an administrator whose IAM policy allows every KMS action on every key. */
const ACCOUNT_ADMIN_ARN = `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/platform-admin`;
const KMS_ADMIN_POLICY = { Version: '2012-10-17', Statement: [{ Sid: 'EveryKmsAction', Effect: 'Allow', Action: 'kms:*', Resource: '*' }] };
const ADMIN_POLICY = { Version: '2012-10-17', Statement: [{ Sid: 'EveryS3AndKmsAction', Effect: 'Allow', Action: ['s3:*', 'kms:*'], Resource: '*' }] };
/** An administrator whose IAM policy allows every DynamoDB action: the control of key-less table requests. */
const TABLE_ADMIN_POLICY = { Version: '2012-10-17', Statement: [{ Sid: 'EveryDynamoDbAction', Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }] };
/** An operator whose IAM policy allows every Secrets Manager action: sets values and tags (the controls of the users' denials). */
const SECRETS_OPERATOR_POLICY = { Version: '2012-10-17', Statement: [{ Sid: 'EverySecretsManagerAction', Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }] };

export interface Outcome {
  readonly decision: Decision;
  readonly mode: 'checked' | 'unsafe';
  readonly ignoredContextKeys: readonly string[];
  readonly matchedDeny?: readonly string[];
}

function s3Context(model: EnvironmentModel, req: S3Request): ContextValues {
  // aws:PrincipalArn of an assumed-role session is the role's ARN; AWS sends it with every request.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
  const admin = req.caller === 'account-admin';
  const ctx: Record<string, string | readonly string[]> = {
    'aws:SecureTransport': String(req.secureTransport ?? true),
    'aws:PrincipalArn': admin ? ACCOUNT_ADMIN_ARN : roleOf(model, req.principal.group).roleArn,
  };
  if (req.principal.tag !== undefined) ctx[model.tenantTagKey] = req.principal.tag;
  if (req.withIdentity) ctx['cognito-identity.amazonaws.com:sub'] = req.principal.sub;
  if (req.verb === 'list' && req.prefix !== undefined) ctx['s3:prefix'] = req.prefix;
  if (req.verb === 'write') {
    const sse = req.sse ?? 'our-key';
    if (sse === 'our-key' || sse === 'other-key' || sse === 'kms-without-key-id') ctx['s3:x-amz-server-side-encryption'] = 'aws:kms';
    if (sse === 'aes256') ctx['s3:x-amz-server-side-encryption'] = 'AES256';
    if (sse === 'dsse-our-key') {
      ctx['s3:x-amz-server-side-encryption'] = 'aws:kms:dsse';
      ctx['s3:x-amz-server-side-encryption-aws-kms-key-id'] = model.keyArn;
    }
    // SSE-C sends only the customer-key headers (on CreateMultipartUpload and every UploadPart).
    if (sse === 'sse-c') ctx['s3:x-amz-server-side-encryption-customer-algorithm'] = 'AES256';
    if (sse === 'our-key') ctx['s3:x-amz-server-side-encryption-aws-kms-key-id'] = model.keyArn;
    if (sse === 'other-key') {
      ctx['s3:x-amz-server-side-encryption-aws-kms-key-id'] = `arn:aws:kms:${model.region}:222222222222:key/00000000-0000-4000-8000-000000000000`;
    }
  }
  return ctx;
}

/** The role a session of `group` has: the group's role, or the default authenticated role. */
function roleOf(model: EnvironmentModel, group: string | undefined): RoleModel {
  if (group === undefined) return { roleArn: model.roleArn, sessionArn: model.sessionArn, policies: { role: model.policies.role, trust: model.policies.trust } };
  const role = model.groupRoles[group];
  if (!role) throw new Error(`access matrix: ${model.name} has no group ${group} with a role.`);
  return role;
}

async function run(model: EnvironmentModel, check: Check): Promise<SimResult> {
  const options: SimOptions = { unsafe: check.mode === 'unsafe' };
  const req = check.request;
  const role = roleOf(model, req.kind === 'trust' ? req.group : req.principal.group);
  switch (req.kind) {
    case 's3':
      return simulate(
        {
          action: S3_ACTION[req.verb],
          resource: req.verb === 'list' ? model.bucketArn : `${model.bucketArn}/${req.key}`,
          principalArn: req.caller === 'account-admin' ? ACCOUNT_ADMIN_ARN : role.sessionArn,
          identityPolicies: [req.caller === 'account-admin' ? ADMIN_POLICY : role.policies.role],
          resourcePolicy: req.bucketPolicy === 'strict' ? model.strictBucketPolicy : model.policies.bucket,
          context: s3Context(model, req),
        },
        options,
      );
    case 'kms': {
      // KMS always sends the caller's account (kms:CallerAccount); the key policy's S3 grant requires it.
      const caller = req.caller ?? 'tenant-role';
      const ctx: Record<string, string> = { 'kms:CallerAccount': FAKE_ACCOUNT_ID };
      if (caller === 'tenant-role') ctx['cognito-identity.amazonaws.com:sub'] = req.principal.sub;
      if (caller === 'tenant-role' && req.principal.tag !== undefined) ctx[model.tenantTagKey] = req.principal.tag;
      if (req.viaService !== undefined) ctx['kms:ViaService'] = req.viaService;
      if (req.encryptionContext !== undefined) ctx[`kms:EncryptionContext:${req.contextKey ?? 'aws:s3:arn'}`] = req.encryptionContext;
      const principalArn = caller === 'tenant-role' ? role.sessionArn : caller === 'account-admin' ? ACCOUNT_ADMIN_ARN : model.breakGlassArn;
      if (!principalArn) throw new Error(`access matrix: ${model.name} names no break-glass role.`);
      // The break-glass role is named by the key policy itself; it needs no identity policy.
      const identityPolicies = caller === 'tenant-role' ? [role.policies.role] : caller === 'account-admin' ? [KMS_ADMIN_POLICY] : [];
      return simulate(
        {
          action: req.action,
          resource: model.keyArn,
          principalArn,
          identityPolicies,
          resourcePolicy: model.policies.key,
          context: ctx,
        },
        options,
      );
    }
    case 'table': {
      const caller = dataCaller(model, role, req.caller);
      const ctx: Record<string, string | readonly string[]> = { 'aws:SecureTransport': 'true', 'aws:PrincipalArn': caller.arn };
      if (!caller.broad && req.principal.tag !== undefined) ctx[model.tenantTagKey] = req.principal.tag;
      if (req.keys !== undefined) ctx['dynamodb:LeadingKeys'] = req.keys;
      if (!model.table) throw new Error(`access matrix: ${model.name} has no tenant table.`);
      return simulate(
        {
          action: req.action,
          resource: model.table.arn,
          principalArn: caller.session,
          identityPolicies: [caller.broad ? TABLE_ADMIN_POLICY : role.policies.role],
          ...(model.table.policy ? { resourcePolicy: model.table.policy } : {}),
          context: ctx,
        },
        options,
      );
    }
    case 'secret': {
      const caller = dataCaller(model, role, req.caller);
      const admin = caller.broad;
      const arn = model.secrets?.arns[req.secretOf];
      if (!arn) throw new Error(`access matrix: ${model.name} has no secret of ${req.secretOf}.`);
      // Secrets Manager sends the secret's tags under both keys. https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_abac.html
      const tag = req.taggedAs ?? req.secretOf;
      const tagKey = model.tenantTagKey.split('/')[1];
      const ctx: Record<string, string> = { [`secretsmanager:ResourceTag/${tagKey}`]: tag, [`aws:ResourceTag/${tagKey}`]: tag, 'aws:PrincipalArn': caller.arn };
      if (!admin && req.principal.tag !== undefined) ctx[model.tenantTagKey] = req.principal.tag;
      return simulate(
        {
          action: req.action,
          resource: arn,
          principalArn: caller.session,
          identityPolicies: [admin ? SECRETS_OPERATOR_POLICY : role.policies.role],
          ...(model.secrets?.policies[req.secretOf] ? { resourcePolicy: model.secrets.policies[req.secretOf] } : {}),
          context: ctx,
        },
        options,
      );
    }
    case 'trust': {
      const ctx: Record<string, string | readonly string[]> = {};
      if (req.aud !== undefined) ctx['cognito-identity.amazonaws.com:aud'] = req.aud;
      if (req.amr.length > 0) ctx['cognito-identity.amazonaws.com:amr'] = req.amr;
      if (req.tenantTag !== undefined) {
        ctx[`aws:RequestTag/${model.tenantTagKey.split('/')[1]}`] = req.tenantTag;
        ctx['aws:TagKeys'] = req.tagKeys ?? [model.tenantTagKey.split('/')[1]];
      }
      return simulateTrust({ action: req.action, roleArn: role.roleArn, trustPolicy: role.policies.trust, context: ctx }, options);
    }
  }
}

/** The caller of a table or secret request: its role ARN (`aws:PrincipalArn`), its session, and whether it has the broad IAM policy. */
function dataCaller(model: EnvironmentModel, role: RoleModel, caller: 'tenant-role' | DataCaller | undefined): { arn: string; session: string; broad: boolean } {
  switch (caller ?? 'tenant-role') {
    case 'tenant-role':
      return { arn: role.roleArn, session: role.sessionArn, broad: false };
    case 'account-admin':
      return { arn: ACCOUNT_ADMIN_ARN, session: ACCOUNT_ADMIN_ARN, broad: true };
    case 'foreign-role': {
      const arn = foreignRoleArn(model);
      return { arn, session: arn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/') + '/evil', broad: true };
    }
    case 'perimeter-role':
      return model.breakGlassArn
        ? { arn: model.breakGlassArn, session: model.breakGlassArn, broad: true }
        : { arn: model.roleArn, session: model.sessionArn, broad: true };
  }
}

/** A role outside the perimeter that another environment's apply role can create (see DataCaller). */
export function foreignRoleArn(model: EnvironmentModel): string {
  return `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/${model.namePrefix}-${model.name}-tenant-evil`;
}

/** Evaluates checks of one matrix, each at most once. */
export class MatrixEvaluation {
  private readonly outcomes = new Map<string, Promise<Outcome>>();
  constructor(readonly matrix: Matrix) {}

  outcome(id: string): Promise<Outcome> {
    let p = this.outcomes.get(id);
    if (!p) {
      const check = this.matrix.checks.get(id);
      if (!check) throw new Error(`access matrix: no check ${id}`);
      p = run(this.matrix.model, check).then((r) => ({
        decision: r.decision,
        mode: r.mode,
        ignoredContextKeys: r.ignoredContextKeys,
        ...(r.matched ? { matchedDeny: r.matched.deny } : {}),
      }));
      this.outcomes.set(id, p);
    }
    return p;
  }

  /**
   * Problems with one check, as readable lines (empty when it holds): the decision against the
   * expectation, the statement that must deny, dropped context keys in checked mode, and the control.
   */
  async problems(id: string): Promise<string[]> {
    const check = this.matrix.checks.get(id)!;
    const out = await this.outcome(id);
    const problems: string[] = [];
    const where = `${describePrincipal(check)}: ${check.what}`;
    if (!meets(out.decision, check.expect)) problems.push(`${where}: expected ${check.expect}, got ${out.decision}${out.matchedDeny?.length ? ` by ${out.matchedDeny.join(', ')}` : ''}`);
    if (check.denyBy && out.matchedDeny && !out.matchedDeny.includes(check.denyBy)) {
      problems.push(`${where}: expected ${check.denyBy} among the denying statements, got [${out.matchedDeny.join(', ')}]`);
    }
    if (out.mode === 'checked' && out.ignoredContextKeys.length > 0) {
      problems.push(`${where}: the checked entry point ignored ${out.ignoredContextKeys.join(', ')}`);
    }
    if (check.expect !== 'allowed') {
      const control = check.control === undefined ? undefined : this.matrix.checks.get(check.control);
      if (!control) problems.push(`${where}: no control check`);
      else {
        const sameAction = actionOf(control) === actionOf(check);
        if (control.expect !== 'allowed' || !sameAction) problems.push(`${where}: control ${control.id} is not an allowed check of the same action`);
        const c = await this.outcome(control.id);
        if (c.decision !== 'Allowed') problems.push(`${where}: its control (${describePrincipal(control)}: ${control.what}) is not allowed either (${c.decision}), so this denial proves nothing`);
      }
    }
    return problems;
  }

  /** Problems of every check of a row. */
  async rowProblems(row: Row): Promise<string[]> {
    const all: string[] = [];
    for (const id of row.checks) all.push(...(await this.problems(id)));
    return all;
  }
}

export function actionOf(check: Check): string {
  const r = check.request;
  return r.kind === 's3' ? S3_ACTION[r.verb] : r.action;
}

export function describePrincipal(check: Check): string {
  const r = check.request;
  if (r.kind === 'trust') return `${COGNITO_IDENTITY_PROVIDER}${r.group === undefined ? '' : ` (role of group ${r.group})`}`;
  if ((r.kind === 'table' || r.kind === 'secret') && r.caller !== undefined && r.caller !== 'tenant-role') {
    const broad = r.kind === 'table' ? 'dynamodb:* in IAM' : 'secretsmanager:* in IAM';
    if (r.caller === 'account-admin') return r.kind === 'table' ? `administrator of the account (${broad})` : `operator (${broad})`;
    if (r.caller === 'foreign-role') return `a role another environment's apply role can create (${broad})`;
    return `a role inside the data perimeter (${broad})`;
  }
  return r.principal.label;
}

export function meets(decision: Decision, expect: Expectation): boolean {
  return expect === 'allowed' ? decision === 'Allowed' : expect === 'denied' ? decision !== 'Allowed' : decision === 'ExplicitlyDenied';
}

// ---------------------------------------------------------------------------------------------
// Environments
// ---------------------------------------------------------------------------------------------

/** The environments with a committed report: every folder under environments/, discovered. */
export const REPORTED_ENVIRONMENTS: readonly string[] = repositoryEnvironments().map((environment) => environment.name);

/** The matrix of a repository environment, over its stack synthesized and read back from disk. */
export function matrixForEnvironment(name: string, options: BuildOptions = {}): Matrix {
  return buildMatrix(readEnvironment(repositoryEnvironment(name), synthEnvironment(name)), options);
}

/**
 * A generated configuration (helpers/generated-environment.ts, independent of environments/) with
 * `count` tenants `t000`, `t001`, … and no SAML tenant, built in memory: the scale case for the
 * tenant-prefix matrix.
 */
export function generatedEnvironment(count: number, settings: Readonly<Record<string, unknown>> = {}, base = 'tenants'): LoadedEnvironment {
  const width = String(count - 1).length < 3 ? 3 : String(count - 1).length;
  const tenants = Array.from({ length: count }, (_, i) => `t${String(i).padStart(width, '0')}`);
  const name = `${base}${count}`;
  return inMemoryEnvironment(name, { ...generatedConfig(name, { tenants }), ...settings });
}

/**
 * The matrix of an environment WITHOUT synthesizing it, to declare tests at load: the rows, their
 * titles and their check ids depend on the configuration only (tenants, region, name). Everything
 * read from the stack is a placeholder, so it cannot be evaluated; isolation.test.ts asserts that
 * the synthesized matrix has the same rows.
 */
export function plannedMatrix(environment: LoadedEnvironment, options: BuildOptions = {}): Matrix {
  const placeholder = '(not synthesized)';
  const empty = { role: placeholder, trust: placeholder, bucket: placeholder, key: placeholder };
  return buildMatrix(
    {
      ...fromConfig(environment),
      bucketName: placeholder,
      bucketArn: placeholder,
      keyArn: placeholder,
      roleArn: placeholder,
      sessionArn: placeholder,
      identityPoolId: placeholder,
      refs: {},
      synthesized: empty,
      policies: { role: {}, trust: {}, bucket: {}, key: {} },
      defaultEncryption: { sseAlgorithm: placeholder, kmsMasterKeyId: placeholder, bucketKeyEnabled: false },
      strictBucketPolicy: {},
      groupRoles: Object.fromEntries(
        plannedGroupRoles(environment.name, environment.config).map((r) => [r.groupName, { roleArn: placeholder, sessionArn: placeholder, policies: { role: {}, trust: {} } }]),
      ),
      ...(environment.config.table ? { table: { leadingKey: environment.config.table.leadingKey, actions: environment.config.table.actions, arn: placeholder, name: placeholder } } : {}),
      ...(environment.config.tenantSecrets ? { secrets: { arns: Object.fromEntries(environment.config.tenants.map((t) => [t.id, placeholder])), policies: {} } } : {}),
    },
    options,
  );
}

/** The matrix of an environment built in memory, synthesized and read back from disk. */
export function matrixForLoaded(environment: LoadedEnvironment, options: BuildOptions = {}): Matrix {
  return buildMatrix(readEnvironment(environment, synthLoaded(environment)), options);
}

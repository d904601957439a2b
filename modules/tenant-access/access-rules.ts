import { iamVariable, PolicyStatement } from '../iam-policy';
import { malformedTenantTagPatterns } from './tenant-id';

/**
 * The declarative storage access model, after Amplify's `defineStorage`, with a tenant token
 * Amplify lacks. A rule is a key pattern ending in `/*` whose segments are literals or the
 * tokens `{tenant}` (the caller's `customerName` principal tag) and `{identity}` (the caller's
 * identity-pool id, `cognito-identity.amazonaws.com:sub`).
 *
 * ```ts
 * { pattern: '{tenant}/*', principal: 'authenticated', actions: ['read', 'write', 'delete', 'list'] }
 * ```
 */
export type StorageAction = 'read' | 'write' | 'delete' | 'list';
export const STORAGE_ACTIONS: readonly StorageAction[] = ['read', 'write', 'delete', 'list'];

/**
 * Who a rule grants to: `authenticated` (every role the identity pool hands out) or the roles of
 * some user-pool groups (`{ groups: ['free', 'paid'] }`: the tier roles of those groups).
 */
export type AccessPrincipal = 'authenticated' | { readonly groups: readonly string[] };

/** A user-pool group name that can also be part of a role name. */
export const GROUP_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

export interface StorageAccessRule {
  /** Which target of the access model the rule grants on (tables and secrets: table-rules.ts, secret-rules.ts). @default 's3' */
  readonly target?: 's3';
  /** Key pattern such as `{tenant}/*` or `private/{identity}/*`. */
  readonly pattern: string;
  /** Who the rule grants to. */
  readonly principal: AccessPrincipal;
  /** What the principal may do under the pattern. */
  readonly actions: readonly StorageAction[];
}

/** Documents 000 and 001: a shared tenant prefix and a per-identity prefix. */
export const DEFAULT_ACCESS_RULES: readonly StorageAccessRule[] = [
  { pattern: '{tenant}/*', principal: 'authenticated', actions: ['read', 'write', 'delete', 'list'] },
  { pattern: 'private/{identity}/*', principal: 'authenticated', actions: ['read', 'write', 'delete', 'list'] },
];

export const TENANT_TOKEN = '{tenant}';
export const IDENTITY_TOKEN = '{identity}';
const LITERAL_SEGMENT = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * Object-level S3 actions per storage action. Multipart uploads need AbortMultipartUpload and
 * ListMultipartUploadParts beside PutObject (UploadPart itself is authorised as s3:PutObject).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions
 */
const OBJECT_ACTIONS: Readonly<Record<Exclude<StorageAction, 'list'>, readonly string[]>> = {
  read: ['s3:GetObject'],
  write: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
  delete: ['s3:DeleteObject'],
};

/** Problems with a rule set, as readable sentences; empty when the rules are valid. */
export function validateAccessRules(rules: readonly StorageAccessRule[]): string[] {
  const problems: string[] = [];
  if (rules.length === 0) problems.push('accessRules must hold at least one rule.');
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    const where = `accessRules[${i}].pattern`;
    if (seen.has(rule.pattern)) problems.push(`${where} ${JSON.stringify(rule.pattern)} is listed twice: merge the actions into one rule.`);
    seen.add(rule.pattern);
    if (!rule.pattern.endsWith('/*')) {
      problems.push(`${where} must end with "/*" so the grant stops at a folder boundary (received ${JSON.stringify(rule.pattern)}).`);
      return;
    }
    const segments = rule.pattern.slice(0, -2).split('/');
    const tokens = segments.filter((s) => s === TENANT_TOKEN || s === IDENTITY_TOKEN);
    if (tokens.length === 0) {
      problems.push(`${where} must contain {tenant} or {identity}; a rule without one would grant every user the same keys (received ${JSON.stringify(rule.pattern)}).`);
    }
    if (new Set(tokens).size !== tokens.length) {
      problems.push(`${where} repeats a token (received ${JSON.stringify(rule.pattern)}).`);
    }
    for (const segment of segments) {
      if (segment === TENANT_TOKEN || segment === IDENTITY_TOKEN) continue;
      if (!LITERAL_SEGMENT.test(segment)) {
        problems.push(`${where} segment ${JSON.stringify(segment)} must be {tenant}, {identity} or a literal matching ${LITERAL_SEGMENT.source}; IAM wildcards are not allowed (received ${JSON.stringify(rule.pattern)}).`);
      }
    }
    if (rule.principal !== 'authenticated') {
      if (rule.principal.groups.length === 0) problems.push(`accessRules[${i}].principal.groups must name at least one group (received []).`);
      for (const group of rule.principal.groups) {
        if (!GROUP_NAME_PATTERN.test(group)) problems.push(`accessRules[${i}].principal.groups has ${JSON.stringify(group)}; a group name must match ${GROUP_NAME_PATTERN.source}.`);
      }
    }
    if (rule.actions.length === 0) problems.push(`accessRules[${i}].actions must list at least one of ${STORAGE_ACTIONS.join(', ')}.`);
    for (const action of rule.actions) {
      if (!STORAGE_ACTIONS.includes(action)) {
        problems.push(`accessRules[${i}].actions has ${JSON.stringify(action)}; allowed: ${STORAGE_ACTIONS.join(', ')}.`);
      }
    }
  });
  return problems;
}

/**
 * Tenant ids (and so tenant tag values) that would make a `{tenant}` grant cover a folder of
 * another rule. Two patterns are walked segment by segment while they agree; where one has
 * `{tenant}` and the other a literal, that literal is reserved: with the default rules, tenant
 * `private` would own `private/<every identity>/`; with `data/{tenant}/*` beside
 * `data/shared/{identity}/*`, tenant `shared` would. The reverse order counts too: beside
 * `{tenant}/*`, a rule `archive/{tenant}/*` makes tenant `archive` own every tenant's archive.
 * Where `{tenant}` meets `{identity}`, no value is reserved: identity ids always contain `:`
 * (`<region>:<uuid>`), which no tenant id has and the tag guards deny.
 */
export function reservedTenantIds(rules: readonly StorageAccessRule[]): string[] {
  const reserved = new Set<string>();
  // Stryker disable next-line Regex: a valid pattern holds "/*" only at its end (no literal segment may contain "*"), so anchoring the match changes nothing.
  const patterns = rules.map((rule) => rule.pattern.replace(/\/\*$/, '').split('/'));
  for (const a of patterns) {
    for (const b of patterns) {
      // Stryker disable next-line EqualityOperator,MethodExpression: at i = min(length) one of a[i], b[i] is undefined, so the pair either ends the loop (both undefined) or breaks without reserving (a[i] undefined is not {tenant}; b[i] undefined fails the segment check).
      for (let i = 0; i < Math.min(a.length, b.length); i++) {
        if (a[i] === b[i]) continue;
        const segment = b[i];
        // Stryker disable next-line ConditionalExpression: i stays below both lengths, so segment is never undefined; the check only satisfies noUncheckedIndexedAccess.
        if (a[i] === TENANT_TOKEN && segment !== undefined && segment !== IDENTITY_TOKEN) reserved.add(segment);
        break;
      }
    }
  }
  return [...reserved].sort();
}

/**
 * Whose tenant a compiled grant names. `principalTag`: the caller's session tag, resolved by IAM at
 * request time (one shared role for every tenant). `tenantId`: a literal tenant id (one role per
 * tenant, chosen by the identity pool from the user's group). Compilers of every target (S3 keys,
 * table keys, secrets) take a scope, so both isolation modes compile from the same rules.
 */
export type TenantScope = { readonly principalTag: string } | { readonly tenantId: string };

/** The text a scope puts where a rule says `{tenant}`: `${aws:PrincipalTag/<key>}` or the id. */
export function tenantReference(scope: TenantScope): string {
  return 'principalTag' in scope ? iamVariable(`aws:PrincipalTag/${scope.principalTag}`) : scope.tenantId;
}

export interface CompileContext {
  /** The bucket ARN (a Terraform reference). */
  readonly bucketArn: string;
  /** The data key ARN (a Terraform reference). */
  readonly keyArn: string;
  /** The Region, for `kms:ViaService`. */
  readonly region: string;
  /** The principal tag that carries the tenant. */
  readonly tenantTagKey: string;
  /** Bind data-key use to the caller's own prefixes through the S3 encryption context. */
  readonly bindKeyToPrefix: boolean;
  /**
   * Tenant data beyond S3 (the table, the secrets) that the empty, malformed and reserved tag Denies
   * cover beside the bucket and the key. @default - none
   */
  readonly dataTargets?: { readonly actions: readonly string[]; readonly resources: readonly string[] };
}

/** The text `{tenant}` and `{identity}` stand for: the scope's tenant reference and the identity id. */
function expandPattern(pattern: string, scope: TenantScope): string {
  return pattern
    .split('/')
    .map((segment) =>
      segment === TENANT_TOKEN ? tenantReference(scope) : segment === IDENTITY_TOKEN ? iamVariable('cognito-identity.amazonaws.com:sub') : segment,
    )
    .join('/');
}

/** Whether a rule names a tenant (`{tenant}`), so only a role of a tenant may receive it. */
export function isTenantRule(rule: StorageAccessRule): boolean {
  return rule.pattern.split('/').includes(TENANT_TOKEN);
}

/** The rules a role receives: every `authenticated` rule, and the rules of the groups it stands for. */
export function rulesForGroups<R extends { readonly principal: AccessPrincipal }>(rules: readonly R[], groups: readonly string[]): R[] {
  return rules.filter((rule) => rule.principal === 'authenticated' || rule.principal.groups.some((group) => groups.includes(group)));
}

/** The groups any rule names, in first-seen order. */
export function ruleGroups(rules: readonly StorageAccessRule[]): string[] {
  return [...new Set(rules.flatMap((rule) => (rule.principal === 'authenticated' ? [] : rule.principal.groups)))];
}

/**
 * Which end-user role a policy is compiled for.
 * - `tenant`: whose tenant `{tenant}` names (`TenantScope`); left out, the role grants nothing of
 *   any tenant (the default role in role-per-tenant mode): `{tenant}` rules are dropped.
 * - `groups`: the user-pool groups the role stands for (a tier role); their rules apply beside the
 *   `authenticated` ones. @default - none
 * - `tenantlessUsers`: sessions without a tenant tag are legitimate (a consumer app) and keep the
 *   rules without `{tenant}`; the fail-closed Denies on an absent tag then cover everything but those
 *   folders instead of the whole bucket and key. @default false
 */
export interface RoleAccess {
  readonly tenant?: TenantScope;
  readonly groups?: readonly string[];
  readonly tenantlessUsers?: boolean;
}

function sidFor(pattern: string, suffix: string): string {
  // '{tenant}' and '{identity}' would also become 'Tenant' and 'Identity' through the filter and the
  // capital below; the explicit words say so, and dropping either test changes no Sid (the variants
  // that name every segment Tenant or Identity are pinned by the Sid tests).
  // Stryker disable ConditionalExpression: see above.
  // Stryker disable next-line MethodExpression: without the slice, the trailing "*" becomes a word that the non-alphanumeric filter below empties: the same Sid.
  const words = pattern
    .slice(0, -2)
    .split('/')
    .map((segment) => (segment === TENANT_TOKEN ? 'Tenant' : segment === IDENTITY_TOKEN ? 'Identity' : segment))
    .map((word) => word.replace(/[^A-Za-z0-9]/g, ''))
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1));
  // Stryker restore ConditionalExpression
  return words.join('') + suffix;
}

/**
 * Compiles rules into identity-policy statements for the shared authenticated role: `{tenant}` is
 * the principal tag. The same as `compileStorageAccess(rules, ctx, { tenant: { principalTag } })`.
 */
export function compileAccessRules(rules: readonly StorageAccessRule[], ctx: CompileContext): PolicyStatement[] {
  return compileStorageAccess(rules, ctx, { tenant: { principalTag: ctx.tenantTagKey } });
}

/**
 * Compiles storage rules into the S3 part of one end-user role's policy (see `RoleAccess`): the
 * bucket grants, the data key through S3, and the Denies that fail closed on the tenant tag.
 * `compileRoleAccess` (role-access.ts) joins it with the other targets; IAM policy variables are
 * written as IAM reads them; `renderPolicy` escapes them.
 */
export function compileStorageAccess(rules: readonly StorageAccessRule[], ctx: CompileContext, access: RoleAccess): PolicyStatement[] {
  const problems = validateAccessRules(rules);
  if (problems.length > 0) throw new Error(`Invalid access rules:\n  - ${problems.join('\n  - ')}`);
  const tenantTag = `aws:PrincipalTag/${ctx.tenantTagKey}`;
  // Stryker disable next-line ArrayDeclaration: validateAccessRules (above) refuses every group name outside GROUP_NAME_PATTERN, so no rule names the group ["Stryker was here"] that the mutant would add.
  const granted = rulesForGroups(rules, access.groups ?? []).filter((rule) => access.tenant !== undefined || !isTenantRule(rule));
  // Stryker disable next-line ObjectLiteral: without access.tenant, `granted` holds no {tenant} rule, so the fallback scope is never substituted into any pattern; it only satisfies the type.
  const scope: TenantScope = access.tenant ?? { principalTag: ctx.tenantTagKey };
  const statements: PolicyStatement[] = [];
  const encryptionContexts: string[] = [];

  for (const rule of granted) {
    const prefix = expandPattern(rule.pattern.slice(0, -2), scope);
    const objectArn = `${ctx.bucketArn}/${prefix}/*`;
    const objectActions = rule.actions.flatMap((action) => (action === 'list' ? [] : OBJECT_ACTIONS[action]));
    if (objectActions.length > 0) {
      statements.push({ Sid: sidFor(rule.pattern, 'Objects'), Effect: 'Allow', Action: objectActions, Resource: objectArn });
      encryptionContexts.push(objectArn);
    }
    if (rule.actions.includes('list')) {
      // ListBucket is a bucket-level action: scope it by the requested prefix, with the slash,
      // so tenant "ac" cannot list "acme/". https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html#condition-key-bucket-ops-2
      statements.push({
        Sid: sidFor(rule.pattern, 'List'),
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: ctx.bucketArn,
        Condition: { StringLike: { 's3:prefix': [`${prefix}/`, `${prefix}/*`] } },
      });
    }
  }

  if (encryptionContexts.length > 0) {
    // S3 asks KMS for a data key (PutObject, CreateMultipartUpload) and to decrypt it (GetObject,
    // UploadPart) on the caller's behalf, so the caller needs both actions, only through S3.
    // With Bucket Keys off, the encryption context is the object ARN, which binds the key to the
    // caller's own prefixes. https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context
    statements.push({
      Sid: 'DataKeyThroughS3',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: ctx.keyArn,
      Condition: {
        StringEquals: { 'kms:ViaService': `s3.${ctx.region}.amazonaws.com` },
        ...(ctx.bindKeyToPrefix ? { StringLike: { 'kms:EncryptionContext:aws:s3:arn': encryptionContexts } } : {}),
      },
    });
  }

  // Fail closed: a session without a usable tenant tag gets nothing from the bucket or the key,
  // whatever else allows it. IAM substitutes the tag value into ARNs, so a value with `*`, `?`
  // or `/` could otherwise widen a grant, and a value naming a fixed folder of the rules (`private`)
  // would own it. The tag should only ever hold a tenant id set by the tenant-claim trigger; these
  // Denies hold even if it does not. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars
  const guarded = [ctx.bucketArn, `${ctx.bucketArn}/*`, ctx.keyArn];
  const reserved = reservedTenantIds(rules);
  // A tag that is empty, malformed or reserved is never a tenant: denied every target in one
  // statement each (the bucket, the key, and the table and secrets where the role has them).
  const everyTarget = { Action: ['s3:*', 'kms:*', ...(ctx.dataTargets?.actions ?? [])], Resource: [...guarded, ...(ctx.dataTargets?.resources ?? [])] };
  if (access.tenantlessUsers) {
    statements.push(...tenantlessGuards(granted, ctx, tenantTag));
  } else {
    statements.push({ Sid: 'DenyWithoutTenantTag', Effect: 'Deny', Action: ['s3:*', 'kms:*'], Resource: guarded, Condition: { Null: { [tenantTag]: 'true' } } });
  }
  statements.push(
    { Sid: 'DenyEmptyTenantTag', Effect: 'Deny', ...everyTarget, Condition: { StringEquals: { [tenantTag]: '' } } },
    { Sid: 'DenyMalformedTenantTag', Effect: 'Deny', ...everyTarget, Condition: { StringLike: { [tenantTag]: malformedTenantTagPatterns() } } },
  );
  if (reserved.length > 0) {
    statements.push({ Sid: 'DenyReservedTenantTag', Effect: 'Deny', ...everyTarget, Condition: { StringEqualsIgnoreCase: { [tenantTag]: reserved } } });
  }
  return statements;
}

/**
 * The absent-tag Denies when tenant-less users are served: such a session keeps the folders of the
 * rules without `{tenant}` (its own identity and tier folders) and is denied everything else of the
 * bucket and the key, explicitly. The folders are written with `*` for `{identity}`, not with the
 * identity variable: a Deny must not depend on a variable that might not resolve (IAM then skips the
 * statement); the Allows still confine the session to its own id.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */
function tenantlessGuards(granted: readonly StorageAccessRule[], ctx: CompileContext, tenantTag: string): PolicyStatement[] {
  const own = granted
    .filter((rule) => !isTenantRule(rule))
    .map((rule) =>
      rule.pattern
        .slice(0, -2)
        .split('/')
        .map((segment) => (segment === IDENTITY_TOKEN ? '*' : segment))
        .join('/'),
    );
  const absent = { Null: { [tenantTag]: 'true' } };
  if (own.length === 0) {
    return [{ Sid: 'DenyWithoutTenantTag', Effect: 'Deny', Action: ['s3:*', 'kms:*'], Resource: [ctx.bucketArn, `${ctx.bucketArn}/*`, ctx.keyArn], Condition: absent }];
  }
  return [
    {
      Sid: 'DenyTenantObjectsWithoutTenantTag',
      Effect: 'Deny',
      Action: 's3:*',
      NotResource: [ctx.bucketArn, ...own.map((prefix) => `${ctx.bucketArn}/${prefix}/*`)],
      Condition: absent,
    },
    {
      Sid: 'DenyTenantListingWithoutTenantTag',
      Effect: 'Deny',
      Action: 's3:*',
      Resource: ctx.bucketArn,
      Condition: { ...absent, StringNotLike: { 's3:prefix': own.flatMap((prefix) => [`${prefix}/`, `${prefix}/*`]) } },
    },
    {
      Sid: 'DenyTenantDataKeyWithoutTenantTag',
      Effect: 'Deny',
      Action: 'kms:*',
      Resource: ctx.keyArn,
      Condition: { ...absent, StringNotLike: { 'kms:EncryptionContext:aws:s3:arn': own.map((prefix) => `${ctx.bucketArn}/${prefix}/*`) } },
    },
  ];
}

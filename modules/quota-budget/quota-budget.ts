/**
 * The quota budget: what one synthesized stack uses of the AWS quotas it can run into, counted from
 * its `cdk.tf.json` (so it sees every role, group and policy any module adds), against the AWS
 * defaults or the raised values an environment declares. Pure functions over the stack JSON; the
 * security rules IAM8, IDP8 and QUOTA1 report what goes over, and checked synth then writes nothing.
 */
import { policiesIn, resolvedLength } from '../security-rules/policy';
import { blocks, isObject, resourcesOf, soleReference, StackJson, strings } from '../security-rules/stack-json';

const IAM_QUOTAS_DOC = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html';
const COGNITO_QUOTAS_DOC = 'https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html#resource-quotas';

/** Every quota the budget counts. */
export type QuotaId =
  | 'iamRolesPerAccount'
  | 'trustPolicyChars'
  | 'inlinePolicyCharsPerRole'
  | 'managedPolicyChars'
  | 'roleMappingRulesPerProvider'
  | 'groupsPerUserPool'
  | 'identityProvidersPerUserPool'
  | 'principalTagClaimBytes'
  | 'bucketPolicyBytes'
  | 'keyPolicyBytes';

/** The security rule that reports a quota: IAM quotas under IAM8, identity-pool ones under IDP8, the rest QUOTA1. */
export type QuotaRuleId = 'IAM8' | 'IDP8' | 'QUOTA1';

/** One quota: its AWS default, where AWS documents it, and how to get out when a stack goes over. */
export interface QuotaDefinition {
  readonly id: QuotaId;
  /** What is counted, for messages: "IAM roles in the account". */
  readonly what: string;
  /** The AWS default. */
  readonly default: number;
  /** Counted per …: the resource whose count or size is compared. */
  readonly unit: 'count' | 'characters' | 'bytes';
  /** The rule that reports it. */
  readonly rule: QuotaRuleId;
  /** The AWS page that documents the default. */
  readonly docUrl: string;
  /**
   * The quota's name in Service Quotas when AWS raises it on request; absent when it is fixed, and
   * the way out is a smaller stack.
   */
  readonly serviceQuota?: string;
  /** What to change in this project instead. */
  readonly wayOut: string;
}

/**
 * The quotas and their AWS defaults. IAM: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 * (roles 1 000 per account, up to 5 000 on request; role trust policy 2 048 characters, up to 4 096;
 * managed policy 6 144; all inline policies of a role together 10 240; whitespace not counted).
 * Cognito: https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html (groups 10 000 and
 * identity providers 300 per user pool; 25 role-mapping rules per identity provider) and
 * https://docs.aws.amazon.com/cognito/latest/developerguide/attributes-for-access-control.html
 * (principal-tag claims 460 bytes together). S3 bucket policy 20 KB:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html. KMS key policy
 * 32 KB: https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html.
 */
export const QUOTAS: Readonly<Record<QuotaId, QuotaDefinition>> = {
  iamRolesPerAccount: {
    id: 'iamRolesPerAccount',
    what: 'IAM roles in the account (this stack plus quotas.iamRolesOutsideStack)',
    default: 1000,
    unit: 'count',
    rule: 'IAM8',
    docUrl: IAM_QUOTAS_DOC,
    serviceQuota: 'IAM "Roles per account"',
    wayOut: 'use the shared-role mode (one role, tenants told apart by the principal tag) or fewer tiers',
  },
  trustPolicyChars: {
    id: 'trustPolicyChars',
    what: 'characters of a role trust policy',
    default: 2048,
    unit: 'characters',
    rule: 'IAM8',
    docUrl: IAM_QUOTAS_DOC,
    serviceQuota: 'IAM "Role trust policy length" (at most 4 096)',
    wayOut: 'shorten the trust policy (fewer conditions or principals)',
  },
  inlinePolicyCharsPerRole: {
    id: 'inlinePolicyCharsPerRole',
    what: 'characters of all inline policies of a role',
    default: 10240,
    unit: 'characters',
    rule: 'IAM8',
    docUrl: IAM_QUOTAS_DOC,
    wayOut: 'move statements into a managed policy, or grant per tenant by principal tag instead of per-tenant statements',
  },
  managedPolicyChars: {
    id: 'managedPolicyChars',
    what: 'characters of a managed policy',
    default: 6144,
    unit: 'characters',
    rule: 'IAM8',
    docUrl: IAM_QUOTAS_DOC,
    wayOut: 'split the policy into several managed policies (up to 20 per role)',
  },
  roleMappingRulesPerProvider: {
    id: 'roleMappingRulesPerProvider',
    what: 'role-mapping rules of one identity provider in the identity pool',
    default: 25,
    unit: 'count',
    rule: 'IDP8',
    docUrl: 'https://docs.aws.amazon.com/cognito/latest/developerguide/role-based-access-control.html',
    wayOut: 'map roles with the Token type (cognito:preferred_role from groups) or principal tags instead of one rule per tenant',
  },
  groupsPerUserPool: {
    id: 'groupsPerUserPool',
    what: 'groups in a user pool',
    default: 10000,
    unit: 'count',
    rule: 'QUOTA1',
    docUrl: COGNITO_QUOTAS_DOC,
    serviceQuota: 'Amazon Cognito user pools "Groups per user pool"',
    wayOut: 'use the shared-role mode (no group per tenant) or split the tenants across environments',
  },
  identityProvidersPerUserPool: {
    id: 'identityProvidersPerUserPool',
    what: 'identity providers (SAML, OIDC, social) in a user pool',
    default: 300,
    unit: 'count',
    rule: 'QUOTA1',
    docUrl: COGNITO_QUOTAS_DOC,
    serviceQuota: 'Amazon Cognito user pools "Identity providers per user pool"',
    wayOut: 'split the SAML tenants across environments',
  },
  principalTagClaimBytes: {
    id: 'principalTagClaimBytes',
    what: 'bytes of the claim names mapped to principal tags, together',
    default: 460,
    unit: 'bytes',
    rule: 'IDP8',
    docUrl: 'https://docs.aws.amazon.com/cognito/latest/developerguide/attributes-for-access-control.html',
    wayOut: 'map fewer or shorter claims to principal tags',
  },
  bucketPolicyBytes: {
    id: 'bucketPolicyBytes',
    what: 'bytes of a bucket policy',
    default: 20480,
    unit: 'bytes',
    rule: 'QUOTA1',
    docUrl: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html',
    wayOut: 'name fewer principals in the bucket policy (grant tenants by principal tag in the role, not per tenant in the bucket)',
  },
  keyPolicyBytes: {
    id: 'keyPolicyBytes',
    what: 'bytes of a KMS key policy',
    default: 32768,
    unit: 'bytes',
    rule: 'QUOTA1',
    docUrl: 'https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html',
    wayOut: 'name fewer principals in the key policy (grant through IAM policies, which the key policy allows for the account)',
  },
};

/** Every quota id, in the order of `QUOTAS`. */
export const QUOTA_IDS: readonly QuotaId[] = Object.keys(QUOTAS) as QuotaId[];

/** Quota values an environment sets (`quotas` in its config); a missing one is the AWS default. */
export type QuotaSettings = { readonly [K in QuotaId | 'iamRolesOutsideStack']?: number | undefined };

/** The limit of every quota, and the roles the account holds outside this stack. */
export interface QuotaLimits {
  readonly limits: Readonly<Record<QuotaId, number>>;
  /** Roles in the account that this stack does not manage (other stacks, AWS service roles). */
  readonly iamRolesOutsideStack: number;
}

/** The limits for an environment: its settings over the AWS defaults. */
export function quotaLimits(settings: QuotaSettings = {}): QuotaLimits {
  const limits = Object.fromEntries(QUOTA_IDS.map((id) => [id, settings[id] ?? QUOTAS[id].default])) as Record<QuotaId, number>;
  return { limits, iamRolesOutsideStack: settings.iamRolesOutsideStack ?? 0 };
}

/** One measurement: what `address` uses of `quota`. */
export interface QuotaUsage {
  readonly quota: QuotaId;
  /** The resource measured (for a per-account or per-pool count, the resource counted last or the pool). */
  readonly address: string;
  readonly used: number;
  readonly limit: number;
  /** Where in the resource, when it holds several measured parts: `role_mapping[0]`. @default - the whole resource */
  readonly part?: string;
}

/** A quota the stack goes over. */
export interface QuotaExcess extends QuotaUsage {
  /** One sentence: the quota, the count, the limit and the way out. */
  readonly message: string;
}

/** The user pool a resource names in `user_pool_id`: its address, or the literal value. */
function userPoolOf(config: Readonly<Record<string, unknown>>): string {
  const ref = soleReference(config.user_pool_id);
  // Stryker disable next-line ConditionalExpression: a literal pool id groups the same with either key.
  return ref ? ref.address.replace(/\.id$/, '') : `user pool ${JSON.stringify(config.user_pool_id)}`;
}

function countBy(items: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

/**
 * Everything the stack uses of every quota: one measurement per role, policy, pool or mapping.
 * Policy sizes are minified, with Terraform references at their longest (`resolvedLength`).
 */
export function measureQuotas(stack: StackJson, quotaLimitsOrSettings: QuotaLimits = quotaLimits()): QuotaUsage[] {
  const { limits, iamRolesOutsideStack } = quotaLimitsOrSettings;
  const usage: QuotaUsage[] = [];
  const add = (quota: QuotaId, address: string, used: number, part?: string) =>
    usage.push({ quota, address, used, limit: limits[quota], ...(part === undefined ? {} : { part }) });

  const roles = resourcesOf(stack, 'aws_iam_role');
  add('iamRolesPerAccount', roles.length > 0 ? roles[roles.length - 1]!.address : 'aws_iam_role (none)', roles.length + iamRolesOutsideStack);

  const inlineByRole = new Map<string, number>();
  const addInline = (role: string, length: number) => inlineByRole.set(role, (inlineByRole.get(role) ?? 0) + length);
  for (const role of roles) inlineByRole.set(role.address, 0);
  for (const policy of policiesIn(stack)) {
    const type = policy.address.split('.')[0];
    const length = resolvedLength(policy);
    if (type === 'aws_iam_role' && policy.attribute === 'assume_role_policy') add('trustPolicyChars', policy.address, length);
    if (type === 'aws_iam_role' && policy.attribute.startsWith('inline_policy')) addInline(policy.address, length);
    if (type === 'aws_iam_policy') add('managedPolicyChars', policy.address, length);
    if (type === 'aws_s3_bucket_policy') add('bucketPolicyBytes', policy.address, length);
    if ((type === 'aws_kms_key' || type === 'aws_kms_key_policy') && policy.attribute === 'policy') add('keyPolicyBytes', policy.address, length);
  }
  for (const rolePolicy of resourcesOf(stack, 'aws_iam_role_policy')) {
    const role = soleReference(rolePolicy.config.role);
    const target = role ? role.address.replace(/\.(id|name)$/, '') : `aws_iam_role (named ${JSON.stringify(rolePolicy.config.role)})`;
    for (const policy of policiesIn({ resource: { aws_iam_role_policy: { [rolePolicy.name]: rolePolicy.config } } })) addInline(target, resolvedLength(policy));
  }
  for (const [role, length] of inlineByRole) add('inlinePolicyCharsPerRole', role, length);

  for (const attachment of resourcesOf(stack, 'aws_cognito_identity_pool_roles_attachment')) {
    blocks(attachment.config.role_mapping).forEach((mapping, i) => {
      add('roleMappingRulesPerProvider', attachment.address, blocks(mapping.mapping_rule).length, `role_mapping[${i}]`);
    });
  }
  for (const tags of resourcesOf(stack, 'aws_cognito_identity_pool_provider_principal_tag')) {
    const mapping = isObject(tags.config.principal_tags) ? tags.config.principal_tags : {};
    add('principalTagClaimBytes', tags.address, Object.values(mapping).reduce<number>((n, claim) => n + Buffer.byteLength(strings(claim).join(''), 'utf8'), 0));
  }
  const pools = resourcesOf(stack, 'aws_cognito_user_pool').map((pool) => pool.address);
  const groups = countBy(resourcesOf(stack, 'aws_cognito_user_group').map((group) => userPoolOf(group.config)));
  const providers = countBy(resourcesOf(stack, 'aws_cognito_identity_provider').map((idp) => userPoolOf(idp.config)));
  for (const pool of new Set([...pools, ...groups.keys(), ...providers.keys()])) {
    add('groupsPerUserPool', pool, groups.get(pool) ?? 0);
    add('identityProvidersPerUserPool', pool, providers.get(pool) ?? 0);
  }
  return usage;
}

/** The message for a quota the stack goes over: the quota, the count, the limit and the way out. */
export function quotaExcessMessage(usage: QuotaUsage): string {
  const quota = QUOTAS[usage.quota];
  const raise = quota.serviceQuota
    ? `request an increase of ${quota.serviceQuota} in Service Quotas and set quotas.${quota.id} in the environment config to the granted value, or ${quota.wayOut}`
    : `AWS does not raise this quota: ${quota.wayOut}`;
  const over = usage.used - usage.limit;
  const part = usage.part === undefined ? '' : ` in ${usage.part}`;
  return `quota ${quota.id} (${quota.what})${part}: ${usage.used} against a limit of ${usage.limit} (AWS default ${quota.default}; ${over} over). Way out: ${raise}. ${quota.docUrl}`;
}

/** Every quota the stack goes over, with its message. */
export function quotaExcesses(stack: StackJson, limits: QuotaLimits = quotaLimits()): QuotaExcess[] {
  return measureQuotas(stack, limits)
    .filter((usage) => usage.used > usage.limit)
    .map((usage) => ({ ...usage, message: quotaExcessMessage(usage) }));
}

/** The highest use of each quota, for a report: `{ quota, used, limit, address }` of the fullest resource. */
export function quotaHeadroom(stack: StackJson, limits: QuotaLimits = quotaLimits()): QuotaUsage[] {
  const fullest = new Map<QuotaId, QuotaUsage>();
  for (const usage of measureQuotas(stack, limits)) {
    const seen = fullest.get(usage.quota);
    if (!seen || usage.used / usage.limit > seen.used / seen.limit) fullest.set(usage.quota, usage);
  }
  return QUOTA_IDS.flatMap((id) => {
    const usage = fullest.get(id);
    return usage ? [usage] : [];
  });
}

import { quotaExcesses, quotaLimits, QuotaRuleId } from '../../quota-budget/quota-budget';
import { StackJson } from '../stack-json';
import { Finding, RuleContext, SecurityRule } from '../types';

/**
 * The quota budget's excesses that belong to one rule, as findings. IAM8 (IAM quotas), IDP8
 * (identity-pool quotas) and QUOTA1 (user pool, bucket and key policies) share this one count, so a
 * quota is measured once and reported once.
 */
export function quotaFindings(stack: StackJson, ctx: RuleContext, rule: QuotaRuleId): Finding[] {
  const settings = { ...ctx.quotas, iamRolesPerAccount: ctx.quotas?.iamRolesPerAccount ?? ctx.roleQuota };
  return quotaExcesses(stack, quotaLimits(settings))
    .filter((excess) => QUOTA_RULE[excess.quota] === rule)
    .map((excess) => ({ address: excess.address, fix: excess.message }));
}

const QUOTA_RULE = {
  iamRolesPerAccount: 'IAM8',
  trustPolicyChars: 'IAM8',
  inlinePolicyCharsPerRole: 'IAM8',
  managedPolicyChars: 'IAM8',
  roleMappingRulesPerProvider: 'IDP8',
  principalTagClaimBytes: 'IDP8',
  groupsPerUserPool: 'QUOTA1',
  identityProvidersPerUserPool: 'QUOTA1',
  bucketPolicyBytes: 'QUOTA1',
  keyPolicyBytes: 'QUOTA1',
} as const satisfies Record<string, QuotaRuleId>;

export const QUOTA1: SecurityRule = {
  id: 'QUOTA1',
  level: 'error',
  description:
    'Cognito user-pool quotas (groups ≤ 10 000, identity providers ≤ 300 per pool, or the configured values) and policy sizes (bucket policy ≤ 20 KB, key policy ≤ 32 KB) hold at synth.',
  reason: 'A tenant list that outgrows a quota fails at apply, half-way through a deploy, or at the next tenant onboarding; the budget fails at synth and names the way out.',
  docUrl: 'https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html#resource-quotas',
  fix: 'Request the increase in Service Quotas and set quotas.<name> in the environment config to the granted value, or switch to the shared-role mode / split the tenants across environments.',
  check(stack, ctx) {
    return quotaFindings(stack, ctx, 'QUOTA1');
  },
};

export const QUOTA_RULES: readonly SecurityRule[] = [QUOTA1];

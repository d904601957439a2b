import { PolicyStatement } from '../iam-policy';
import { malformedTenantTagPatterns } from './tenant-id';

export interface TenantDataGuardContext {
  /** The principal tag that carries the tenant. */
  readonly tenantTagKey: string;
  /** The tenant data beyond S3: the table ARN, the tenant secrets' ARN pattern. */
  readonly resources: readonly string[];
  /** The services of those resources, as `service:*` (`dynamodb:*`, `secretsmanager:*`). */
  readonly actions: readonly string[];
  /** Tag values that name a fixed folder of the storage rules (reservedTenantIds). */
  readonly reserved: readonly string[];
}

/**
 * Fail closed on the table and the secrets as on the bucket: a session without a usable tenant tag
 * (absent, empty, not shaped like a tenant id, or a reserved value) gets nothing of them, whatever
 * else allows it. These are their own statements (the S3 guards stay as they are): IAM substitutes
 * the tag into leading-key patterns and secret ARNs, where `*` or `?` would widen a grant.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars
 */
export function compileTenantDataGuards(ctx: TenantDataGuardContext): PolicyStatement[] {
  if (ctx.resources.length === 0) return [];
  const tag = `aws:PrincipalTag/${ctx.tenantTagKey}`;
  const base = { Effect: 'Deny' as const, Action: ctx.actions, Resource: ctx.resources };
  return [
    { Sid: 'DenyTenantDataWithoutTenantTag', ...base, Condition: { Null: { [tag]: 'true' } } },
    { Sid: 'DenyTenantDataEmptyTenantTag', ...base, Condition: { StringEquals: { [tag]: '' } } },
    { Sid: 'DenyTenantDataMalformedTenantTag', ...base, Condition: { StringLike: { [tag]: malformedTenantTagPatterns() } } },
    ...(ctx.reserved.length > 0 ? [{ Sid: 'DenyTenantDataReservedTenantTag', ...base, Condition: { StringEqualsIgnoreCase: { [tag]: ctx.reserved } } }] : []),
  ];
}

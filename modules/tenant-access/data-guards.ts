import { PolicyStatement } from '../iam-policy';

export interface TenantDataGuardContext {
  /** The principal tag that carries the tenant. */
  readonly tenantTagKey: string;
  /** The tenant data beyond S3: the table ARN, the tenant secrets' ARN pattern. */
  readonly resources: readonly string[];
  /** The services of those resources, as `service:*` (`dynamodb:*`, `secretsmanager:*`). */
  readonly actions: readonly string[];
}

/**
 * Fail closed on the table and the secrets as on the bucket: a session without a tenant tag gets
 * nothing of them, whatever else allows it, also where tenant-less users are served (their absent-tag
 * Denies on the bucket spare their own folders; nothing of the table or the secrets is theirs). This
 * is its own statement, never narrowed. An empty, malformed or reserved tag is denied the table and
 * the secrets by the same statements that deny it the bucket and the key (`compileStorageAccess`
 * with `CompileContext.dataTargets`): one copy of the malformed-tag pattern list per role, which
 * keeps a tier role's inline policy under IAM's 10 240 characters. IAM substitutes the tag into
 * leading-key patterns and secret ARNs, where `*` or `?` would widen a grant.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars
 */
export function compileTenantDataGuards(ctx: TenantDataGuardContext): PolicyStatement[] {
  if (ctx.resources.length === 0) return [];
  const tag = `aws:PrincipalTag/${ctx.tenantTagKey}`;
  return [{ Sid: 'DenyTenantDataWithoutTenantTag', Effect: 'Deny', Action: ctx.actions, Resource: ctx.resources, Condition: { Null: { [tag]: 'true' } } }];
}

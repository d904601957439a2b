import { PolicyStatement } from '../iam-policy';
import { CompileContext, compileStorageAccess, RoleAccess, rulesForGroups } from './access-rules';
import { compileTenantDataGuards } from './data-guards';
import { AccessRule, rulesByTarget } from './rule-targets';
import { allTenantSecretsArn, compileSecretAccessRules } from './secret-rules';
import { compileTableAccessRules } from './table-rules';

/** Where the targets beyond the bucket live, when the stack has them. */
export interface RoleCompileContext extends CompileContext {
  /** The tenant table: its ARN and name (references). @default - no table */
  readonly table?: { readonly tableArn: string; readonly tableName: string };
  /** A tenant secret's ARN up to its tenant id (see `SecretCompileContext`). @default - no tenant secrets */
  readonly secretArnPrefix?: string;
}

/**
 * Compiles the rules of every target (bucket keys, table keys, secrets) into the identity policy of
 * one end-user role (see `RoleAccess`). This is the one place a role's policy is assembled, so the
 * shared role, a tier role, a tenant's role and the default role of role-per-tenant mode are built
 * from the same rules with the same scope:
 * - the shared and tier roles name `{tenant}` by principal tag (tier roles: the same tenant data as
 *   the shared role, plus their groups' rules);
 * - a tenant's role names its literal id (`acme/*`, `acme#*`, the secret of `acme`) and denies every
 *   other tenant tag on all of its targets;
 * - a role without a tenant (the default role of role-per-tenant mode) gets nothing of any tenant:
 *   every target's rule names `{tenant}`, so none is granted.
 * The tenant-data guards stay on every role: a session without a tenant tag never reaches the table
 * or the secrets (`DenyTenantDataWithoutTenantTag`, never narrowed, even where tenant-less users are
 * served), and the empty, malformed and reserved tag Denies cover them beside the bucket and the key.
 */
export function compileRoleAccess(rules: readonly AccessRule[], ctx: RoleCompileContext, access: RoleAccess): PolicyStatement[] {
  const { storage, table, secret } = rulesByTarget(rules);
  const problems: string[] = [];
  if (table.length > 0 && ctx.table === undefined) problems.push(`${table.length} table rule(s) but no table: pass ctx.table or drop the table rules.`);
  if (secret.length > 0 && ctx.secretArnPrefix === undefined) problems.push(`${secret.length} secret rule(s) but no tenant secrets: pass ctx.secretArnPrefix or drop the secret rules.`);
  if (problems.length > 0) throw new Error(`Invalid access rules:\n  - ${problems.join('\n  - ')}`);

  const groups = access.groups ?? [];
  const secretArnPrefix = ctx.secretArnPrefix;
  const dataResources = [...(ctx.table ? [ctx.table.tableArn] : []), ...(secretArnPrefix === undefined ? [] : [allTenantSecretsArn(secretArnPrefix)])];
  const dataActions = [...(ctx.table ? ['dynamodb:*'] : []), ...(secretArnPrefix === undefined ? [] : ['secretsmanager:*'])];
  const statements = compileStorageAccess(storage, { ...ctx, dataTargets: { actions: dataActions, resources: dataResources } }, access);
  const tenant = access.tenant;
  // Stryker disable next-line ConditionalExpression: `ctx.table !== undefined` → true is equivalent: without a table there are no table rules (refused above), and compiling no rules yields nothing; the check narrows the type. The tenant check's variants (and the whole condition's) are killed by 'gives the default role of role-per-tenant mode nothing of any tenant' and 'gives a tier role its groups' table and secret rules'.
  if (ctx.table !== undefined && tenant !== undefined) {
    statements.push(...compileTableAccessRules(rulesForGroups(table, groups), { ...ctx.table, keyArn: ctx.keyArn, region: ctx.region, scope: tenant }));
  }
  // Stryker disable next-line ConditionalExpression: `secretArnPrefix !== undefined` → true is equivalent: without tenant secrets there are no secret rules (refused above), and compiling no rules yields nothing; the check narrows the type. The tenant check's variants are killed as on the table line.
  if (secretArnPrefix !== undefined && tenant !== undefined) {
    statements.push(...compileSecretAccessRules(rulesForGroups(secret, groups), { secretArnPrefix, keyArn: ctx.keyArn, region: ctx.region, tenantTagKey: ctx.tenantTagKey, scope: tenant }));
  }
  statements.push(...compileTenantDataGuards({ tenantTagKey: ctx.tenantTagKey, resources: dataResources, actions: dataActions }));

  if (tenant !== undefined && 'tenantId' in tenant) {
    // Role per tenant: the role is bound to its tenant twice. The identity pool picks it from the
    // user's group; the session must also carry that tenant's tag (set by the tenant-claim trigger),
    // so a wrong group membership alone reaches nothing, on any target. A missing tag matches
    // StringNotEquals too.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
    statements.push({
      Sid: 'DenyTagOfAnotherTenant',
      Effect: 'Deny',
      Action: ['s3:*', 'kms:*', ...dataActions],
      Resource: [ctx.bucketArn, `${ctx.bucketArn}/*`, ctx.keyArn, ...dataResources],
      Condition: { StringNotEquals: { [`aws:PrincipalTag/${ctx.tenantTagKey}`]: tenant.tenantId } },
    });
  }
  return statements;
}

import { createHash } from 'node:crypto';
import { QUOTAS, quotaExcessMessage, QuotaSettings } from '../quota-budget/quota-budget';
import { StorageAccessRule, validateAccessRules } from '../tenant-access/access-rules';
import { selfSignUpMode } from '../tenant-sign-up/sign-up-mode';

/** A tier: a user-pool group with a role of its own. */
export interface Tier {
  /** The group name and the role-name part. */
  readonly name: string;
  /** Cognito group precedence: when a user is in several groups, the lowest number wins. */
  readonly precedence: number;
}

/** A tier rule as the config states it: a key pattern, the tiers it grants to, the actions. */
export interface TierRule {
  readonly pattern: string;
  readonly groups: readonly string[];
  readonly actions: readonly StorageAccessRule['actions'][number][];
}

/** What the end-user roles of an environment are planned from (a subset of its config). */
export interface EndUserRolesConfig {
  readonly namePrefix: string;
  readonly isolation: 'shared-role' | 'role-per-tenant';
  /** The tenants; `selfSignUp` only decides whether the tenant-sign-up trigger exists (`selfSignUpMode`). */
  readonly tenants: ReadonlyArray<{ readonly id: string; readonly selfSignUp?: unknown }>;
  /** `true` = DEFAULT_TIERS. */
  readonly tiers?: true | readonly Tier[] | undefined;
  /** @default DEFAULT_TIER_RULES (when tiers are set) */
  readonly tierRules?: readonly TierRule[] | undefined;
  /** Users without a tenant are served. @default false */
  readonly tenantlessUsers?: boolean | undefined;
  /** The environment's quotas (`quotas`): roles in the account, roles outside the stack, groups per pool. @default - the AWS defaults */
  readonly quotas?: QuotaSettings | undefined;
  /** Google or Apple sign-in: the account-linking trigger's role. @default - none */
  readonly socialSignIn?: { readonly google?: unknown; readonly apple?: unknown } | undefined;
  /** Self sign-up: the tenant-sign-up trigger's role when a tenant is open for sign-up (`selfSignUpMode`). @default - off */
  readonly selfSignUp?: { readonly enabled: boolean } | undefined;
}

/**
 * Document 002: paid wins over free (lower precedence number), so a user in both groups receives the
 * paid role, which carries the free rules too.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-user-groups.html#assigning-precedence-values-to-groups
 */
export const DEFAULT_TIERS: readonly Tier[] = [
  { name: 'paid', precedence: 10 },
  { name: 'free', precedence: 20 },
];

/** Document 002: free and paid write `users/<identity>/free/`; only paid writes `users/<identity>/premium/`. */
export const DEFAULT_TIER_RULES: readonly TierRule[] = [
  { pattern: 'users/{identity}/free/*', groups: ['free', 'paid'], actions: ['write'] },
  { pattern: 'users/{identity}/premium/*', groups: ['paid'], actions: ['write'] },
];

/** IAM role names are at most 64 characters. https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html */
export const MAX_ROLE_NAME_LENGTH = 64;

/**
 * The Cognito triggers an environment's stack creates, each with an execution role of its own
 * (CognitoTrigger): the tenant-claim trigger always, account linking with Google or Apple, tenant
 * sign-up with self sign-up into a tenant (not with sign-up of users without a tenant, which needs
 * no trigger: `selfSignUpMode`). The loader counts these roles; the quota budget counts the synthesized
 * ones, and __tests__/quota-budget.test.ts checks that the two agree.
 */
export function plannedTriggerRoles(config: Pick<EndUserRolesConfig, 'socialSignIn' | 'selfSignUp'> & { readonly tenants?: ReadonlyArray<{ readonly selfSignUp?: unknown }> | undefined }): string[] {
  return [
    'tenant-claim',
    ...(config.socialSignIn?.google || config.socialSignIn?.apple ? ['account-linking'] : []),
    ...(selfSignUpMode(config) === 'into-tenant' ? ['tenant-sign-up'] : []),
  ];
}

/** The tiers of an environment: none, the default pair, or the declared list. */
export function tiersOf(config: Pick<EndUserRolesConfig, 'tiers'>): readonly Tier[] {
  return config.tiers === undefined ? [] : config.tiers === true ? DEFAULT_TIERS : config.tiers;
}

/** The tier rules as access rules (group-scoped principals); none without tiers. */
export function tierAccessRules(config: Pick<EndUserRolesConfig, 'tiers' | 'tierRules'>): StorageAccessRule[] {
  if (tiersOf(config).length === 0) return [];
  return (config.tierRules ?? DEFAULT_TIER_RULES).map((rule) => ({ pattern: rule.pattern, principal: { groups: [...rule.groups] }, actions: [...rule.actions] }));
}

/** One user-pool group with its role. */
export interface PlannedGroupRole {
  readonly kind: 'tier' | 'tenant';
  /** The tier name or the tenant id: what the construct id is keyed by. */
  readonly key: string;
  readonly groupName: string;
  readonly precedence: number;
  readonly roleName: string;
}

/**
 * `<prefix>-<env>-tier.<name>` / `<prefix>-<env>-tenant.<id>`. The data perimeter admits these roles
 * by pattern (`<prefix>-<env>-tenant.*`), so no other role may ever match one: the "." is in no other
 * role name of any stack (trigger roles are named after their functions, and Lambda function names,
 * name prefixes, environment names, tier names and tenant ids have no "."), so neither a trigger
 * role (`<prefix>-<env>-tenant-claim`) nor a role of an environment whose name starts like this one
 * (`<prefix>-<env>-tenant-…`) can fall inside the pattern. The CI apply role's `<prefix>-<env>-*`
 * still covers the names.
 */
export function groupRoleName(namePrefix: string, environment: string, kind: PlannedGroupRole['kind'], key: string): string {
  return `${namePrefix}-${environment}-${kind}.${key}`;
}

/**
 * The name of every IAM role an environment's stack creates: the authenticated role, the trigger
 * roles (named after their functions, `<prefix>-<env>-<trigger>`) and the group roles. The loader
 * refuses a plan where two are equal (IAM role names are unique per account, case-insensitively).
 */
export function plannedRoleNames(environment: string, config: EndUserRolesConfig): Array<{ readonly name: string; readonly what: string }> {
  const base = `${config.namePrefix}-${environment}`;
  return [
    { name: `${base}-authenticated`, what: 'the authenticated role' },
    ...plannedTriggerRoles(config).map((trigger) => ({ name: `${base}-${trigger}`, what: `the ${trigger} trigger role` })),
    ...plannedGroupRoles(environment, config).map((role) => ({ name: role.roleName, what: `the role of ${role.kind} ${JSON.stringify(role.key)}` })),
  ];
}

/** The group of a tenant in role-per-tenant mode. */
export function tenantGroupName(tenantId: string): string {
  return `tenant-${tenantId}`;
}

/**
 * A tenant group's precedence, from its id alone: adding or removing a tenant changes no other
 * tenant's group (an index would renumber them all). Unique precedences keep UP7; the loader reports
 * the (astronomically unlikely) collision. A user belongs to one tenant group; were they in two, the
 * role of the other tenant still refuses their tenant tag.
 */
export function tenantGroupPrecedence(tenantId: string): number {
  return 1000 + (createHash('sha256').update(tenantId).digest().readUInt32BE(0) % 2_000_000_000);
}

/** The user-pool groups with a role that an environment needs: one per tier, or one per tenant. */
export function plannedGroupRoles(environment: string, config: EndUserRolesConfig): PlannedGroupRole[] {
  if (config.isolation === 'role-per-tenant') {
    return config.tenants.map((tenant) => ({
      kind: 'tenant',
      key: tenant.id,
      groupName: tenantGroupName(tenant.id),
      precedence: tenantGroupPrecedence(tenant.id),
      roleName: groupRoleName(config.namePrefix, environment, 'tenant', tenant.id),
    }));
  }
  return tiersOf(config).map((tier) => ({
    kind: 'tier',
    key: tier.name,
    groupName: tier.name,
    precedence: tier.precedence,
    roleName: groupRoleName(config.namePrefix, environment, 'tier', tier.name),
  }));
}

export interface EndUserRoleLimits {
  /** Roles the account may hold. @default - `quotas.iamRolesPerAccount` of the config, else the AWS default (QUOTAS) */
  readonly roleQuota?: number;
  /** Roles the environment creates besides end-user roles. @default - its trigger roles (`plannedTriggerRoles`) */
  readonly otherRoles?: number;
  /** The access rules the tier rules join. @default - none */
  readonly accessRules?: readonly StorageAccessRule[];
}

/**
 * Every problem with an environment's tiers, isolation mode and the roles and groups they need, as
 * sentences naming the field, the value and the fix. Empty when the plan fits.
 */
export function endUserRoleProblems(environment: string, config: EndUserRolesConfig, limits: EndUserRoleLimits = {}): string[] {
  const problems: string[] = [];
  const tiers = tiersOf(config);
  if (config.isolation === 'role-per-tenant' && tiers.length > 0) {
    problems.push(
      `tiers cannot be combined with isolation "role-per-tenant" (received ${tiers.length} tiers and ${config.tenants.length} tenants): a user in a tenant group and a tier group gets only one role, the group with the lowest precedence, so they would lose either their tier or their tenant, and a role per tenant per tier multiplies roles (${tiers.length} × ${config.tenants.length}). Use tiers with the shared role, or remove tiers.`,
    );
  }
  // role-per-tenant with tenantlessUsers is allowed: a user in no tenant group gets the default role
  // from the tenant-claim trigger (modules/tenant-claim, role-override.ts), and in this mode that
  // role grants nothing of any tenant, only the user's own folders.
  const names = new Map<string, number>();
  const precedences = new Map<number, number>();
  tiers.forEach((tier, i) => {
    const where = config.tiers === true ? `tiers (default ${tier.name})` : `tiers[${i}]`;
    const sameName = names.get(tier.name);
    if (sameName !== undefined) problems.push(`${where}.name ${JSON.stringify(tier.name)} duplicates tiers[${sameName}].name: every tier needs its own name.`);
    else names.set(tier.name, i);
    const samePrecedence = precedences.get(tier.precedence);
    if (samePrecedence !== undefined) {
      problems.push(
        `${where}.precedence ${tier.precedence} equals tiers[${samePrecedence}].precedence: precedences must be unique (UP7), or a user in both groups gets no cognito:preferred_role and the identity pool denies them; give the better tier the lower number.`,
      );
    } else precedences.set(tier.precedence, i);
  });
  if (tiers.length > 0) {
    const rules = config.tierRules ?? DEFAULT_TIER_RULES;
    rules.forEach((rule, i) => {
      const where = config.tierRules === undefined ? `tierRules (default ${JSON.stringify(rule.pattern)})` : `tierRules[${i}]`;
      for (const group of rule.groups) {
        if (!names.has(group)) {
          problems.push(
            `${where}.groups names ${JSON.stringify(group)}, which tiers does not declare (declared: ${[...names.keys()].join(', ')})${config.tierRules === undefined ? ': declare tierRules for your tiers' : ': add the tier or fix the name'}.`,
          );
        }
      }
    });
    for (const problem of validateAccessRules([...(limits.accessRules ?? []), ...tierAccessRules(config)])) problems.push(`tierRules: ${problem}`);
  } else if (config.tierRules !== undefined) {
    problems.push('tierRules is set but tiers is not: declare the tiers (tiers: true for free and paid) or remove tierRules.');
  }
  const planned = plannedGroupRoles(environment, config);
  planned.forEach((role, i) => {
    if (role.roleName.length > MAX_ROLE_NAME_LENGTH) {
      const field = role.kind === 'tier' ? `tiers[${i}].name` : `tenants[${i}].id`;
      problems.push(
        `${field} ${JSON.stringify(role.key)} makes the role name ${JSON.stringify(role.roleName)} ${role.roleName.length} characters long; IAM allows ${MAX_ROLE_NAME_LENGTH}: shorten the ${role.kind === 'tier' ? 'tier name' : 'tenant id'} (at most ${MAX_ROLE_NAME_LENGTH - role.roleName.length + role.key.length} characters here) or the namePrefix.`,
      );
    }
  });
  // IAM role names are unique per account, case-insensitively: a plan with two equal names would
  // synthesize and fail at apply. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names
  const roleNames = new Map<string, string>();
  for (const role of plannedRoleNames(environment, config)) {
    const other = roleNames.get(role.name.toLowerCase());
    if (other !== undefined) problems.push(`${role.what} and ${other} would both be named ${JSON.stringify(role.name)}; IAM role names are unique in an account: rename the tier or tenant.`);
    else roleNames.set(role.name.toLowerCase(), role.what);
  }
  if (config.isolation === 'role-per-tenant') {
    const seen = new Map<number, string>();
    for (const role of planned) {
      const other = seen.get(role.precedence);
      if (other !== undefined) problems.push(`tenants: the groups of ${JSON.stringify(other)} and ${JSON.stringify(role.key)} would share precedence ${role.precedence}; rename one tenant id.`);
      else seen.set(role.precedence, role.key);
    }
  }
  // The same quotas, defaults and message as the quota budget over the synthesized stack (IAM8,
  // QUOTA1), here before anything is synthesized.
  const roleQuota = limits.roleQuota ?? config.quotas?.iamRolesPerAccount ?? QUOTAS.iamRolesPerAccount.default;
  const outside = config.quotas?.iamRolesOutsideStack ?? 0;
  const triggers = plannedTriggerRoles(config);
  const otherRoles = limits.otherRoles ?? triggers.length;
  const roles = 1 + planned.length + otherRoles + outside;
  const mode = config.isolation === 'role-per-tenant' ? `isolation "role-per-tenant" with ${config.tenants.length} tenants` : `${tiers.length} tiers`;
  if (planned.length > 0 && roles > roleQuota) {
    const parts = [
      `${planned.length} ${config.isolation === 'role-per-tenant' ? 'tenant' : 'tier'} roles`,
      'the authenticated role',
      `${otherRoles} trigger role${otherRoles === 1 ? '' : 's'}${limits.otherRoles === undefined ? ` (${triggers.join(', ')})` : ''}`,
      ...(outside > 0 ? [`${outside} outside this stack (quotas.iamRolesOutsideStack)`] : []),
    ];
    problems.push(`${mode} needs ${roles} IAM roles (${parts.join(', ')}): ${quotaExcessMessage({ quota: 'iamRolesPerAccount', address: 'the account', used: roles, limit: roleQuota })}`);
  }
  const groupQuota = config.quotas?.groupsPerUserPool ?? QUOTAS.groupsPerUserPool.default;
  if (planned.length > groupQuota) {
    problems.push(`${mode} needs ${planned.length} user-pool groups: ${quotaExcessMessage({ quota: 'groupsPerUserPool', address: 'the user pool', used: planned.length, limit: groupQuota })}`);
  }
  return problems;
}

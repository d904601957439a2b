/**
 * Tiers and role-per-tenant isolation: the plan of groups and roles (pure), the config errors (through
 * the real loader), the quotas at 10, 1 000 and 10 000 tenants, the synthesized groups, roles and
 * role mapping, and what Terraform sees when one tenant is added in each isolation mode.
 * What each role may do is proven by the simulated matrix (isolation.test.ts), not here.
 */
import {
  DEFAULT_TIER_RULES,
  DEFAULT_TIERS,
  endUserRoleProblems,
  EndUserRolesConfig,
  GroupRoles,
  plannedGroupRoles,
  plannedRoleNames,
  plannedTriggerRoles,
  tenantGroupPrecedence,
  tierAccessRules,
} from '../modules/group-roles';
import { EnvironmentConfigError, TIER_NAME_PATTERN } from '../modules/environment-config';
import { DEFAULT_ACCESS_RULES, reservedTenantIds } from '../modules/tenant-access';
import { generatedConfig, inMemoryEnvironment, removeGeneratedEnvironments, writeGeneratedEnvironments } from './helpers/generated-environment';
import { synthLoaded, synthStack } from './helpers/synth';
import { ALL_RULES } from '../modules/security-rules';
import { ruleContextFor } from '../modules/security-rules/context';

afterAll(removeGeneratedEnvironments);

const tenantIds = (count: number) => Array.from({ length: count }, (_, i) => `t${String(i).padStart(5, '0')}`);
const shared = (extra: Partial<EndUserRolesConfig> = {}): EndUserRolesConfig => ({ namePrefix: 'tenantup', isolation: 'shared-role', tenants: [{ id: 'acme' }, { id: 'globex' }], ...extra });

/** Every problem the real loader reports for one generated environment, one string. */
function loadProblems(name: string, config: Record<string, unknown>): string {
  try {
    writeGeneratedEnvironments({ [name]: config });
  } catch (error) {
    expect(error).toBeInstanceOf(EnvironmentConfigError);
    return (error as EnvironmentConfigError).problems.join('\n');
  }
  throw new Error('expected the configuration to be rejected');
}

describe('plannedGroupRoles', () => {
  it('plans no group without tiers in shared-role mode', () => {
    expect(plannedGroupRoles('dev', shared())).toEqual([]);
  });

  it('plans one group and role per tier, named after the tier; paid wins over free (lower precedence)', () => {
    expect(plannedGroupRoles('dev', shared({ tiers: true }))).toEqual([
      { kind: 'tier', key: 'paid', groupName: 'paid', precedence: 10, roleName: 'tenantup-dev-tier.paid' },
      { kind: 'tier', key: 'free', groupName: 'free', precedence: 20, roleName: 'tenantup-dev-tier.free' },
    ]);
    expect(DEFAULT_TIERS.find((t) => t.name === 'paid')!.precedence).toBeLessThan(DEFAULT_TIERS.find((t) => t.name === 'free')!.precedence);
  });

  it('plans one group and role per tenant in role-per-tenant mode, with a precedence from the id alone', () => {
    const plan = plannedGroupRoles('dev', shared({ isolation: 'role-per-tenant' }));
    expect(plan.map((r) => [r.kind, r.key, r.groupName, r.roleName])).toEqual([
      ['tenant', 'acme', 'tenant-acme', 'tenantup-dev-tenant.acme'],
      ['tenant', 'globex', 'tenant-globex', 'tenantup-dev-tenant.globex'],
    ]);
    // Adding a tenant changes no other tenant's group.
    const more = plannedGroupRoles('dev', shared({ isolation: 'role-per-tenant', tenants: [{ id: 'aaa' }, { id: 'acme' }, { id: 'globex' }] }));
    expect(more.filter((r) => r.key !== 'aaa')).toEqual(plan);
    expect(tenantGroupPrecedence('acme')).toBeGreaterThanOrEqual(1000);
    expect(tenantGroupPrecedence('acme')).toBeLessThan(2 ** 31);
  });

  it('turns the default tier rules into group-scoped access rules that reserve their top folder', () => {
    expect(tierAccessRules(shared())).toEqual([]);
    expect(tierAccessRules(shared({ tiers: true }))).toEqual(DEFAULT_TIER_RULES.map((r) => ({ pattern: r.pattern, principal: { groups: r.groups }, actions: r.actions })));
    expect(reservedTenantIds([...DEFAULT_ACCESS_RULES, ...tierAccessRules(shared({ tiers: true }))])).toEqual(['private', 'users']);
  });
});

describe('endUserRoleProblems', () => {
  it('accepts the default tiers, custom tiers with their rules, and role per tenant', () => {
    expect(endUserRoleProblems('dev', shared({ tiers: true }))).toEqual([]);
    expect(
      endUserRoleProblems(
        'dev',
        shared({ tiers: [{ name: 'basic', precedence: 5 }], tierRules: [{ pattern: 'media/{identity}/*', groups: ['basic'], actions: ['read', 'write'] }] }),
      ),
    ).toEqual([]);
    expect(endUserRoleProblems('dev', shared({ isolation: 'role-per-tenant' }))).toEqual([]);
  });

  it('refuses tiers combined with role per tenant, and says why', () => {
    expect(endUserRoleProblems('dev', shared({ isolation: 'role-per-tenant', tiers: true })).join('\n')).toMatch(
      /tiers cannot be combined with isolation "role-per-tenant".*gets only one role.*lose either their tier or their tenant/,
    );
  });

  it('accepts tenant-less users with role per tenant: the tenant-claim trigger gives them the default role, which names no tenant', () => {
    expect(endUserRoleProblems('dev', shared({ isolation: 'role-per-tenant', tenantlessUsers: true }))).toEqual([]);
    expect(endUserRoleProblems('dev', shared({ tiers: true, tenantlessUsers: true }))).toEqual([]);
  });

  it('refuses equal precedences and duplicate names (UP7)', () => {
    const problems = endUserRoleProblems('dev', shared({ tiers: [{ name: 'free', precedence: 10 }, { name: 'paid', precedence: 10 }, { name: 'free', precedence: 30 }] })).join('\n');
    expect(problems).toMatch(/tiers\[1\]\.precedence 10 equals tiers\[0\]\.precedence: precedences must be unique \(UP7\)/);
    expect(problems).toMatch(/tiers\[2\]\.name "free" duplicates tiers\[0\]\.name/);
  });

  it('refuses tier rules that name an undeclared tier, and the default rules without free and paid', () => {
    expect(endUserRoleProblems('dev', shared({ tiers: [{ name: 'gold', precedence: 1 }] })).join('\n')).toMatch(
      /tierRules \(default "users\/\{identity\}\/free\/\*"\)\.groups names "free", which tiers does not declare \(declared: gold\): declare tierRules for your tiers/,
    );
    expect(
      endUserRoleProblems('dev', shared({ tiers: [{ name: 'gold', precedence: 1 }], tierRules: [{ pattern: 'g/{identity}/*', groups: ['silver'], actions: ['write'] }] })).join('\n'),
    ).toMatch(/tierRules\[0\]\.groups names "silver"/);
    expect(endUserRoleProblems('dev', shared({ tierRules: DEFAULT_TIER_RULES })).join('\n')).toMatch(/tierRules is set but tiers is not/);
  });

  it('refuses tier rules the access model refuses (no token, a wildcard, a duplicate pattern)', () => {
    const problems = endUserRoleProblems('dev', shared({ tiers: true, tierRules: [{ pattern: 'public/*', groups: ['free'], actions: ['read'] }, { pattern: 'private/{identity}/*', groups: ['paid'], actions: ['read'] }] }), {
      accessRules: DEFAULT_ACCESS_RULES,
    }).join('\n');
    expect(problems).toMatch(/tierRules: .*must contain \{tenant\} or \{identity\}/);
    expect(problems).toMatch(/tierRules: .*"private\/\{identity\}\/\*" is listed twice/);
  });

  it('refuses a role name over 64 characters, naming the field and the longest id that fits', () => {
    const long = 'a'.repeat(63);
    const problems = endUserRoleProblems('staging', shared({ isolation: 'role-per-tenant', tenants: [{ id: 'acme' }, { id: long }] })).join('\n');
    expect(problems).toMatch(new RegExp(`tenants\\[1\\]\\.id "${long}" makes the role name "tenantup-staging-tenant\\.${long}" 87 characters long; IAM allows 64: shorten the tenant id \\(at most 40 characters here\\)`));
    expect(endUserRoleProblems('staging', shared({ tiers: [{ name: 'x'.repeat(32), precedence: 1 }], tierRules: [{ pattern: 'u/{identity}/*', groups: ['x'.repeat(32)], actions: ['write'] }] }))).toEqual([]);
  });
});

describe('quotas at synth (IAM8 roles per account, Cognito groups per user pool)', () => {
  const perTenant = (count: number) => ({ ...generatedConfig(`rpt${count}`, { tenants: tenantIds(count) }), isolation: 'role-per-tenant' });

  it('loads and synthesizes role per tenant with 10 tenants: 10 groups, 11 end-user roles, one Token mapping per client', () => {
    const [environment] = writeGeneratedEnvironments({ rpt10: perTenant(10) });
    const json = synthLoaded(environment!) as any;
    expect(Object.keys(json.resource.aws_cognito_user_group)).toHaveLength(10);
    const roles = Object.values(json.resource.aws_iam_role) as any[];
    expect(roles.filter((r) => /-tenant\.t\d{5}$|-authenticated$/.test(r.name))).toHaveLength(11);
    const [attachment] = Object.values(json.resource.aws_cognito_identity_pool_roles_attachment) as any[];
    expect(attachment.role_mapping).toEqual([
      { identity_provider: expect.stringMatching(/^cognito-idp\.eu-north-1\.amazonaws\.com\/\$\{aws_cognito_user_pool\.[^}]+\.id\}:\$\{aws_cognito_user_pool_client\.[^}]+\.id\}$/), type: 'Token', ambiguous_role_resolution: 'Deny' },
    ]);
  });

  it.each([1000, 10000])('refuses role per tenant with %i tenants at load, before anything is synthesized', (count) => {
    const problems = loadProblems(`rpt${count}`, perTenant(count));
    expect(problems).toMatch(
      new RegExp(
        `rpt${count}/config\\.json: isolation "role-per-tenant" with ${count} tenants needs ${count + 2} IAM roles \\(${count} tenant roles, the authenticated role, 1 trigger role \\(tenant-claim\\)\\): quota iamRolesPerAccount .*: ${count + 2} against a limit of 1000 .*Way out: .*use the shared-role mode`,
      ),
    );
  });

  it("counts the environment's configured quotas, the roles outside the stack and every trigger role the stack creates", () => {
    const config = (extra: Partial<EndUserRolesConfig>) => shared({ isolation: 'role-per-tenant', tenants: tenantIds(95).map((id) => ({ id })), ...extra });
    // 95 tenant roles + the authenticated role + tenant-claim = 97.
    expect(endUserRoleProblems('dev', config({ quotas: { iamRolesPerAccount: 97 } }))).toEqual([]);
    expect(endUserRoleProblems('dev', config({ quotas: { iamRolesPerAccount: 96 } })).join('\n')).toMatch(/needs 97 IAM roles .*: 97 against a limit of 96/);
    expect(endUserRoleProblems('dev', config({ quotas: { iamRolesPerAccount: 100, iamRolesOutsideStack: 4 } })).join('\n')).toMatch(
      /needs 101 IAM roles \(95 tenant roles, the authenticated role, 1 trigger role \(tenant-claim\), 4 outside this stack \(quotas\.iamRolesOutsideStack\)\)/,
    );
    const triggers = { socialSignIn: { google: {} }, selfSignUp: { enabled: true }, quotas: { iamRolesPerAccount: 98 } };
    const intoTenant = { ...triggers, tenants: tenantIds(95).map((id, i) => (i === 0 ? { id, selfSignUp: { emailDomains: ['alpha.example'] } } : { id })) };
    expect(plannedTriggerRoles(intoTenant)).toEqual(['tenant-claim', 'account-linking', 'tenant-sign-up']);
    expect(endUserRoleProblems('dev', config(intoTenant)).join('\n')).toMatch(/needs 99 IAM roles .*3 trigger roles \(tenant-claim, account-linking, tenant-sign-up\)/);
    // Self sign-up with no tenant open for sign-up (users without a tenant) has no trigger, so no role.
    expect(plannedTriggerRoles(config(triggers))).toEqual(['tenant-claim', 'account-linking']);
    expect(endUserRoleProblems('dev', config(triggers))).toEqual([]);
    expect(endUserRoleProblems('dev', config({ ...triggers, quotas: { iamRolesPerAccount: 97 } })).join('\n')).toMatch(/needs 98 IAM roles .*2 trigger roles \(tenant-claim, account-linking\)/);
  });

  it('counts groups against the Cognito quota of 10 000 per user pool, or the configured one', () => {
    const problems = endUserRoleProblems('dev', shared({ isolation: 'role-per-tenant', tenants: tenantIds(10001).map((id) => ({ id })) }), { roleQuota: 100000 }).join('\n');
    expect(problems).toMatch(/needs 10001 user-pool groups: quota groupsPerUserPool \(groups in a user pool\): 10001 against a limit of 10000 .*Way out: .*use the shared-role mode/);
    expect(endUserRoleProblems('dev', shared({ isolation: 'role-per-tenant', tenants: tenantIds(12).map((id) => ({ id })), quotas: { groupsPerUserPool: 11 } })).join('\n')).toMatch(/12 against a limit of 11/);
  });

  it('reports the config errors of tiers through the loader, with the file', () => {
    const problems = loadProblems('tiered', { ...generatedConfig('tiered'), tiers: [{ name: 'free', precedence: 1 }, { name: 'paid', precedence: 1 }], isolation: 'role-per-tenant' });
    expect(problems).toMatch(/tiered\/config\.json: tiers cannot be combined/);
    expect(problems).toMatch(/tiered\/config\.json: tiers\[1\]\.precedence 1 equals tiers\[0\]\.precedence/);
    expect(loadProblems('badtier', { ...generatedConfig('badtier'), tiers: [{ name: 'Free Tier', precedence: 1 }] })).toMatch(/tiers\[0\]\.name must match .* \(received "Free Tier"\)/);
    expect(loadProblems('badmode', { ...generatedConfig('badmode'), isolation: 'per-tenant' })).toMatch(/isolation .*\(received "per-tenant"\)/);
  });

  it('refuses hostile tier names: empty, a case twin, too long, a dot or slash that would reach into the role-name pattern, a wildcard', () => {
    const hostile = ['', 'Paid', 'x'.repeat(33), 'paid.evil', 'tenant/acme', 'paid*', '-paid'];
    hostile.forEach((name, i) => {
      const problems = loadProblems(`hostile${i}`, { ...generatedConfig(`hostile${i}`), tiers: [{ name, precedence: 1 }] });
      expect(problems).toContain(`tiers[0].name must match ${TIER_NAME_PATTERN.source}`);
      expect(problems).toContain(`(received ${JSON.stringify(name)})`);
    });
  });

  it('refuses a tenant id that names a tier folder', () => {
    expect(loadProblems('usersid', { ...generatedConfig('usersid', { tenants: ['acme', 'users'] }), tiers: true })).toMatch(/tenants\[1\]\.id is reserved: the access rules use the folder "users"/);
  });
});

describe('GroupRoles in the stack', () => {
  it('keys each group and role by tier name, so renaming nothing moves nothing', () => {
    const { stack, json } = synthStack(inMemoryEnvironment('tiers', { ...generatedConfig('tiers'), tiers: true }));
    expect(stack.groupRoles).toBeInstanceOf(GroupRoles);
    const paths = (type: string) => Object.values((json as any).resource[type]).map((r: any) => r['//'].metadata.path as string).sort();
    expect(paths('aws_cognito_user_group')).toEqual(['tiers/GroupRoles/Tier-free/Group', 'tiers/GroupRoles/Tier-paid/Group']);
    expect(paths('aws_iam_role').filter((p) => p.includes('GroupRoles'))).toEqual(['tiers/GroupRoles/Tier-free/Access/Role', 'tiers/GroupRoles/Tier-paid/Access/Role']);
  });

  it('keeps the identity pool on the default role alone, with no role mapping, without groups', () => {
    const { stack, json } = synthStack(inMemoryEnvironment('plain', generatedConfig('plain')));
    expect(stack.groupRoles).toBeUndefined();
    const [attachment] = Object.values((json as any).resource.aws_cognito_identity_pool_roles_attachment) as any[];
    expect(attachment.role_mapping).toBeUndefined();
    expect((json as any).resource.aws_cognito_user_group).toBeUndefined();
    // No role override in the tenant-claim trigger: its package is what it was.
    expect(stack.tenantClaim.bindings).not.toHaveProperty('defaultRoleName');
  });

  it("tells the tenant-claim trigger the default role's name (not a reference) where groups carry roles, in both modes", () => {
    for (const settings of [{ tiers: true }, { isolation: 'role-per-tenant' }]) {
      const { stack } = synthStack(inMemoryEnvironment('mapped', { ...generatedConfig('mapped'), ...settings }));
      expect(stack.tenantClaim.bindings.defaultRoleName).toBe('tenantup-mapped-authenticated');
      expect(stack.tenantClaim.bindings.defaultRoleName).toBe(stack.access.role.nameInput);
    }
  });

  it('refuses an environment with a planning problem before creating the stack', () => {
    const environment = inMemoryEnvironment('both', { ...generatedConfig('both'), tiers: true, isolation: 'role-per-tenant' });
    expect(() => synthLoaded(environment)).toThrow(/tiers cannot be combined with isolation "role-per-tenant"/);
  });

  it('keeps the bucket policy the same size whatever the number of tenant roles (a role-name pattern in the data perimeter)', () => {
    const policyOf = (count: number) => {
      const json = synthLoaded(inMemoryEnvironment(`size${count}`, { ...generatedConfig(`size${count}`, { tenants: tenantIds(count) }), isolation: 'role-per-tenant' })) as any;
      return String((Object.values(json.resource.aws_s3_bucket_policy)[0] as any).policy).replaceAll(`size${count}`, 'sizeN');
    };
    const small = policyOf(3);
    expect(policyOf(30)).toBe(small);
    expect(small).toContain('"ArnNotLike":{"aws:PrincipalArn":[');
    expect(small).toContain(':role/tenantup-sizeN-tenant.*"');
  });
});

/**
 * What a plan shows when one tenant is added, measured on the synthesized JSON: resources added,
 * and resources whose configuration changed (an update in place or a replacement), by address.
 */
function planDiff(before: any, after: any): { added: string[]; changed: string[]; removed: string[] } {
  const flatten = (json: any) =>
    new Map(
      Object.entries(json.resource ?? {}).flatMap(([type, byName]) =>
        Object.entries(byName as Record<string, any>).map(([name, config]) => {
          const { '//': _metadata, ...rest } = config;
          return [`${type}.${name}`, JSON.stringify(rest)] as const;
        }),
      ),
    );
  const a = flatten(before);
  const b = flatten(after);
  return {
    added: [...b.keys()].filter((k) => !a.has(k)).sort(),
    changed: [...b.keys()].filter((k) => a.has(k) && a.get(k) !== b.get(k)).sort(),
    removed: [...a.keys()].filter((k) => !b.has(k)).sort(),
  };
}

describe('adding one tenant (the plan, from the synthesized JSON)', () => {
  const synth = (isolation: string, tenants: string[]) => synthLoaded(inMemoryEnvironment('onboard', { ...generatedConfig('onboard', { tenants }), isolation }));

  it('shared role: one update, the tenant-claim trigger (its bindings); no IAM change', () => {
    const diff = planDiff(synth('shared-role', ['alpha', 'bravo']), synth('shared-role', ['alpha', 'bravo', 'charlie']));
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
    expect(diff.changed).toEqual([expect.stringMatching(/^aws_lambda_function\.TenantClaim_/)]);
  });

  it("role per tenant: the new tenant's group, role and policy are added, and the same trigger update; nothing else changes", () => {
    const diff = planDiff(synth('role-per-tenant', ['alpha', 'bravo']), synth('role-per-tenant', ['alpha', 'bravo', 'charlie']));
    expect(diff.added).toEqual([
      expect.stringMatching(/^aws_cognito_user_group\.GroupRoles_Tenant-charlie_Group_/),
      expect.stringMatching(/^aws_iam_role\.GroupRoles_Tenant-charlie_Access_Role_/),
      expect.stringMatching(/^aws_iam_role_policy\.GroupRoles_Tenant-charlie_Access_Policy_/),
    ]);
    expect(diff.removed).toEqual([]);
    expect(diff.changed).toEqual([expect.stringMatching(/^aws_lambda_function\.TenantClaim_/)]);
  });
});

describe('role names and the data perimeter (no other role can match an end-user role pattern)', () => {
  /** `ArnNotLike`: `*` matches any run of characters (ARN patterns have no `?` here). */
  const matches = (pattern: string, arn: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(arn);

  it('refuses a plan where two roles would share a name (IAM compares names case-insensitively)', () => {
    const problems = endUserRoleProblems('dev', shared({ tiers: [{ name: 'Paid', precedence: 1 }, { name: 'paid', precedence: 2 }], tierRules: [] })).join('\n');
    expect(problems).toMatch(/the role of tier "paid" and the role of tier "Paid" would both be named "tenantup-dev-tier\.paid"; IAM role names are unique in an account/);
    expect(plannedRoleNames('dev', shared({ tiers: true, selfSignUp: { enabled: true }, tenants: [{ id: 'acme', selfSignUp: { emailDomains: ['acme.example'] } }, { id: 'globex' }] })).map((r) => r.name)).toEqual([
      'tenantup-dev-authenticated',
      'tenantup-dev-tenant-claim',
      'tenantup-dev-tenant-sign-up',
      'tenantup-dev-tier.paid',
      'tenantup-dev-tier.free',
    ]);
  });

  it('synthesizes tenants "claim" and "sign-up" in role-per-tenant mode with self sign-up: every role its own name, no trigger role inside the data perimeter, 0 rule errors', () => {
    const base = generatedConfig('rptclash', { tenants: ['claim', 'sign-up', 'alpha'] }) as { tenants: Record<string, unknown>[] };
    const environment = inMemoryEnvironment('rptclash', {
      ...base,
      tenants: base.tenants.map((tenant, i) => (i === 2 ? { ...tenant, selfSignUp: { emailDomains: ['alpha.example'] } } : tenant)),
      isolation: 'role-per-tenant',
      selfSignUp: { enabled: true, tenantAttributeMutable: 'new-user-pool' },
    });
    expect(endUserRoleProblems(environment.name, environment.config)).toEqual([]);
    const json = synthLoaded(environment) as any;
    const names = (Object.values(json.resource.aws_iam_role) as any[]).map((r) => String(r.name));
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['tenantup-rptclash-tenant-claim', 'tenantup-rptclash-tenant-sign-up', 'tenantup-rptclash-tenant.claim', 'tenantup-rptclash-tenant.sign-up']));
    // The perimeter of the bucket, the same list as the table's and the secrets' (DATA1).
    const bucketPolicy = JSON.parse(String((Object.values(json.resource.aws_s3_bucket_policy)[0] as any).policy));
    const perimeter = bucketPolicy.Statement.find((st: any) => st.Sid === 'DenyObjectDataToOtherPrincipals').Condition.ArnNotLike['aws:PrincipalArn'] as string[];
    const arnOf = (name: string) => perimeter[0]!.replace(/role\/.*$/, `role/${name}`);
    const inside = names.filter((name) => perimeter.some((pattern) => matches(pattern, arnOf(name))));
    expect(inside.sort()).toEqual(['tenantup-rptclash-authenticated', 'tenantup-rptclash-tenant.alpha', 'tenantup-rptclash-tenant.claim', 'tenantup-rptclash-tenant.sign-up']);
    // Nor a role of another environment whose name starts like this one's, nor one its apply role could create.
    for (const foreign of ['tenantup-rptclash-tenant-evil', 'tenantup-rptclash-t-evil', 'tenantup-rptclash-evil']) {
      expect(perimeter.some((pattern) => matches(pattern, arnOf(foreign)))).toBe(false);
    }
    const ctx = ruleContextFor(environment);
    const errors = ALL_RULES.filter((rule) => rule.level === 'error').flatMap((rule) => rule.check(json, ctx).map((f) => `${rule.id} ${f.address}: ${f.fix}`));
    expect(errors).toEqual([]);
  });
});

import { validateEnvironment } from '../modules/environment-config';
import { plannedGroupRoles, plannedTriggerRoles } from '../modules/group-roles';
import { QUOTA_IDS, QuotaId, quotaExcesses, quotaHeadroom, quotaLimits, QUOTAS, measureQuotas } from '../modules/quota-budget';
import { ruleContextFor, runRules } from '../modules/security-rules';
import { generatedConfig, inMemoryEnvironment, removeGeneratedEnvironments, unusedEnvironmentName, writeGeneratedEnvironments } from './helpers/generated-environment';
import { repositoryEnvironments, synthChecked, synthLoaded } from './helpers/synth';

/**
 * Isolation modes the budget is proven in. Each turns a generated config into that mode and says
 * which quotas it expects to go over (with the AWS defaults) at a tenant count: at synth (the
 * synthesized JSON's budget), or already at load (the loader counts the roles and groups the mode
 * plans, with the same quotas, defaults and message).
 */
interface IsolationModeCase {
  readonly mode: string;
  readonly configure: (config: Record<string, unknown>) => Record<string, unknown>;
  readonly expectedExcesses: (tenants: number) => QuotaId[];
  /** Quotas the loader refuses the config for at this tenant count. @default - none */
  readonly refusedAtLoad?: (tenants: number) => QuotaId[];
}
const MODES: readonly IsolationModeCase[] = [
  // One role for every tenant, told apart by the principal tag: nothing grows with the tenant count
  // but the tenant-claim trigger's bindings, which live in its package, not in a policy.
  { mode: 'shared-role', configure: (config) => config, expectedExcesses: () => [] },
  // A group and a role per tenant (and the table and secrets, which every tenant role is granted):
  // roles = tenants + the authenticated role + the tenant-claim trigger's role.
  {
    mode: 'role-per-tenant',
    configure: (config) => ({ ...config, isolation: 'role-per-tenant', table: {}, tenantSecrets: {} }),
    expectedExcesses: () => [],
    refusedAtLoad: (n) => [...(n + 2 > QUOTAS.iamRolesPerAccount.default ? ['iamRolesPerAccount' as const] : []), ...(n > QUOTAS.groupsPerUserPool.default ? ['groupsPerUserPool' as const] : [])],
  },
];
const TENANT_COUNTS = [10, 1000, 10000] as const;

const tenantIds = (n: number) => Array.from({ length: n }, (_, i) => `t${String(i).padStart(5, '0')}`);

describe.each(MODES)('quota budget in the $mode mode', ({ mode, configure, expectedExcesses, refusedAtLoad }) => {
  const measured = new Map<number, { ms: number; loadMs: number; headroom: ReturnType<typeof quotaHeadroom> }>();

  it.each(TENANT_COUNTS)('synthesizes %i generated tenants within the AWS default quotas (or over exactly the expected ones, or refuses them at load naming the quota)', (count) => {
    // One name for every count, so names (in ARNs and policies) do not differ by the count's digits.
    // Through the loader's checks (schema and cross-field), as a config.json would be.
    const loadStarted = process.hrtime.bigint();
    const { environment, problems } = validateEnvironment('quota', configure(generatedConfig('quota', { tenants: tenantIds(count) })));
    const loadMs = Number(process.hrtime.bigint() - loadStarted) / 1e6;
    const refused = refusedAtLoad?.(count) ?? [];
    if (refused.length > 0) {
      // A clear error: the quota, the count, the limit and the way out, before anything is synthesized.
      expect(environment).toBeUndefined();
      expect(problems).toHaveLength(refused.length);
      for (const quota of refused) {
        const limit = QUOTAS[quota].default;
        const used = quota === 'iamRolesPerAccount' ? count + 2 : count;
        expect(problems.join('\n')).toContain(`quota ${quota} (${QUOTAS[quota].what}): ${used} against a limit of ${limit}`);
      }
      expect(problems.join('\n')).toMatch(/Way out: request an increase of IAM "Roles per account" in Service Quotas .* or use the shared-role mode/);
      console.info(`${mode}, ${count} tenants, refused at load in ${Math.round(loadMs)} ms:\n  ${problems.join('\n  ')}`);
      return;
    }
    expect(problems).toEqual([]);
    const started = process.hrtime.bigint();
    const stack = synthLoaded(environment!);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const headroom = quotaHeadroom(stack);
    measured.set(count, { ms, loadMs, headroom });
    expect(quotaExcesses(stack).map((e) => e.quota).sort()).toEqual(expectedExcesses(count).sort());
    // Every quota the stack has a resource for is measured; the rules agree with the budget.
    expect(headroom.map((u) => u.quota)).toEqual(expect.arrayContaining(['iamRolesPerAccount', 'trustPolicyChars', 'inlinePolicyCharsPerRole', 'principalTagClaimBytes', 'bucketPolicyBytes', 'keyPolicyBytes', 'groupsPerUserPool', 'identityProvidersPerUserPool']));
    const quotaErrors = runRules(stack, ruleContextFor(environment!)).errors.filter((e) => ['IAM8', 'IDP8', 'QUOTA1'].includes(e.rule.id));
    expect(quotaErrors.length).toBe(expectedExcesses(count).length);
    // The loader counted the roles the stack really creates: end-user roles and trigger roles.
    const roles = Object.keys(stack.resource?.aws_iam_role ?? {}).length;
    expect(roles).toBe(1 + plannedGroupRoles('quota', environment!.config).length + plannedTriggerRoles(environment!.config).length);
    if (mode === 'role-per-tenant') console.info(`${mode}, ${count} tenants: ${roles} roles, ${headroom.map((u) => `${u.quota} ${u.used}/${u.limit}`).join(', ')}`);
  });

  it('does not grow the policies with the tenant count where the mode shares one role', () => {
    if (mode !== 'shared-role') return;
    const small = measured.get(TENANT_COUNTS[0])!.headroom;
    const large = measured.get(TENANT_COUNTS[TENANT_COUNTS.length - 1])!.headroom;
    expect(large).toEqual(small);
    // The measured numbers, for the report (printed once per run).
    console.info(
      `${mode}: ` +
        [...measured].map(([n, m]) => `${n} tenants: load ${Math.round(m.loadMs)} ms, synth ${Math.round(m.ms)} ms`).join(', ') +
        '\n' +
        large.map((u) => `  ${u.quota}: ${u.used} / ${u.limit} (${u.address})`).join('\n'),
    );
  });
});

describe('quota budget: the loader counts the roles the stack creates', () => {
  it('plans exactly the synthesized roles in every repository environment and with every trigger (social sign-in, self sign-up)', () => {
    const base = generatedConfig('triggers') as { tenants: Record<string, unknown>[] };
    const withTriggers = inMemoryEnvironment('triggers', {
      ...base,
      tenants: base.tenants.map((tenant, i) => (i === 0 ? { ...tenant, selfSignUp: { emailDomains: ['alpha.example'] } } : tenant)),
      tiers: true,
      tenantlessUsers: true,
      socialSignIn: { google: { clientId: 'client.apps.googleusercontent.com', clientSecret: { ssmParameter: '/x/google' } } },
      selfSignUp: { enabled: true, tenantAttributeMutable: 'new-user-pool' },
    });
    // Self sign-up of users without a tenant: no tenant open for sign-up, so no sign-up trigger.
    const consumer = inMemoryEnvironment('consumer', {
      ...base,
      tiers: true,
      tenantlessUsers: true,
      socialSignIn: { google: { clientId: 'client.apps.googleusercontent.com', clientSecret: { ssmParameter: '/x/google' } } },
      selfSignUp: { enabled: true },
    });
    expect(plannedTriggerRoles(consumer.config)).toEqual(['tenant-claim', 'account-linking']);
    for (const environment of [...repositoryEnvironments(), withTriggers, consumer]) {
      const stack = synthLoaded(environment);
      const planned = 1 + plannedGroupRoles(environment.name, environment.config).length + plannedTriggerRoles(environment.config).length;
      expect({ environment: environment.name, roles: Object.keys(stack.resource?.aws_iam_role ?? {}).length }).toEqual({ environment: environment.name, roles: planned });
    }
    expect(plannedTriggerRoles(withTriggers.config)).toEqual(['tenant-claim', 'account-linking', 'tenant-sign-up']);
  });
});

describe('quota budget: limits and messages', () => {
  it('defaults every quota to the documented AWS default', () => {
    expect(quotaLimits().limits).toEqual({
      iamRolesPerAccount: 1000,
      trustPolicyChars: 2048,
      inlinePolicyCharsPerRole: 10240,
      managedPolicyChars: 6144,
      roleMappingRulesPerProvider: 25,
      groupsPerUserPool: 10000,
      identityProvidersPerUserPool: 300,
      principalTagClaimBytes: 460,
      bucketPolicyBytes: 20480,
      keyPolicyBytes: 32768,
    });
    for (const id of QUOTA_IDS) expect(QUOTAS[id].docUrl).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });

  it('counts the roles outside the stack against the account quota', () => {
    const stack = synthLoaded(inMemoryEnvironment('quota', generatedConfig('quota')));
    const roles = Object.keys((stack.resource as Record<string, object>).aws_iam_role ?? {}).length;
    const usage = measureQuotas(stack, quotaLimits({ iamRolesOutsideStack: 998 - roles + 1 })).find((u) => u.quota === 'iamRolesPerAccount')!;
    expect(usage.used).toBe(999);
    const [excess] = quotaExcesses(stack, quotaLimits({ iamRolesOutsideStack: 1001 - roles }));
    expect(excess?.message).toBe(
      `quota iamRolesPerAccount (IAM roles in the account (this stack plus quotas.iamRolesOutsideStack)): 1001 against a limit of 1000 (AWS default 1000; 1 over). ` +
        'Way out: request an increase of IAM "Roles per account" in Service Quotas and set quotas.iamRolesPerAccount in the environment config to the granted value, or use the shared-role mode (one role, tenants told apart by the principal tag) or fewer tiers. ' +
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html',
    );
  });

  it('validates the quotas key: whole numbers, quotas AWS does not raise at most their default, no unknown key', () => {
    const config = generatedConfig('dev') as Record<string, unknown>;
    config.quotas = { iamRolesPerAccount: 2500, trustPolicyChars: 5000, managedPolicyChars: 7000, iamRolesOutsideStack: -1, groupsPerUserPool: 1.5, roleMapingRules: 30 };
    const problems = validateEnvironment('dev', config, { source: 'environments/dev/config.json' }).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/quotas\.trustPolicyChars .*4096.*\(received 5000\)/),
        expect.stringMatching(/quotas\.managedPolicyChars .*6144.*\(received 7000\)/),
        expect.stringMatching(/quotas\.iamRolesOutsideStack .*\(received -1\)/),
        expect.stringMatching(/quotas\.groupsPerUserPool .*\(received 1\.5\)/),
        expect.stringMatching(/quotas\.roleMapingRules is not a known key.*did you mean "roleMappingRulesPerProvider"\?|quotas\.roleMapingRules is not a known key/),
      ]),
    );
    expect(problems).toHaveLength(5);
  });
});

describe('quota budget at checked synth', () => {
  afterAll(() => removeGeneratedEnvironments());

  it('fails the synth, writes nothing, and names the quota, the count, the limit and the way out', () => {
    const name = unusedEnvironmentName('quotaover', repositoryEnvironments().map((e) => e.name));
    const config = { ...generatedConfig(name), quotas: { iamRolesPerAccount: 1000, iamRolesOutsideStack: 999 } };
    const [environment] = writeGeneratedEnvironments({ [name]: config });
    const result = synthChecked([environment!]);
    expect(result.errorCount).toBeGreaterThan(0);
    expect(result.stacks.size).toBe(0);
    expect(result.log.join('\n')).toMatch(new RegExp(`ERROR IAM8 ${name} aws_iam_role\\.\\S+: .*quota iamRolesPerAccount .*: \\d+ against a limit of 1000 .*Roles per account.* in Service Quotas`));
  });

  it('publishes the same environment once the quota is raised in its config', () => {
    const name = unusedEnvironmentName('quotaraised', repositoryEnvironments().map((e) => e.name));
    const config = { ...generatedConfig(name), quotas: { iamRolesPerAccount: 1500, iamRolesOutsideStack: 999 } };
    const [environment] = writeGeneratedEnvironments({ [name]: config });
    const result = synthChecked([environment!]);
    expect(result.errorCount).toBe(0);
    expect(result.stacks.size).toBe(1);
  });
});

/**
 * CI access through GitHub OIDC (modules/account-config, modules/github-ci-access,
 * modules/ci-access-stack): one stack per folder under accounts/, declared like an environment.
 * Accounts and environments here are generated into temporary folders and go through the real
 * loaders and the checked synth with the CI rules, as main.ts runs them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TerraformElement, TerraformStack, Testing } from 'cdktf';
import { AccountConfigError, LoadedAccount, loadAccounts } from '../modules/account-config';
import { CiAccessStack } from '../modules/ci-access-stack';
import type { LoadedEnvironment } from '../modules/environment-config';
import { ciPolicySizes, GithubCiAccess, githubSubject } from '../modules/github-ci-access';
import { accountRuleContext, CI1, CI2, CI3, CI4, CI5, CI6, CI7, CI_ACCESS_RULES, runRules, SecurityRule, synthesizeChecked } from '../modules/security-rules';
import { listStacks } from '../scripts/stacks';
import { generatedConfig, removeGeneratedEnvironments, writeGeneratedEnvironments } from './helpers/generated-environment';
import { parsePolicy, resources, StackJson } from './helpers/module-stack';
import { editableCopy, REPO_ROOT } from './helpers/synth';

const REGION = 'eu-north-1';
const STATE_BUCKET = 'tenantup-terraform-state';
const created: string[] = [];
afterAll(() => {
  created.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
  removeGeneratedEnvironments();
});

const accountConfig = (overrides: Record<string, unknown> = {}) => ({
  region: REGION,
  namePrefix: 'tenantup',
  github: { owner: 'example-org', repository: 'tenant-uploads' },
  stateBucket: STATE_BUCKET,
  environments: ['qa', 'vault'],
  ...overrides,
});

/** Environments qa and vault with their state in STATE_BUCKET, loaded by the real loader. */
const environments = writeGeneratedEnvironments({
  qa: generatedConfig('qa', { remoteBackend: true, region: REGION }),
  vault: generatedConfig('vault', { remoteBackend: true, region: REGION, protected: true }),
  local: generatedConfig('local', { region: REGION }),
  // Names that would overlap: tenantup-qa-* covers tenantup-qa-eu-*, tenantup-github-* is the CI roles'.
  'qa-eu': generatedConfig('qa-eu', { remoteBackend: true, region: REGION }),
  github: generatedConfig('github', { remoteBackend: true, region: REGION }),
  // Tenant data and social sign-in from an SSM parameter and a Secrets Manager secret.
  lab: withSocialSignIn('lab', { apple: 'tenantup/lab/sign-in-with-apple' }),
  ledger: withSocialSignIn('ledger', { apple: `arn:aws:secretsmanager:${REGION}:123456789012:secret:tenantup/ledger/sign-in-with-apple-Xy12Ab` }),
  // A social secret that is a tenant secret of lab: CI would hand a tenant's secret to pull requests.
  leak: withSocialSignIn('leak', { apple: 'tenantup-lab/tenant/alpha/secret' }),
});

/** A generated environment with the tenant table, tenant secrets and Google (SSM) and Apple (Secrets Manager) sign-in. */
function withSocialSignIn(name: string, sources: { apple: string }) {
  return {
    ...generatedConfig(name, { remoteBackend: true, region: REGION }),
    tenantlessUsers: true,
    socialSignIn: {
      google: { clientId: `123456789012-${name}.apps.googleusercontent.com`, clientSecret: { ssmParameter: `/tenantup/${name}/google-client-secret` } },
      apple: { servicesId: `com.example.${name}.signin`, teamId: 'A1B2C3D4E5', keyId: 'K1L2M3N4O5', privateKey: { secretsManagerSecret: sources.apple, jsonKey: 'privateKey' } },
    },
    table: { leadingKey: 'prefix', actions: ['read', 'write', 'delete'] },
    tenantSecrets: { recoveryWindowInDays: 30 },
  };
}

/** Writes <tmp root>/accounts/<name>/config.json for each entry and loads them against `envs`. */
function accounts(configs: Record<string, unknown>, envs: readonly LoadedEnvironment[] = environments): LoadedAccount[] {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'accounts-'));
  created.push(root);
  for (const [name, config] of Object.entries(configs)) {
    fs.mkdirSync(path.join(root, 'accounts', name), { recursive: true });
    fs.writeFileSync(path.join(root, 'accounts', name, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  }
  return loadAccounts(root, envs);
}

function problemsOf(configs: Record<string, unknown>): string {
  try {
    accounts(configs);
  } catch (error) {
    expect(error).toBeInstanceOf(AccountConfigError);
    return (error as AccountConfigError).problems.join('\n');
  }
  throw new Error('expected the account configuration to be rejected');
}

/** main.ts's path for one account: the checked synth with the account's rule context. */
function synthAccount(account: LoadedAccount) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'account-synth-'));
  created.push(outdir);
  const result = synthesizeChecked((app) => new CiAccessStack(app, { account }), {
    contexts: [accountRuleContext(account)],
    outdir,
    app: { stackTraces: false },
    log: () => undefined,
  });
  const stack = result.published ? (JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', account.stackName, 'cdk.tf.json'), 'utf8')) as StackJson) : undefined;
  return { result, stack, outdir };
}

const only = (stack: StackJson, type: string) => {
  const found = resources(stack, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
};
const roleNamed = (stack: StackJson, name: string) => resources(stack, 'aws_iam_role').find(([, r]) => r.name === name)!;
const policyOfRole = (stack: StackJson, roleAddress: string) =>
  resources(stack, 'aws_iam_role_policy').find(([, p]) => p.role === `\${${roleAddress}.id}`)![1];
/** The managed policies the construct creates for environment `env`'s apply role, by address. */
const ownManagedPolicies = (stack: StackJson, env: string) =>
  resources(stack, 'aws_iam_policy')
    .filter(([, p]) => p.name.startsWith(`tenantup-github-apply-${env}-`))
    .map(([name]) => name);
/** The managed policies the construct creates for the plan role, one per environment, by address. */
const planManagedPolicies = (stack: StackJson) =>
  resources(stack, 'aws_iam_policy')
    .filter(([, p]) => /^tenantup-github-plan-/.test(p.name))
    .map(([name]) => name);
/** Every statement of the managed policy named `name`. */
const managedStatements = (stack: StackJson, name: string) => parsePolicy(resources(stack, 'aws_iam_policy').find(([, p]) => p.name === name)![1].policy).Statement as any[];
const attachmentsOf = (stack: StackJson, roleAddress: string) =>
  resources(stack, 'aws_iam_role_policy_attachment').filter(([, a]) => a.role === `\${${roleAddress}.name}`).map(([, a]) => a.policy_arn);

/** A copy of `stack` whose policy document `policy` (found in `copy`) went through `edit` (statements by Sid). */
function withEditedPolicy(stack: StackJson, find: (copy: any) => any, edit: (statements: any[]) => any[]): StackJson {
  const copy = editableCopy(stack);
  const policy = find(copy);
  const doc = JSON.parse(policy.policy);
  doc.Statement = edit(doc.Statement);
  policy.policy = JSON.stringify(doc);
  return copy;
}

/** The inline policy of the role named `roleName` in `copy`. */
const inlinePolicyOf = (roleName: string) => (copy: any) => {
  const roleAddress = `aws_iam_role.${roleNamed(copy, roleName)[0]}`;
  return Object.values(copy.resource.aws_iam_role_policy as Record<string, any>).find((p) => p.role === `\${${roleAddress}.id}`);
};

/** The managed policy named `name` in `copy`. */
const managedPolicyNamed = (name: string) => (copy: any) => Object.values(copy.resource.aws_iam_policy as Record<string, any>).find((p) => p.name === name);

/** Statement `sid` of a policy's statements. */
const bySid = (statements: any[], sid: string) => statements.find((st) => st.Sid === sid);

describe('CI access stack', () => {
  const [account] = accounts({ ci: accountConfig() });
  const { result, stack } = synthAccount(account);
  const s = stack!;

  it('is named account-<folder> and passes the CI rules on the checked synth', () => {
    expect(account.stackName).toBe('account-ci');
    expect(result.reports.map((r) => [r.environment, r.errors.map((e) => `${e.rule.id} ${e.finding.address}: ${e.finding.fix}`)])).toEqual([['account-ci', []]]);
    expect(result.reports[0].results.every((r) => CI_ACCESS_RULES.map((rule) => rule.id).includes(r.rule.id))).toBe(true);
    expect(stack).toBeDefined();
  });

  it('creates the GitHub OIDC provider with the thumbprint from the tls provider’s tls_certificate', () => {
    const [certName, cert] = Object.entries(s.data!.tls_certificate as Record<string, any>)[0];
    expect(cert.url).toBe('https://token.actions.githubusercontent.com/.well-known/openid-configuration');
    const [, provider] = only(s, 'aws_iam_openid_connect_provider');
    expect(provider.url).toBe('https://token.actions.githubusercontent.com');
    expect(provider.client_id_list).toEqual(['sts.amazonaws.com']);
    expect(provider.thumbprint_list).toEqual([`\${data.tls_certificate.${certName}.certificates[0].sha1_fingerprint}`]);
    expect(Object.keys((s.terraform as any).required_providers).sort()).toEqual(['aws', 'tls']);
    expect(s.provider!.tls).toBeDefined();
  });

  it('trusts pull requests of the one repository with the read-only plan role: aud and the exact sub pinned', () => {
    const [address, plan] = roleNamed(s, 'tenantup-github-plan');
    const trust = parsePolicy(plan.assume_role_policy);
    expect(trust.Statement).toEqual([
      {
        Sid: 'GitHubActions',
        Effect: 'Allow',
        Principal: { Federated: `\${aws_iam_openid_connect_provider.${only(s, 'aws_iam_openid_connect_provider')[0]}.arn}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': 'repo:example-org/tenant-uploads:pull_request' } },
      },
    ]);
    // Only its per-environment reads, which the construct creates; no ReadOnlyAccess: it reads every bucket's objects.
    expect(attachmentsOf(s, `aws_iam_role.${address}`)).toEqual(planManagedPolicies(s).map((name) => `\${aws_iam_policy.${name}.arn}`));
    expect(planManagedPolicies(s)).toHaveLength(2);
  });

  it('gives the plan role read actions only: every allowed action is a Get/List/Describe/Head, or a lock-file write', () => {
    const [address] = roleNamed(s, 'tenantup-github-plan');
    const statements = parsePolicy(policyOfRole(s, `aws_iam_role.${address}`).policy).Statement as any[];
    const allows = statements.filter((st) => st.Effect === 'Allow');
    expect(allows.every((st) => st.NotAction === undefined)).toBe(true);
    const writes = allows.flatMap((st) => [st.Action].flat().filter((a: string) => !/^[a-z0-9-]+:(Get|List|Describe|Head)/.test(a)).map((a: string) => [a, st.Resource]));
    expect(writes).toEqual([
      ['s3:PutObject', expect.arrayContaining([expect.stringMatching(/\.tflock$/)])],
      ['s3:DeleteObject', expect.arrayContaining([expect.stringMatching(/\.tflock$/)])],
    ]);
    expect(writes.flatMap(([, r]) => r).every((r: string) => r.endsWith('.tflock'))).toBe(true);
    expect(allows.flatMap((st) => [st.Action].flat())).not.toContain('kms:Decrypt');
  });

  it('denies the plan role every object read outside the state objects and lock files, and any decryption', () => {
    const [address] = roleNamed(s, 'tenantup-github-plan');
    const bucket = `\${aws_s3_bucket.${only(s, 'aws_s3_bucket')[0]}.arn}`;
    const statements = parsePolicy(policyOfRole(s, `aws_iam_role.${address}`).policy).Statement as any[];
    expect(statements.find((st) => st.Sid === 'DenyObjectReadsOutsideState')).toEqual({
      Sid: 'DenyObjectReadsOutsideState',
      Effect: 'Deny',
      Action: ['s3:GetObject*'],
      NotResource: ['qa', 'vault'].map((e) => `${bucket}/uploads/${e}.tfstate`).concat(['qa', 'vault'].map((e) => `${bucket}/uploads/${e}.tfstate.tflock`)),
    });
    expect(statements.find((st) => st.Sid === 'DenyKeyUse')).toMatchObject({ Effect: 'Deny', Action: expect.arrayContaining(['kms:Decrypt']), Resource: '*' });
  });

  it('scopes what the plan role reads to the environments’ name prefixes where the service names resources, one managed policy per environment', () => {
    const account = `\${data.aws_caller_identity.${Object.keys(s.data!.aws_caller_identity as object)[0]}.account_id}`;
    const partition = `\${data.aws_partition.${Object.keys(s.data!.aws_partition as object)[0]}.partition}`;
    for (const env of ['qa', 'vault']) {
      const statements = managedStatements(s, `tenantup-github-plan-${env}`);
      expect(statements.find((st) => st.Sid === 'ReadRoles').Resource).toEqual([`arn:${partition}:iam::${account}:role/tenantup-${env}-*`]);
      expect(statements.find((st) => st.Sid === 'ReadUploadBuckets').Resource).toEqual([`arn:${partition}:s3:::tenantup-${env}-uploads-*`]);
      expect(statements.find((st) => st.Sid === 'ReadFunctions').Resource).toEqual([`arn:${partition}:lambda:${REGION}:${account}:function:tenantup-${env}-*`]);
      expect(statements.find((st) => st.Sid === 'ReadTables').Resource).toEqual([`arn:${partition}:dynamodb:${REGION}:${account}:table/tenantup-${env}-*`]);
      expect(statements.find((st) => st.Sid === 'ReadTenantSecrets').Resource).toEqual([`arn:${partition}:secretsmanager:${REGION}:${account}:secret:tenantup-${env}/tenant/*`]);
      expect(statements.every((st) => st.Effect === 'Allow' && [st.Action].flat().every((a: string) => /^[a-z0-9-]+:(Get|List|Describe)/.test(a)))).toBe(true);
    }
  });

  it('lets the plan role read every deployed environment’s state and take its lock, and write nothing else', () => {
    const [address] = roleNamed(s, 'tenantup-github-plan');
    const bucket = `\${aws_s3_bucket.${only(s, 'aws_s3_bucket')[0]}.arn}`;
    const statements = parsePolicy(policyOfRole(s, `aws_iam_role.${address}`).policy).Statement;
    expect(statements.find((st) => st.Sid === 'ReadState')).toEqual({ Sid: 'ReadState', Effect: 'Allow', Action: 's3:GetObject', Resource: [`${bucket}/uploads/qa.tfstate`, `${bucket}/uploads/vault.tfstate`] });
    expect(statements.find((st) => st.Sid === 'TakeStateLock').Resource).toEqual([`${bucket}/uploads/qa.tfstate.tflock`, `${bucket}/uploads/vault.tfstate.tflock`]);
    const writes = statements.filter((st) => st.Effect === 'Allow' && [st.Action].flat().some((a: string) => /Put|Delete/.test(a)));
    expect(writes.flatMap((st) => st.Resource).every((r: string) => r.endsWith('.tflock'))).toBe(true);
  });

  it('creates one apply role per environment, trusting only jobs in the GitHub environment of that name, reaching only its own state', () => {
    const bucket = `\${aws_s3_bucket.${only(s, 'aws_s3_bucket')[0]}.arn}`;
    for (const env of ['qa', 'vault']) {
      const [address, role] = roleNamed(s, `tenantup-github-apply-${env}`);
      expect(address).toMatch(new RegExp(`^GithubCiAccess_ApplyRole-${env}_`)); // keyed by name, not position
      const condition = parsePolicy(role.assume_role_policy).Statement[0].Condition;
      expect(condition).toEqual({ StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': `repo:example-org/tenant-uploads:environment:${env}` } });
      // Only the two managed policies the construct creates for this environment; no AdministratorAccess by default.
      expect(attachmentsOf(s, `aws_iam_role.${address}`)).toEqual(ownManagedPolicies(s, env).map((name) => `\${aws_iam_policy.${name}.arn}`));
      const statements = parsePolicy(policyOfRole(s, `aws_iam_role.${address}`).policy).Statement as any[];
      const stateReached = statements.filter((st) => st.Effect === 'Allow').flatMap((st: any) => [st.Resource].flat()).filter((r: string) => r.startsWith(bucket));
      expect([...new Set(stateReached)].sort()).toEqual([bucket, `${bucket}/uploads/${env}.tfstate`, `${bucket}/uploads/${env}.tfstate.tflock`].sort());
      const other = env === 'qa' ? 'vault' : 'qa';
      expect(statements.find((st) => st.Sid === 'DenyOtherEnvironmentsState')).toEqual({
        Sid: 'DenyOtherEnvironmentsState',
        Effect: 'Deny',
        Action: 's3:*',
        Resource: [`${bucket}/uploads/${other}.tfstate`, `${bucket}/uploads/${other}.tfstate.tflock`],
      });
      const ciRoles = resources(s, 'aws_iam_role').map(([name]) => `\${aws_iam_role.${name}.arn}`);
      expect(statements.find((st) => st.Sid === 'DenyCiIdentityChanges').Resource).toEqual(expect.arrayContaining(ciRoles));
    }
    expect(resources(s, 'aws_iam_role')).toHaveLength(3);
  });

  it('creates the state bucket encrypted, versioned, private, TLS-only and kept on destroy', () => {
    const [name, bucket] = only(s, 'aws_s3_bucket');
    const ref = `\${aws_s3_bucket.${name}.id}`;
    expect(bucket.bucket).toBe(STATE_BUCKET);
    expect(bucket.lifecycle).toEqual({ prevent_destroy: true });
    expect(bucket.force_destroy).toBe(false);
    expect(only(s, 'aws_s3_bucket_versioning')[1]).toMatchObject({ bucket: ref, versioning_configuration: { status: 'Enabled' } });
    expect(only(s, 'aws_s3_bucket_server_side_encryption_configuration')[1].rule).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }]);
    expect(only(s, 'aws_s3_bucket_public_access_block')[1]).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(parsePolicy(only(s, 'aws_s3_bucket_policy')[1].policy).Statement[0]).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': false } } });
  });

  it('outputs the role ARNs the workflow variables take', () => {
    expect(Object.keys(s.output ?? {}).sort()).toEqual(['apply_role_arns', 'github_oidc_provider_arn', 'plan_role_arn', 'state_bucket_name']);
  });

  it('is never in the CI matrix: npm run stacks lists environment stacks only', () => {
    const { outdir } = synthAccount(account);
    expect(listStacks(outdir).map((e) => e.environment)).toEqual(['account-ci']);
    expect(listStacks(outdir, environments.map((e) => e.name))).toEqual([]);
  });
});

describe('wildcards in the GitHub subject are rejected at synth', () => {
  it.each([
    ['github.owner', { github: { owner: '*', repository: 'tenant-uploads' } }],
    ['github.repository', { github: { owner: 'example-org', repository: 'tenant-*' } }],
    ['github.repository', { github: { owner: 'example-org', repository: 'tenant-upload?' } }],
  ])('by the loader: %s', (field, overrides) => {
    expect(problemsOf({ ci: accountConfig(overrides) })).toMatch(new RegExp(`accounts/ci/config\\.json: ${field.replace('.', '\\.')} must be .*no wildcard`));
  });

  it('by the construct, before any resource is created', () => {
    expect(() => githubSubject('example-org', 'tenant-*', { pullRequest: true })).toThrow(/wildcards are rejected/);
    expect(() => githubSubject('example-org', 'tenant-uploads', { environment: 'prod*' })).toThrow(/GitHub environment "prod\*"/);
    const stack = new TerraformStack(Testing.app(), 'test');
    const build = () =>
      new GithubCiAccess(stack, 'Access', {
        githubOwner: 'example-org',
        githubRepository: 'tenant-uploads',
        stateBucketName: STATE_BUCKET,
        rolePrefix: 'x',
        environments: [{ name: '*', stateKey: 'k', namePrefix: 'tenantup', region: REGION }],
      });
    expect(build).toThrow(/wildcard/);
    expect(stack.node.findAll().filter((c) => c instanceof TerraformElement)).toEqual([]); // nothing was created
  });

  it('by rule CI1 on the synthesized JSON: a StringLike or wildcard sub, or a missing aud', () => {
    const [account] = accounts({ ci: accountConfig() });
    const original = synthAccount(account).stack!;
    const ctx = accountRuleContext(account);
    expect(runRules(original, ctx, [CI1]).errors).toEqual([]);
    const mutate = (edit: (condition: any) => void) => {
      const copy = editableCopy(original);
      const [name, role] = Object.entries(copy.resource.aws_iam_role as Record<string, any>)[0];
      const doc = JSON.parse(role.assume_role_policy);
      edit(doc.Statement[0].Condition);
      role.assume_role_policy = JSON.stringify(doc);
      return { copy, address: `aws_iam_role.${name}` };
    };
    const cases = [
      mutate((c) => (c.StringEquals['token.actions.githubusercontent.com:sub'] = 'repo:example-org/*')),
      mutate((c) => {
        c.StringLike = { 'token.actions.githubusercontent.com:sub': c.StringEquals['token.actions.githubusercontent.com:sub'] };
        delete c.StringEquals['token.actions.githubusercontent.com:sub'];
      }),
      mutate((c) => delete c.StringEquals['token.actions.githubusercontent.com:aud']),
    ];
    for (const { copy, address } of cases) {
      expect(runRules(copy, ctx, [CI1]).errors.map((e) => e.finding.address)).toEqual([address]);
    }
  });

  it('rule CI2 fails a state bucket without versioning', () => {
    const [account] = accounts({ ci: accountConfig() });
    const copy = editableCopy(synthAccount(account).stack!);
    delete copy.resource.aws_s3_bucket_versioning;
    expect(runRules(copy, accountRuleContext(account), [CI2]).errors.map((e) => e.finding.fix)).toEqual([expect.stringContaining('versioning')]);
  });
});

describe('account configuration', () => {
  it('reports every problem of every account together, naming the file and the field', () => {
    const message = problemsOf({
      a: accountConfig({ environments: ['qa', 'nope'] }),
      b: accountConfig({ environments: ['qa', 'local'], stateBucket: 'another-bucket' }),
    });
    expect(message).toContain('accounts/a/config.json: environments[1] is not a folder under environments/');
    expect(message).toContain('accounts/b/config.json: environments[0] is already deployed by accounts/a/config.json');
    expect(message).toContain('accounts/b/config.json: environments[0] keeps its state in s3://tenantup-terraform-state (eu-north-1), not in this account\'s state bucket s3://another-bucket');
    expect(message).toContain('accounts/b/config.json: environments[1] has no "backend"');
  });

  it('needs no accounts folder: CI access is optional', () => {
    expect(loadAccounts(REPO_ROOT, environments, { accountsDir: path.join(os.tmpdir(), 'no-such-accounts-folder') })).toEqual([]);
  });

});

describe('least-privilege CI roles: the rules that keep them so (CI3–CI7)', () => {
  const [account] = accounts({ ci: accountConfig() });
  const original = synthAccount(account).stack!;
  const ctx = accountRuleContext(account);
  const errorsOf = (stack: StackJson, rule: SecurityRule) => runRules(stack, ctx, [rule]).errors.map((e) => `${e.finding.address}: ${e.finding.fix}`);
  const addressOf = (name: string) => `aws_iam_role.${roleNamed(original, name)[0]}`;
  const PLAN = 'tenantup-github-plan';
  const APPLY_QA = 'tenantup-github-apply-qa';

  /** A copy whose inline policy of role `roleName` went through `edit` (statements by Sid). */
  const editPolicy = (roleName: string, edit: (statements: any[]) => any[]) => withEditedPolicy(original, inlinePolicyOf(roleName), edit);
  const withoutSid = (sid: string) => (statements: any[]) => statements.filter((st) => st.Sid !== sid);

  it('each rule is data: a one-line description, a reason and an https doc link', () => {
    for (const rule of [CI3, CI4, CI5, CI6, CI7]) {
      expect(rule.description).not.toMatch(/\n/);
      expect(rule.reason.length).toBeGreaterThan(20);
      expect(rule.docUrl).toMatch(/^https:\/\/(docs\.aws\.amazon\.com|developer\.hashicorp\.com)\//);
    }
    expect(CI_ACCESS_RULES.map((r) => r.id)).toEqual(['CI1', 'CI2', 'CI3', 'CI4', 'CI5', 'CI6', 'CI7']);
  });

  it('the synthesized stack complies with every one of them', () => {
    for (const rule of [CI3, CI4, CI5, CI6, CI7]) expect(errorsOf(original, rule)).toEqual([]);
  });

  it('CI3 fails an AWS managed policy on the plan role or an apply role', () => {
    const copy = editableCopy(original);
    copy.resource.aws_iam_role_policy_attachment = {
      ReadOnly: { role: `\${${addressOf(PLAN)}.name}`, policy_arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
      Admin: { role: `\${${addressOf(APPLY_QA)}.name}`, policy_arn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
    };
    const errors = errorsOf(copy, CI3);
    expect(errors.sort()).toEqual([expect.stringContaining(`${addressOf(APPLY_QA)}: detach the AWS managed policy arn:aws:iam::aws:policy/AdministratorAccess`), expect.stringContaining(`${addressOf(PLAN)}: detach the AWS managed policy arn:aws:iam::aws:policy/ReadOnlyAccess`)]);
    // An interpolated partition is read the same way.
    copy.resource.aws_iam_role_policy_attachment = { P: { role: `\${${addressOf(APPLY_QA)}.name}`, policy_arn: 'arn:${data.aws_partition.P.partition}:iam::aws:policy/PowerUserAccess' } };
    expect(errorsOf(copy, CI3)).toHaveLength(1);
  });

  it('CI4 fails a plan role that can write state, change IAM or use NotAction', () => {
    const putState = editPolicy(PLAN, (st) => (bySid(st, 'ReadState').Action = ['s3:GetObject', 's3:PutObject'], st));
    expect(errorsOf(putState, CI4)).toEqual([expect.stringContaining('s3:PutObject is not a read')]);
    const iam = editPolicy(PLAN, (st) => [...st, { Sid: 'Oops', Effect: 'Allow', Action: 'iam:PutRolePolicy', Resource: '*' }]);
    expect(errorsOf(iam, CI4)).toEqual([expect.stringContaining('iam:PutRolePolicy is not a read')]);
    const everything = editPolicy(PLAN, (st) => [...st, { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }]);
    expect(errorsOf(everything, CI4)).toEqual([expect.stringContaining('replace NotAction')]);
    const star = editPolicy(PLAN, (st) => [...st, { Effect: 'Allow', Action: 's3:*', Resource: '*' }]);
    expect(errorsOf(star, CI4)).toEqual([expect.stringContaining('s3:* is not a read')]);
  });

  it('CI4 fails a plan role without the object-read deny, or with one that spares more than state', () => {
    expect(errorsOf(editPolicy(PLAN, withoutSid('DenyObjectReadsOutsideState')), CI4)).toEqual([expect.stringContaining('add an unconditional Deny of s3:GetObject*')]);
    const spared = editPolicy(PLAN, (st) => {
      const deny = bySid(st, 'DenyObjectReadsOutsideState');
      deny.NotResource = [...deny.NotResource, deny.NotResource[0].replace(/uploads\/qa\.tfstate$/, '*')];
      return st;
    });
    expect(errorsOf(spared, CI4)).toEqual([expect.stringContaining('add an unconditional Deny')]);
    const onlyGetObject = editPolicy(PLAN, (st) => ((bySid(st, 'DenyObjectReadsOutsideState').Action = 's3:GetObject'), st)); // GetObjectVersion would slip through
    expect(errorsOf(onlyGetObject, CI4)).toHaveLength(1);
  });

  it("CI5 fails an apply role that reaches another environment's state, or does not deny it", () => {
    const wildcard = editPolicy(APPLY_QA, (st) => {
      bySid(st, 'ReadWriteState').Resource = bySid(st, 'ReadWriteState').Resource.replace('uploads/qa.tfstate', 'uploads/*');
      return st;
    });
    expect(errorsOf(wildcard, CI5)).toEqual([expect.stringContaining('is not one exact state key')]);
    const vaultToo = editPolicy(APPLY_QA, (st) => {
      const rw = bySid(st, 'ReadWriteState');
      rw.Resource = [rw.Resource, rw.Resource.replace('qa.tfstate', 'vault.tfstate')];
      return st;
    });
    expect(errorsOf(vaultToo, CI5)).toEqual(expect.arrayContaining([`${addressOf(APPLY_QA)}: reaches the state of uploads/qa.tfstate, uploads/vault.tfstate; an apply role reaches its own state key only.`]));
    expect(errorsOf(editPolicy(APPLY_QA, withoutSid('DenyOtherEnvironmentsState')), CI5)).toEqual([
      expect.stringContaining('Deny of s3:* on the state of vault (uploads/vault.tfstate)'),
      expect.stringContaining('Deny of s3:* on the state of vault (uploads/vault.tfstate.tflock)'),
    ]);
  });

  it('CI6 fails an apply role that does not deny changing every CI role', () => {
    // plan, qa and vault roles, the plan role's managed policy of each environment and the two of each apply role
    expect(errorsOf(editPolicy(APPLY_QA, withoutSid('DenyCiIdentityChanges')), CI6)).toHaveLength(3 + 2 + 2 * 2);
    const policySpared = editPolicy(APPLY_QA, (st) => {
      const deny = bySid(st, 'DenyCiIdentityChanges');
      deny.Resource = deny.Resource.filter((r: string) => !r.startsWith('${aws_iam_policy.') || !r.includes('ApplyPlatformPolicy-vault'));
      return st;
    });
    expect(errorsOf(policySpared, CI6)).toEqual([expect.stringMatching(/iam:CreatePolicyVersion .*ApplyPlatformPolicy-vault.*a managed policy of a CI role/)]);
    const selfSpared = editPolicy(APPLY_QA, (st) => {
      const deny = bySid(st, 'DenyCiIdentityChanges');
      deny.Resource = deny.Resource.filter((r: string) => r !== `\${${addressOf(APPLY_QA)}.arn}`);
      return st;
    });
    expect(errorsOf(selfSpared, CI6)).toEqual([expect.stringContaining(`on \${${addressOf(APPLY_QA)}.arn}`)]);
  });
});

describe('applyPolicyArns: an explicit opt-in, customer managed only', () => {
  it('is empty by default: no managed policy on any CI role', () => {
    const [account] = accounts({ ci: accountConfig() });
    expect(account.config.applyPolicyArns).toEqual([]);
    expect(account.warnings).toEqual([]);
    const stack = synthAccount(account).stack!;
    const own = new Set(resources(stack, 'aws_iam_policy').map(([name]) => `\${aws_iam_policy.${name}.arn}`));
    expect(resources(stack, 'aws_iam_role_policy_attachment').filter(([, a]) => !own.has(a.policy_arn))).toEqual([]);
  });

  it('refuses AWS managed policies such as AdministratorAccess, naming the file and the reason', () => {
    expect(problemsOf({ ci: accountConfig({ applyPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'] }) })).toMatch(
      /accounts\/ci\/config\.json: applyPolicyArns\[0\] must be a customer managed policy ARN .*defeat the isolation between environments/,
    );
  });

  it('attaches a customer managed policy to every apply role, with a warning that it defeats the isolation', () => {
    const policy = 'arn:aws:iam::123456789012:policy/ci-apply-extra';
    const [account] = accounts({ ci: accountConfig({ applyPolicyArns: [policy] }) });
    expect(account.warnings).toEqual([expect.stringMatching(/applyPolicyArns\[0\] attaches arn:aws:iam::123456789012:policy\/ci-apply-extra to every apply role.*every environment's apply role can do to every environment/)]);
    const { stack, result } = synthAccount(account);
    expect(result.errorCount).toBe(0);
    for (const env of ['qa', 'vault']) {
      const attached = attachmentsOf(stack!, `aws_iam_role.${roleNamed(stack!, `tenantup-github-apply-${env}`)[0]}`);
      expect(attached.sort()).toEqual([policy, ...ownManagedPolicies(stack!, env).map((name) => `\${aws_iam_policy.${name}.arn}`)].sort());
    }
    expect(attachmentsOf(stack!, `aws_iam_role.${roleNamed(stack!, 'tenantup-github-plan')[0]}`)).toEqual(planManagedPolicies(stack!).map((name) => `\${aws_iam_policy.${name}.arn}`));
  });

  it('is refused by the construct too when AWS managed', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    expect(
      () =>
        new GithubCiAccess(stack, 'Access', {
          githubOwner: 'example-org',
          githubRepository: 'tenant-uploads',
          stateBucketName: STATE_BUCKET,
          rolePrefix: 'tenantup-github',
          applyPolicyArns: ['arn:aws:iam::aws:policy/PowerUserAccess'],
          environments: [{ name: 'qa', stateKey: 'k', namePrefix: 'tenantup', region: REGION }],
        }),
    ).toThrow(/applyPolicyArns\[0\] is the AWS managed policy "arn:aws:iam::aws:policy\/PowerUserAccess"/);
  });
});

describe('the policies fit IAM’s size limits and managed-policy quota', () => {
  const build = (count: number) => () =>
    new GithubCiAccess(new TerraformStack(Testing.app(), 'test'), 'Access', {
      githubOwner: 'example-org',
      githubRepository: 'tenant-uploads',
      stateBucketName: STATE_BUCKET,
      rolePrefix: 'tenantup-github',
      environments: Array.from({ length: count }, (_, i) => ({ name: `env${String.fromCharCode(97 + i)}`, stateKey: `uploads/env${i}.tfstate`, namePrefix: 'tenantup', region: REGION })),
    });

  it('accepts an account of five environments', () => {
    expect(build(5)).not.toThrow();
  });

  const withSources = (count: number) => () =>
    new GithubCiAccess(new TerraformStack(Testing.app(), 'test'), 'Access', {
      githubOwner: 'example-org',
      githubRepository: 'tenant-uploads',
      stateBucketName: STATE_BUCKET,
      rolePrefix: 'tenantup-github',
      environments: Array.from({ length: count }, (_, i) => {
        const name = `env${String.fromCharCode(97 + i)}`;
        return { name, stateKey: `uploads/${name}.tfstate`, namePrefix: 'tenantup', region: REGION, socialSecretParameters: [`/tenantup/${name}/google-client-secret`], socialSecrets: [`tenantup/${name}/sign-in-with-apple`] };
      }),
    });

  it('accepts ten environments with tenant data and social sign-in: the plan role has one managed policy per environment, each apply role two', () => {
    expect(withSources(10)).not.toThrow();
    const sizes = ciPolicySizes(
      {
        partition: 'aws-us-gov',
        account: '123456789012',
        stateBucketArn: `arn:aws-us-gov:s3:::${STATE_BUCKET}`,
        environments: ['enva', 'envb'].map((name) => ({ name, stateKey: `uploads/${name}.tfstate`, resourcePrefix: `tenantup-${name}`, region: REGION, socialSecretParameters: [`/tenantup/${name}/google-client-secret`], socialSecrets: [`tenantup/${name}/sign-in-with-apple`] })),
        ciRoleArns: ['plan', 'apply-enva', 'apply-envb'].map((r) => `arn:aws-us-gov:iam::123456789012:role/tenantup-github-${r}`),
        ciPolicyArns: [],
        oidcProviderArn: 'arn:aws-us-gov:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
      },
      'tenantup-github',
    );
    // Two environments: every document well under its limit (inline 10,240 per role, managed 6,144).
    for (const p of sizes) expect(p.size).toBeLessThan(p.limit * 0.8);
    expect(sizes.map((p) => p.name)).toEqual([
      'tenantup-github-plan',
      'tenantup-github-plan-enva',
      'tenantup-github-apply-enva',
      'tenantup-github-apply-enva-platform',
      'tenantup-github-apply-enva-sign-in-and-data',
      'tenantup-github-plan-envb',
      'tenantup-github-apply-envb',
      'tenantup-github-apply-envb-platform',
      'tenantup-github-apply-envb-sign-in-and-data',
    ]);
  });

  it('refuses eleven environments: the plan role would pass IAM’s default of ten managed policies', () => {
    expect(withSources(11)).toThrow(/tenantup-github-plan would have 11 managed policies attached, over IAM's default 10 per role/);
  });

  it('refuses, before creating anything, an account whose apply policies would pass 10,240 characters', () => {
    expect(build(20)).toThrow(/the inline policy of tenantup-github-apply-enva would be \d+ characters, over IAM's 10240 per role/);
  });
});

describe('tenant data and social sign-in: what CI may read (CI4, CI7)', () => {
  const [account] = accounts({ ci: accountConfig({ environments: ['lab', 'ledger'] }) });
  const { result, stack } = synthAccount(account);
  const s = stack!;
  const ctx = accountRuleContext(account);
  const errorsOf = (copy: StackJson, rule: SecurityRule) => runRules(copy, ctx, [rule]).errors.map((e) => `${e.finding.address}: ${e.finding.fix}`);
  const account_ = `\${data.aws_caller_identity.${Object.keys(s.data!.aws_caller_identity as object)[0]}.account_id}`;
  const partition = `\${data.aws_partition.${Object.keys(s.data!.aws_partition as object)[0]}.partition}`;
  const planStatements = () => [
    ...(parsePolicy(policyOfRole(s, `aws_iam_role.${roleNamed(s, 'tenantup-github-plan')[0]}`).policy).Statement as any[]),
    ...['lab', 'ledger'].flatMap((env) => managedStatements(s, `tenantup-github-plan-${env}`)),
  ];
  /** A copy whose managed policy `name` went through `edit`. */
  const editManaged = (name: string, edit: (statements: any[]) => any[]) => withEditedPolicy(s, managedPolicyNamed(name), edit);
  /** A copy whose inline policy of `roleName` went through `edit`. */
  const editPolicy = (roleName: string, edit: (statements: any[]) => any[]) => withEditedPolicy(s, inlinePolicyOf(roleName), edit);

  it('passes every CI rule on the checked synth', () => {
    expect(result.reports.flatMap((r) => r.errors.map((e) => `${e.rule.id} ${e.finding.address}: ${e.finding.fix}`))).toEqual([]);
  });

  it('lets the plan role read exactly the sources the configs name: a name becomes its ARN, an ARN is kept', () => {
    const statements = planStatements();
    const all = (sid: string) => statements.filter((st) => st.Sid === sid).flatMap((st) => st.Resource);
    expect(all('ReadSocialSignInParameters')).toEqual(['lab', 'ledger'].map((e) => `arn:${partition}:ssm:${REGION}:${account_}:parameter/tenantup/${e}/google-client-secret`));
    expect(all('ReadSocialSignInSecrets')).toEqual([
      `arn:${partition}:secretsmanager:${REGION}:${account_}:secret:tenantup/lab/sign-in-with-apple-??????`,
      `arn:aws:secretsmanager:${REGION}:123456789012:secret:tenantup/ledger/sign-in-with-apple-Xy12Ab`,
    ]);
    expect(bySid(statements, 'DenySecretValuesButSocialSources').NotResource).toEqual(all('ReadSocialSignInSecrets'));
    expect(bySid(statements, 'DenyDecryptOutsideSecretSources')).toEqual({
      Sid: 'DenyDecryptOutsideSecretSources',
      Effect: 'Deny',
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringNotEquals: { 'kms:ViaService': [`ssm.${REGION}.amazonaws.com`, `secretsmanager.${REGION}.amazonaws.com`] } },
    });
  });

  it('CI4 fails a plan role that may decrypt outside SSM and Secrets Manager, or for any parameter', () => {
    const viaS3 = editManaged('tenantup-github-plan-lab', (st) => ((bySid(st, 'DecryptSocialSignInParameters').Condition.StringEquals['kms:ViaService'] = `s3.${REGION}.amazonaws.com`), st));
    expect(errorsOf(viaS3, CI4)).toEqual([expect.stringContaining('kms:Decrypt is not a read')]);
    const anyParameter = editManaged('tenantup-github-plan-lab', (st) => ((bySid(st, 'DecryptSocialSignInParameters').Condition.StringLike['kms:EncryptionContext:PARAMETER_ARN'] = '*'), st));
    expect(errorsOf(anyParameter, CI4)).toEqual([expect.stringContaining('kms:Decrypt is not a read')]);
  });

  it('CI7 fails a role that may read table items, a secret value beyond exact sources, or create secrets without denying their values', () => {
    expect(errorsOf(s, CI7)).toEqual([]);
    const items = editPolicy('tenantup-github-plan', (st) => st.filter((x) => x.Sid !== 'DenyTableItems'));
    expect(errorsOf(items, CI7)).toEqual([expect.stringContaining('add an unconditional Deny of dynamodb:GetItem')]);
    const tenantValues = editPolicy('tenantup-github-plan', (st) => {
      bySid(st, 'DenySecretValuesButSocialSources').NotResource.push(`arn:${partition}:secretsmanager:${REGION}:${account_}:secret:tenantup-lab/tenant/*`);
      return st;
    });
    expect(errorsOf(tenantValues, CI7)).toEqual([expect.stringContaining('add an unconditional Deny of secretsmanager:GetSecretValue')]);
    const writes = editPolicy('tenantup-github-apply-lab', (st) => st.filter((x) => x.Sid !== 'DenyTenantSecretValues'));
    expect(errorsOf(writes, CI7)).toEqual([expect.stringMatching(/creates secrets .*tenantup-lab\/tenant\/\*: add an unconditional Deny of secretsmanager:GetSecretValue, secretsmanager:PutSecretValue, secretsmanager:UpdateSecret on it/)]);
    // Setting a tenant secret's policy (its data perimeter) is allowed only with BlockPublicPolicy.
    const open = editPolicy('tenantup-github-apply-lab', (st) => (delete bySid(st, 'SetTenantSecretPolicies').Condition, st));
    expect(errorsOf(open, CI7)).toEqual([expect.stringMatching(/statement "SetTenantSecretPolicies" allows secretsmanager:PutResourcePolicy: add "Bool": \{ "secretsmanager:BlockPublicPolicy": "true" \}/)]);
  });

  it('refuses a social sign-in secret that is a tenant secret, in the loader and in the construct', () => {
    expect(problemsOf({ ci: accountConfig({ environments: ['lab', 'leak'] }) })).toContain(
      'accounts/ci/config.json: environments: environment leak: socialSignIn secretsManagerSecret "tenantup-lab/tenant/alpha/secret" is a tenant secret of lab (tenantup-lab/tenant/*)',
    );
    const build = () =>
      new GithubCiAccess(new TerraformStack(Testing.app(), 'test'), 'Access', {
        githubOwner: 'example-org',
        githubRepository: 'tenant-uploads',
        stateBucketName: STATE_BUCKET,
        rolePrefix: 'tenantup-github',
        environments: [{ name: 'lab', stateKey: 'k', namePrefix: 'tenantup', region: REGION, socialSecrets: ['tenantup-lab/tenant/alpha/secret'], socialSecretParameters: ['/tenantup/*'] }],
      });
    expect(build).toThrow(/ssmParameter "\/tenantup\/\*" must name one exact parameter.*secretsManagerSecret "tenantup-lab\/tenant\/alpha\/secret" is a tenant secret of lab/);
  });
});

describe('environments of one account have name prefixes that do not overlap', () => {
  it('rejects tenantup-qa-* covering tenantup-qa-eu-*, and an environment named like the CI roles', () => {
    const message = problemsOf({ ci: accountConfig({ environments: ['qa', 'qa-eu', 'github'] }) });
    expect(message).toContain('accounts/ci/config.json: environments: the names of environment qa-eu (tenantup-qa-eu-*) fall under those of environment qa (tenantup-qa-*)');
    expect(message).toContain('the names of environment github (tenantup-github-*) fall under those of the CI roles (tenantup-github-*)');
  });
});

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
import { GithubCiAccess, githubSubject } from '../modules/github-ci-access';
import { accountRuleContext, CI1, CI2, runRules, synthesizeChecked } from '../modules/security-rules';
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
});

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
const attachmentsOf = (stack: StackJson, roleAddress: string) =>
  resources(stack, 'aws_iam_role_policy_attachment').filter(([, a]) => a.role === `\${${roleAddress}.name}`).map(([, a]) => a.policy_arn);

describe('CI access stack', () => {
  const [account] = accounts({ ci: accountConfig() });
  const { result, stack } = synthAccount(account);
  const s = stack!;

  it('is named account-<folder> and passes the CI rules on the checked synth', () => {
    expect(account.stackName).toBe('account-ci');
    expect(result.reports.map((r) => [r.environment, r.errors.map((e) => `${e.rule.id} ${e.finding.address}: ${e.finding.fix}`)])).toEqual([['account-ci', []]]);
    expect(result.reports[0].results.every((r) => ['CI1', 'CI2'].includes(r.rule.id))).toBe(true);
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
    expect(attachmentsOf(s, `aws_iam_role.${address}`)).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
  });

  it('lets the plan role read every deployed environment’s state and take its lock, and write nothing else', () => {
    const [address] = roleNamed(s, 'tenantup-github-plan');
    const bucket = `\${aws_s3_bucket.${only(s, 'aws_s3_bucket')[0]}.arn}`;
    const statements = parsePolicy(policyOfRole(s, `aws_iam_role.${address}`).policy).Statement;
    expect(statements.find((st) => st.Sid === 'ReadState')).toEqual({ Sid: 'ReadState', Effect: 'Allow', Action: 's3:GetObject', Resource: [`${bucket}/uploads/qa.tfstate`, `${bucket}/uploads/vault.tfstate`] });
    expect(statements.find((st) => st.Sid === 'TakeStateLock').Resource).toEqual([`${bucket}/uploads/qa.tfstate.tflock`, `${bucket}/uploads/vault.tfstate.tflock`]);
    const writes = statements.filter((st) => [st.Action].flat().some((a: string) => /Put|Delete/.test(a)));
    expect(writes.flatMap((st) => st.Resource).every((r: string) => r.endsWith('.tflock'))).toBe(true);
  });

  it('creates one apply role per environment, trusting only jobs in the GitHub environment of that name, reaching only its own state', () => {
    const bucket = `\${aws_s3_bucket.${only(s, 'aws_s3_bucket')[0]}.arn}`;
    for (const env of ['qa', 'vault']) {
      const [address, role] = roleNamed(s, `tenantup-github-apply-${env}`);
      expect(address).toMatch(new RegExp(`^GithubCiAccess_ApplyRole-${env}_`)); // keyed by name, not position
      const condition = parsePolicy(role.assume_role_policy).Statement[0].Condition;
      expect(condition).toEqual({ StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': `repo:example-org/tenant-uploads:environment:${env}` } });
      expect(attachmentsOf(s, `aws_iam_role.${address}`)).toEqual(['arn:aws:iam::aws:policy/AdministratorAccess']);
      const resourcesReached = parsePolicy(policyOfRole(s, `aws_iam_role.${address}`).policy).Statement.flatMap((st: any) => [st.Resource].flat());
      expect(resourcesReached.sort()).toEqual([bucket, `${bucket}/uploads/${env}.tfstate`, `${bucket}/uploads/${env}.tfstate.tflock`].sort());
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
        applyPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'],
        environments: [{ name: '*', stateKey: 'k' }],
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

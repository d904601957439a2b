/**
 * The simulated access matrix of the CI roles (modules/github-ci-access): the account stack of two
 * generated environments (qa, vault) is synthesized through the real loaders and the checked synth,
 * its trust and inline policies are READ BACK from cdk.tf.json with references resolved to fake
 * values (helpers/terraform-refs.ts), and every request below is decided by iam-simulate's
 * evaluator. Every denial names a control: an allowed request of the same action by the rightful
 * caller (or on the rightful resource), and the last test checks that every control exists and was
 * itself expected to be allowed, so a policy that denies everything cannot pass.
 *
 * Modes (see the facts at the top of helpers/simulate.ts):
 * - Identity-policy checks run through `simulate` in CHECKED mode, and each asserts that the
 *   checked entry point ignored no context key (tags, iam:PassedToService are kept for these actions).
 * - Trust checks use `simulateGithubTrust` below, a documented variant of simulateTrust, which only
 *   accepts `cognito-identity.amazonaws.com`. The principal is the OIDC provider's ARN, matched by the
 *   library against `Principal.Federated`; the role and the provider are in the same account, and
 *   for STS the library requires the trust policy to allow explicitly. The library does not know the
 *   `token.actions.githubusercontent.com:aud|sub` keys, so its checked entry point DROPS them (the
 *   rightful token would be denied too): the decision comes from the unsafe entry point, which sees
 *   the whole context. The checked entry point still runs first to validate the trust policy, and the
 *   variant asserts that it dropped exactly those two keys and nothing else.
 *   Not vacuous: the rightful subject is allowed for every role, and the "harness" tests show a
 *   mistyped condition key, another account's provider, and a missing claim are each denied.
 *
 * What the trust cannot see: GitHub gives a pull_request run from a fork the BASE repository's
 * subject (`repo:<owner>/<repo>:pull_request`), but no `id-token: write` permission, so no token at
 * all (for private repositories, as long as "send write tokens to workflows from fork pull requests"
 * stays off; pull_request_target must never request one). What the trust does see, and this matrix
 * proves, is a token of the fork's OWN workflows (`repo:<forker>/<repo>:...`), of another repository
 * of the owner, for another audience, or for another GitHub environment.
 * https://docs.github.com/en/actions/reference/security/oidc#example-subject-claims
 * https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#workflows-in-forked-repositories
 *
 * Not simulated: actions without a resource type (kms:CreateKey, cognito-idp:CreateUserPool,
 * cognito-identity:SetIdentityPoolRoles), which the wrapper cannot express (it refuses a "*"
 * resource); their conditions are asserted on the synthesized JSON in ci-access.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { createValidatedPolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';
import { LoadedAccount, loadAccounts } from '../modules/account-config';
import { CiAccessStack } from '../modules/ci-access-stack';
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_ISSUER } from '../modules/github-ci-access';
import { accountRuleContext, synthesizeChecked } from '../modules/security-rules';
import { generatedConfig, removeGeneratedEnvironments, writeGeneratedEnvironments } from './helpers/generated-environment';
import { Decision, SimResult, simulate } from './helpers/simulate';
import { synthLoaded } from './helpers/synth';
import { FAKE_ACCOUNT_ID, fakeRefsFor, resolvePolicyDocument, resolveTerraformString, TerraformStackJson } from './helpers/terraform-refs';

const REGION = 'eu-north-1';
const OWNER = 'example-org';
const REPOSITORY = 'tenant-uploads';
const created: string[] = [];
afterAll(() => {
  created.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
  removeGeneratedEnvironments();
});

// ---------------------------------------------------------------------------------------------
// The account stack, synthesized as main.ts does, and read back
// ---------------------------------------------------------------------------------------------

/**
 * Each environment has what issues 8 and 9 added: the tenant table, one secret per tenant, and
 * Google and Apple sign-in whose secrets come from an SSM parameter and a Secrets Manager secret.
 */
const withTenantDataAndSocialSignIn = (name: string, config: Record<string, unknown>) => ({
  ...config,
  tenantlessUsers: true,
  socialSignIn: {
    google: { clientId: `123456789012-${name}.apps.googleusercontent.com`, clientSecret: { ssmParameter: `/tenantup/${name}/google-client-secret` } },
    apple: { servicesId: `com.example.uploads.${name}.signin`, teamId: 'A1B2C3D4E5', keyId: 'K1L2M3N4O5', privateKey: { secretsManagerSecret: `tenantup/${name}/sign-in-with-apple`, jsonKey: 'privateKey' } },
  },
  table: { leadingKey: 'prefix', actions: ['read', 'write', 'delete'] },
  tenantSecrets: { recoveryWindowInDays: 30 },
});
const environments = writeGeneratedEnvironments({
  qa: withTenantDataAndSocialSignIn('qa', generatedConfig('qa', { remoteBackend: true, region: REGION })),
  vault: withTenantDataAndSocialSignIn('vault', generatedConfig('vault', { remoteBackend: true, region: REGION, protected: true })),
});

function loadAccount(): LoadedAccount {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-matrix-'));
  created.push(root);
  fs.mkdirSync(path.join(root, 'accounts', 'ci'), { recursive: true });
  const config = { region: REGION, namePrefix: 'tenantup', github: { owner: OWNER, repository: REPOSITORY }, stateBucket: 'tenantup-terraform-state', environments: ['qa', 'vault'] };
  fs.writeFileSync(path.join(root, 'accounts', 'ci', 'config.json'), JSON.stringify(config));
  return loadAccounts(root, environments)[0];
}

const account = loadAccount();
const ENVS = account.environments.map((e) => e.name); // discovered, not listed by hand

function synthAccountStack(): TerraformStackJson {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-matrix-synth-'));
  created.push(outdir);
  // The rules are left out (ci-access.test.ts runs them): the matrix judges the policies on its own,
  // so a policy change that a rule misses still fails here.
  const result = synthesizeChecked((app) => new CiAccessStack(app, { account }), { contexts: [{ ...accountRuleContext(account), rules: [] }], outdir, app: { stackTraces: false }, log: () => undefined });
  if (!result.published) throw new Error('the CI access stack was not synthesized');
  return JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', account.stackName, 'cdk.tf.json'), 'utf8')) as TerraformStackJson;
}

type Doc = Record<string, unknown>;
interface CiRole {
  readonly name: string;
  readonly arn: string;
  readonly sessionArn: string;
  readonly trust: Doc;
  /** The inline policy first, then the managed policies the stack creates and attaches. */
  readonly policies: readonly Doc[];
}

const stack = synthAccountStack();
const refs = fakeRefsFor(stack);
const entries = (type: string) => Object.entries((stack.resource?.[type] ?? {}) as Record<string, Record<string, any>>).filter(([name]) => !name.startsWith('//'));
const [[providerName, provider]] = entries('aws_iam_openid_connect_provider');
// fakeRefsFor does not know OIDC providers: their ARN is `arn:aws:iam::<account>:oidc-provider/<url
// without https://>`. https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
const PROVIDER_ARN = `arn:aws:iam::${FAKE_ACCOUNT_ID}:oidc-provider/${String(provider.url).replace(/^https:\/\//, '')}`;
refs[`aws_iam_openid_connect_provider.${providerName}.arn`] = PROVIDER_ARN;
const [[bucketName]] = entries('aws_s3_bucket');
const STATE_BUCKET = refs[`aws_s3_bucket.${bucketName}.bucket`];

function readRole(roleName: string): CiRole {
  const found = entries('aws_iam_role').filter(([, r]) => r.name === roleName);
  if (found.length !== 1) throw new Error(`expected one role ${roleName}, found ${found.length}`);
  const [address, role] = found[0];
  const policies = entries('aws_iam_role_policy').filter(([, p]) => p.role === `\${aws_iam_role.${address}.id}`);
  if (policies.length !== 1) throw new Error(`expected one inline policy on ${roleName}, found ${policies.length}`);
  // Managed policies: only those this stack creates (their documents are read back); anything else
  // attached would be a policy the matrix cannot see.
  const managed = entries('aws_iam_role_policy_attachment')
    .filter(([, a]) => a.role === `\${aws_iam_role.${address}.name}`)
    .map(([, a]) => {
      const policy = entries('aws_iam_policy').find(([name]) => a.policy_arn === `\${aws_iam_policy.${name}.arn}`);
      if (!policy) throw new Error(`${roleName} has a managed policy the matrix cannot read: ${a.policy_arn}`);
      return resolvePolicyDocument(policy[1].policy, refs);
    });
  const arn = refs[`aws_iam_role.${address}.arn`];
  return {
    name: roleName,
    arn,
    sessionArn: `arn:aws:sts::${FAKE_ACCOUNT_ID}:assumed-role/${roleName}/GitHubActions`,
    trust: resolvePolicyDocument(role.assume_role_policy, refs),
    policies: [resolvePolicyDocument(policies[0][1].policy, refs), ...managed],
  };
}

const plan = readRole('tenantup-github-plan');
const apply = new Map(ENVS.map((env) => [env, readRole(`tenantup-github-apply-${env}`)]));
const applyOf = (env: string) => apply.get(env)!;
const stateKeyOf = (env: string) => account.environments.find((e) => e.name === env)!.config.backend!.key;
const stateObject = (env: string) => `arn:aws:s3:::${STATE_BUCKET}/${stateKeyOf(env)}`;
const lockFile = (env: string) => `${stateObject(env)}.tflock`;
const otherOf = (env: string) => ENVS.find((e) => e !== env)!;

// ---------------------------------------------------------------------------------------------
// The environment stacks: what the apply roles must be able to create, read back from their JSON
// ---------------------------------------------------------------------------------------------

interface EnvironmentNames {
  readonly defaultTags: Record<string, string>;
  readonly roles: readonly string[];
  readonly functions: readonly string[];
  readonly logGroups: readonly string[];
  readonly buckets: readonly string[];
  readonly aliases: readonly string[];
  readonly tables: readonly string[];
  readonly tenantSecrets: readonly string[];
  /** What the social sign-in data sources read: SSM parameter names, Secrets Manager secret ids. */
  readonly socialParameters: readonly string[];
  readonly socialSecrets: readonly string[];
}

function namesOf(env: string): EnvironmentNames {
  const json = synthLoaded(account.environments.find((e) => e.name === env)!) as TerraformStackJson & { provider: { aws: { default_tags?: { tags: Record<string, string> }[] }[] } };
  const envRefs = fakeRefsFor(json);
  const field = (type: string, attribute: string, block: 'resource' | 'data' = 'resource') =>
    Object.entries(((json as Record<string, any>)[block]?.[type] ?? {}) as Record<string, Record<string, unknown>>)
      .filter(([name]) => !name.startsWith('//'))
      .map(([, r]) => resolveTerraformString(String(r[attribute]), envRefs));
  return {
    defaultTags: json.provider.aws[0].default_tags?.[0]?.tags ?? {},
    roles: field('aws_iam_role', 'name'),
    functions: field('aws_lambda_function', 'function_name'),
    logGroups: field('aws_cloudwatch_log_group', 'name'),
    buckets: field('aws_s3_bucket', 'bucket'),
    aliases: field('aws_kms_alias', 'name'),
    tables: field('aws_dynamodb_table', 'name'),
    tenantSecrets: field('aws_secretsmanager_secret', 'name'),
    socialParameters: field('aws_ssm_parameter', 'name', 'data'),
    socialSecrets: field('aws_secretsmanager_secret_version', 'secret_id', 'data'),
  };
}
const names = new Map(ENVS.map((env) => [env, namesOf(env)]));

// ---------------------------------------------------------------------------------------------
// Checks: each denial names its allowed control
// ---------------------------------------------------------------------------------------------

type Expectation = 'allowed' | 'denied' | 'explicitly denied';
interface Outcome {
  readonly id: string;
  readonly expect: Expectation;
  readonly control?: string;
  readonly decision: Decision;
}
const outcomes = new Map<string, Outcome>();

function matches(expect: Expectation, decision: Decision): boolean {
  if (expect === 'allowed') return decision === 'Allowed';
  if (expect === 'explicitly denied') return decision === 'ExplicitlyDenied';
  return decision !== 'Allowed';
}

/** Records and asserts one check; a denial must name a control id. */
async function check(id: string, expect_: Expectation, run: () => Promise<SimResult>, control?: string): Promise<void> {
  if (expect_ !== 'allowed' && control === undefined) throw new Error(`check ${id} is a denial without a control`);
  const result = await run();
  outcomes.set(id, { id, expect: expect_, control, decision: result.decision });
  expect({ id, decision: result.decision, ok: matches(expect_, result.decision) }).toEqual({ id, decision: result.decision, ok: true });
}

/** An identity-policy request by a CI role session, in checked mode, with nothing ignored. */
function byRole(role: CiRole, action: string, resource: string, context: Record<string, string> = {}, resourcePolicy?: Doc): () => Promise<SimResult> {
  return async () => {
    const result = await simulate({ action, resource, principalArn: role.sessionArn, identityPolicies: role.policies, context, ...(resourcePolicy ? { resourcePolicy } : {}) });
    expect({ action, ignored: result.ignoredContextKeys }).toEqual({ action, ignored: [] });
    return result;
  };
}

/**
 * The key policy the environment stacks start from for IAM: the account root may use IAM policies
 * ("Enable IAM policies"). The data key's own policy also denies use outside S3; this one does not,
 * so a denial below comes from the CI role's policy alone.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
 */
const ROOT_KEY_POLICY: Doc = { Version: '2012-10-17', Statement: [{ Sid: 'EnableIamPolicies', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${FAKE_ACCOUNT_ID}:root` }, Action: 'kms:*', Resource: '*' }] };
const keyArn = (id: string) => `arn:aws:kms:${REGION}:${FAKE_ACCOUNT_ID}:key/${id}`;
/** An administrator outside CI whose IAM policy allows every KMS action: the control of a KMS denial. */
const KMS_ADMIN: CiRole = {
  name: 'kms-admin',
  arn: `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/kms-admin`,
  sessionArn: `arn:aws:sts::${FAKE_ACCOUNT_ID}:assumed-role/kms-admin/person`,
  trust: {},
  policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }],
};

// ---------------------------------------------------------------------------------------------
// Trust: the GitHub OIDC variant of simulateTrust
// ---------------------------------------------------------------------------------------------

const AUD_KEY = `${GITHUB_OIDC_ISSUER}:aud`;
const SUB_KEY = `${GITHUB_OIDC_ISSUER}:sub`;

interface Token {
  readonly aud?: string;
  readonly sub?: string;
  /** The provider the token was federated through. @default PROVIDER_ARN */
  readonly provider?: string;
}

/**
 * Evaluates `sts:AssumeRoleWithWebIdentity` of a GitHub OIDC token against a trust policy. Throws
 * when the trust policy does not reference both claim keys (a mistyped key would otherwise just
 * deny), when the checked entry point rejects the input, or when it drops any key but the two claims.
 */
async function simulateGithubTrust(trust: Doc, roleArn: string, token: Token): Promise<SimResult> {
  const text = JSON.stringify(trust);
  for (const key of [AUD_KEY, SUB_KEY]) if (!text.includes(`"${key}"`)) throw new Error(`simulateGithubTrust: the trust policy does not reference ${key}: ${text}`);
  if (text.includes('$${')) throw new Error(`simulateGithubTrust: unresolved Terraform escape in ${text}`);
  const context: Record<string, string> = {};
  if (token.aud !== undefined) context[AUD_KEY] = token.aud;
  if (token.sub !== undefined) context[SUB_KEY] = token.sub;
  const simulation: Simulation = {
    request: { principal: token.provider ?? PROVIDER_ARN, action: 'sts:AssumeRoleWithWebIdentity', resource: { resource: roleArn, accountId: FAKE_ACCOUNT_ID }, contextVariables: context },
    identityPolicies: [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: createValidatedPolicy(trust, validateTrustPolicy, { name: 'trust' }),
  };
  const checked = await runSimulation(simulation, {});
  if (checked.resultType !== 'single') throw new Error(`simulateGithubTrust: iam-simulate rejected the input: ${JSON.stringify(checked)}`);
  const dropped = [...(checked.result.ignoredContextKeys ?? [])].sort();
  expect(dropped).toEqual(Object.keys(context).sort()); // the two GitHub claims, and nothing else
  const decision = runUnsafeSimulation(simulation, {});
  return { decision, mode: 'unsafe', ignoredContextKeys: [], droppedByCheckedEntryPoint: dropped, checkedDecision: checked.overallResult, raw: { checked, unsafe: decision } };
}

const prSubject = (owner = OWNER, repository = REPOSITORY) => `repo:${owner}/${repository}:pull_request`;
const envSubject = (env: string, owner = OWNER, repository = REPOSITORY) => `repo:${owner}/${repository}:environment:${env}`;
const trustOf = (role: CiRole, token: Token) => () => simulateGithubTrust(role.trust, role.arn, token);
const rightful = (sub: string): Token => ({ aud: GITHUB_OIDC_AUDIENCE, sub });

// ---------------------------------------------------------------------------------------------

describe('the harness', () => {
  it('simulateGithubTrust is not vacuous: the rightful token is allowed, and only because the conditions hold', async () => {
    const token = rightful(prSubject());
    const result = await simulateGithubTrust(plan.trust, plan.arn, token);
    expect(result.decision).toBe('Allowed');
    expect(result.checkedDecision).toBe('ImplicitlyDenied'); // why the unsafe entry point decides
    const typo = JSON.parse(JSON.stringify(plan.trust).replace(`"${SUB_KEY}"`, `"${SUB_KEY}ject"`));
    await expect(simulateGithubTrust(typo, plan.arn, token)).rejects.toThrow(/does not reference/);
    // A condition on a claim the token does not carry denies (it is not ignored).
    const extra = JSON.parse(JSON.stringify(plan.trust));
    extra.Statement[0].Condition.StringEquals[`${GITHUB_OIDC_ISSUER}:repository_owner`] = OWNER;
    expect((await simulateGithubTrust(extra, plan.arn, token)).decision).toBe('ImplicitlyDenied');
    expect((await simulateGithubTrust(plan.trust, plan.arn, { sub: token.sub })).decision).toBe('ImplicitlyDenied'); // no aud claim
    expect((await simulateGithubTrust(plan.trust, plan.arn, { ...token, provider: `arn:aws:iam::222222222222:oidc-provider/${GITHUB_OIDC_ISSUER}` })).decision).toBe('ImplicitlyDenied');
  });

  it('the environment stacks tag every resource with their environment and name it with their prefix', () => {
    for (const env of ENVS) {
      const n = names.get(env)!;
      // The tag conditions of the apply roles rely on the provider's default_tags.
      expect(n.defaultTags).toMatchObject({ Environment: env });
      for (const list of [n.roles, n.functions, n.buckets]) for (const name of list) expect(name.startsWith(`tenantup-${env}-`)).toBe(true);
      for (const name of n.logGroups) expect(name.startsWith(`/aws/lambda/tenantup-${env}-`)).toBe(true);
      for (const name of n.aliases) expect(name.startsWith(`alias/tenantup-${env}-`)).toBe(true);
      expect(n.roles.length).toBeGreaterThan(0);
      expect(n.functions.length).toBeGreaterThan(0);
    }
  });
});

describe('who can assume the CI roles (trust, unsafe mode)', () => {
  it('allows the pull_request subject of the repository to assume the plan role, and each environment subject its apply role', async () => {
    await check('trust|plan|rightful', 'allowed', trustOf(plan, rightful(prSubject())));
    for (const env of ENVS) await check(`trust|apply-${env}|rightful`, 'allowed', trustOf(applyOf(env), rightful(envSubject(env))));
  });

  it("denies a fork's or another repository's token, and a token for another audience, the plan role", async () => {
    const control = 'trust|plan|rightful';
    await check('trust|plan|fork', 'denied', trustOf(plan, rightful(prSubject('forker', REPOSITORY))), control);
    await check('trust|plan|other repository of the owner', 'denied', trustOf(plan, rightful(prSubject(OWNER, 'other-repo'))), control);
    await check('trust|plan|owner look-alike', 'denied', trustOf(plan, rightful(prSubject(`${OWNER}-evil`, REPOSITORY))), control);
    await check('trust|plan|wrong aud', 'denied', trustOf(plan, { aud: 'https://github.com/example-org', sub: prSubject() }), control);
    await check('trust|plan|environment subject', 'denied', trustOf(plan, rightful(envSubject(ENVS[0]))), control);
  });

  it('denies every apply role to a fork, to the pull_request subject, to another environment and to a wrong aud', async () => {
    for (const env of ENVS) {
      const control = `trust|apply-${env}|rightful`;
      const role = applyOf(env);
      await check(`trust|apply-${env}|fork`, 'denied', trustOf(role, rightful(envSubject(env, 'forker'))), control);
      await check(`trust|apply-${env}|fork pull request`, 'denied', trustOf(role, rightful(prSubject('forker'))), control);
      await check(`trust|apply-${env}|pull_request`, 'denied', trustOf(role, rightful(prSubject())), control);
      await check(`trust|apply-${env}|other environment`, 'denied', trustOf(role, rightful(envSubject(otherOf(env)))), control);
      await check(`trust|apply-${env}|wrong aud`, 'denied', trustOf(role, { aud: 'sigstore', sub: envSubject(env) }), control);
    }
  });
});

describe('the plan role (checked mode)', () => {
  it('reads every environment’s state and takes and releases its lock', async () => {
    for (const env of ENVS) {
      await check(`plan|GetObject state ${env}`, 'allowed', byRole(plan, 's3:GetObject', stateObject(env)));
      await check(`plan|PutObject lock ${env}`, 'allowed', byRole(plan, 's3:PutObject', lockFile(env)));
      await check(`plan|DeleteObject lock ${env}`, 'allowed', byRole(plan, 's3:DeleteObject', lockFile(env)));
      await check(`plan|ListBucket state`, 'allowed', byRole(plan, 's3:ListBucket', `arn:aws:s3:::${STATE_BUCKET}`));
    }
  });

  it('cannot write a state object', async () => {
    for (const env of ENVS) await check(`plan|PutObject state ${env}`, 'denied', byRole(plan, 's3:PutObject', stateObject(env)), `plan|PutObject lock ${env}`);
    for (const env of ENVS) await check(`plan|DeleteObject state ${env}`, 'denied', byRole(plan, 's3:DeleteObject', stateObject(env)), `plan|DeleteObject lock ${env}`);
  });

  it('cannot read an object of an upload bucket, by an explicit deny', async () => {
    for (const env of ENVS) {
      for (const bucket of names.get(env)!.buckets) {
        await check(`plan|GetObject upload ${env}`, 'explicitly denied', byRole(plan, 's3:GetObject', `arn:aws:s3:::${bucket}/acme/report.pdf`), `plan|GetObject state ${env}`);
      }
    }
  });

  it('reads the environments’ resources but cannot change a role policy', async () => {
    for (const env of ENVS) {
      const role = names.get(env)!.roles[0];
      const roleArn = `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/${role}`;
      await check(`plan|GetRole ${env}`, 'allowed', byRole(plan, 'iam:GetRole', roleArn));
      await check(`plan|PutRolePolicy ${env}`, 'denied', byRole(plan, 'iam:PutRolePolicy', roleArn), `apply-${env}|PutRolePolicy own role`);
      await check(`plan|PutRolePolicy CI role`, 'denied', byRole(plan, 'iam:PutRolePolicy', plan.arn), `apply-${env}|PutRolePolicy own role`);
    }
  });

  it('cannot decrypt with a KMS key, even one whose policy lets IAM policies decide', async () => {
    await check('kms-admin|Decrypt', 'allowed', byRole(KMS_ADMIN, 'kms:Decrypt', keyArn('data-key'), {}, ROOT_KEY_POLICY));
    await check('plan|DescribeKey', 'allowed', byRole(plan, 'kms:DescribeKey', keyArn('data-key'), {}, ROOT_KEY_POLICY));
    await check('plan|Decrypt', 'explicitly denied', byRole(plan, 'kms:Decrypt', keyArn('data-key'), {}, ROOT_KEY_POLICY), 'kms-admin|Decrypt');
  });
});

describe('each apply role (checked mode)', () => {
  it('writes its own state and lock file', async () => {
    for (const env of ENVS) {
      const role = applyOf(env);
      await check(`apply-${env}|PutObject own state`, 'allowed', byRole(role, 's3:PutObject', stateObject(env)));
      await check(`apply-${env}|GetObject own state`, 'allowed', byRole(role, 's3:GetObject', stateObject(env)));
      await check(`apply-${env}|PutObject own lock`, 'allowed', byRole(role, 's3:PutObject', lockFile(env)));
    }
  });

  it("cannot read or write another environment's state or lock file, by an explicit deny", async () => {
    for (const env of ENVS) {
      const other = otherOf(env);
      const role = applyOf(env);
      await check(`apply-${env}|GetObject ${other} state`, 'explicitly denied', byRole(role, 's3:GetObject', stateObject(other)), `apply-${other}|GetObject own state`);
      await check(`apply-${env}|PutObject ${other} state`, 'explicitly denied', byRole(role, 's3:PutObject', stateObject(other)), `apply-${other}|PutObject own state`);
      await check(`apply-${env}|PutObject ${other} lock`, 'explicitly denied', byRole(role, 's3:PutObject', lockFile(other)), `apply-${other}|PutObject own lock`);
    }
  });

  it('cannot read an upload, even of its own environment', async () => {
    for (const env of ENVS) {
      for (const bucket of names.get(env)!.buckets) {
        await check(`apply-${env}|GetObject own upload`, 'explicitly denied', byRole(applyOf(env), 's3:GetObject', `arn:aws:s3:::${bucket}/acme/report.pdf`), `apply-${env}|GetObject own state`);
      }
    }
  });

  it('changes the roles of its own prefix but cannot change any CI role, its own included', async () => {
    for (const env of ENVS) {
      const role = applyOf(env);
      const own = `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/${names.get(env)!.roles[0]}`;
      await check(`apply-${env}|PutRolePolicy own role`, 'allowed', byRole(role, 'iam:PutRolePolicy', own));
      for (const ci of [plan, ...apply.values()]) {
        await check(`apply-${env}|PutRolePolicy ${ci.name}`, 'explicitly denied', byRole(role, 'iam:PutRolePolicy', ci.arn), `apply-${env}|PutRolePolicy own role`);
        await check(`apply-${env}|UpdateAssumeRolePolicy ${ci.name}`, 'explicitly denied', byRole(role, 'iam:UpdateAssumeRolePolicy', ci.arn), `apply-${env}|UpdateAssumeRolePolicy own role`);
      }
      await check(`apply-${env}|UpdateAssumeRolePolicy own role`, 'allowed', byRole(role, 'iam:UpdateAssumeRolePolicy', own));
    }
  });

  it("creates every role, function, log group, bucket and alias its environment's stack names, and none of the other environment's", async () => {
    for (const env of ENVS) {
      const n = names.get(env)!;
      const requests: [string, string, string, Record<string, string>][] = [
        ...n.roles.map((r): [string, string, string, Record<string, string>] => ['iam:CreateRole', `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/${r}`, r, { 'aws:RequestTag/Environment': env }]),
        ...n.functions.map((f): [string, string, string, Record<string, string>] => ['lambda:CreateFunction', `arn:aws:lambda:${REGION}:${FAKE_ACCOUNT_ID}:function:${f}`, f, { 'aws:RequestTag/Environment': env }]),
        ...n.logGroups.map((g): [string, string, string, Record<string, string>] => ['logs:CreateLogGroup', `arn:aws:logs:${REGION}:${FAKE_ACCOUNT_ID}:log-group:${g}`, g, { 'aws:RequestTag/Environment': env }]),
        ...n.buckets.map((b): [string, string, string, Record<string, string>] => ['s3:CreateBucket', `arn:aws:s3:::${b}`, b, { 'aws:RequestTag/Environment': env }]),
        ...n.aliases.map((a): [string, string, string, Record<string, string>] => ['kms:CreateAlias', `arn:aws:kms:${REGION}:${FAKE_ACCOUNT_ID}:${a}`, a, {}]),
      ];
      for (const [action, resource, name, context] of requests) {
        const resourcePolicy = action.startsWith('kms:') ? ROOT_KEY_POLICY : undefined;
        const id = `apply-${env}|${action} ${name}`;
        await check(id, 'allowed', byRole(applyOf(env), action, resource, context, resourcePolicy));
        await check(`apply-${otherOf(env)}|${action} ${name}`, 'denied', byRole(applyOf(otherOf(env)), action, resource, context, resourcePolicy), id);
      }
    }
  });

  it("leaves the plan role unable to create any of them: every create the apply role may do, the plan role may not", async () => {
    for (const env of ENVS) {
      const n = names.get(env)!;
      const creates: [string, string, string][] = [
        ...n.roles.map((r): [string, string, string] => ['iam:CreateRole', `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/${r}`, r]),
        ...n.functions.map((f): [string, string, string] => ['lambda:CreateFunction', `arn:aws:lambda:${REGION}:${FAKE_ACCOUNT_ID}:function:${f}`, f]),
        ...n.logGroups.map((g): [string, string, string] => ['logs:CreateLogGroup', `arn:aws:logs:${REGION}:${FAKE_ACCOUNT_ID}:log-group:${g}`, g]),
        ...n.buckets.map((b): [string, string, string] => ['s3:CreateBucket', `arn:aws:s3:::${b}`, b]),
        ...n.aliases.map((a): [string, string, string] => ['kms:CreateAlias', `arn:aws:kms:${REGION}:${FAKE_ACCOUNT_ID}:${a}`, a]),
      ];
      for (const [action, resource, name] of creates) {
        const context: Record<string, string> = action === 'kms:CreateAlias' ? {} : { 'aws:RequestTag/Environment': env };
        const resourcePolicy = action.startsWith('kms:') ? ROOT_KEY_POLICY : undefined;
        await check(`plan|${action} ${name}`, 'denied', byRole(plan, action, resource, context, resourcePolicy), `apply-${env}|${action} ${name}`);
      }
    }
  });

  it('passes its roles to Lambda only', async () => {
    for (const env of ENVS) {
      const own = `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/${names.get(env)!.roles[0]}`;
      const id = `apply-${env}|PassRole to lambda`;
      await check(id, 'allowed', byRole(applyOf(env), 'iam:PassRole', own, { 'iam:PassedToService': 'lambda.amazonaws.com' }));
      await check(`apply-${env}|PassRole to ec2`, 'denied', byRole(applyOf(env), 'iam:PassRole', own, { 'iam:PassedToService': 'ec2.amazonaws.com' }), id);
      await check(`apply-${otherOf(env)}|PassRole ${env} role to lambda`, 'denied', byRole(applyOf(otherOf(env)), 'iam:PassRole', own, { 'iam:PassedToService': 'lambda.amazonaws.com' }), id);
    }
  });

  it("manages KMS keys and user pools tagged with its environment, not another environment's", async () => {
    for (const env of ENVS) {
      const other = otherOf(env);
      const key = keyArn(`key-of-${env}`);
      const pool = `arn:aws:cognito-idp:${REGION}:${FAKE_ACCOUNT_ID}:userpool/${REGION}_pool${env}`;
      const ownKey = `apply-${env}|PutKeyPolicy own key`;
      await check(ownKey, 'allowed', byRole(applyOf(env), 'kms:PutKeyPolicy', key, { 'aws:ResourceTag/Environment': env }, ROOT_KEY_POLICY));
      await check(`apply-${other}|PutKeyPolicy ${env} key`, 'denied', byRole(applyOf(other), 'kms:PutKeyPolicy', key, { 'aws:ResourceTag/Environment': env }, ROOT_KEY_POLICY), ownKey);
      const ownTag = `apply-${env}|TagResource own key`;
      await check(ownTag, 'allowed', byRole(applyOf(env), 'kms:TagResource', key, { 'aws:ResourceTag/Environment': env, 'aws:RequestTag/Environment': env }, ROOT_KEY_POLICY));
      // Re-tagging another environment's key into its own would hand the key over.
      await check(`apply-${other}|TagResource ${env} key as ${other}`, 'denied', byRole(applyOf(other), 'kms:TagResource', key, { 'aws:ResourceTag/Environment': env, 'aws:RequestTag/Environment': other }, ROOT_KEY_POLICY), ownTag);
      const ownPool = `apply-${env}|UpdateUserPool own pool`;
      await check(ownPool, 'allowed', byRole(applyOf(env), 'cognito-idp:UpdateUserPool', pool, { 'aws:ResourceTag/Environment': env }));
      await check(`apply-${other}|UpdateUserPool ${env} pool`, 'denied', byRole(applyOf(other), 'cognito-idp:UpdateUserPool', pool, { 'aws:ResourceTag/Environment': env }), ownPool);
      const ownIdentityPool = `apply-${env}|DeleteIdentityPool own pool`;
      const identityPool = `arn:aws:cognito-identity:${REGION}:${FAKE_ACCOUNT_ID}:identitypool/${REGION}:pool-${env}`;
      await check(ownIdentityPool, 'allowed', byRole(applyOf(env), 'cognito-identity:DeleteIdentityPool', identityPool, { 'aws:ResourceTag/Environment': env }));
      await check(`apply-${other}|DeleteIdentityPool ${env} pool`, 'denied', byRole(applyOf(other), 'cognito-identity:DeleteIdentityPool', identityPool, { 'aws:ResourceTag/Environment': env }), ownIdentityPool);
    }
  });

  it('cannot assume a role of its own prefix that trusts it (no role chaining)', async () => {
    for (const env of ENVS) {
      const target = `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/tenantup-${env}-escalation`;
      // A role the apply role could create: its trust names the apply role and the plan role.
      const trust: Doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [applyOf(env).arn, plan.arn] }, Action: 'sts:AssumeRole' }] };
      const control = `plan|AssumeRole trusting role ${env}`;
      // The plan role has no sts:AssumeRole deny: a trust naming it is enough in the same account.
      await check(control, 'allowed', byRole(plan, 'sts:AssumeRole', target, {}, trust));
      await check(`apply-${env}|AssumeRole trusting role`, 'explicitly denied', byRole(applyOf(env), 'sts:AssumeRole', target, {}, trust), control);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Tenant data and social sign-in (issues 8 and 9)
// ---------------------------------------------------------------------------------------------

/** An administrator outside CI allowed every DynamoDB, Secrets Manager and SSM action: the control of a data denial. */
const DATA_ADMIN: CiRole = {
  name: 'data-admin',
  arn: `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/data-admin`,
  sessionArn: `arn:aws:sts::${FAKE_ACCOUNT_ID}:assumed-role/data-admin/person`,
  trust: {},
  policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['dynamodb:*', 'secretsmanager:*', 'ssm:*'], Resource: '*' }] }],
};
const tableArn = (name: string) => `arn:aws:dynamodb:${REGION}:${FAKE_ACCOUNT_ID}:table/${name}`;
/** Secrets Manager appends `-` and six random characters to a secret's name in its ARN. */
const secretArn = (name: string) => (name.startsWith('arn:') ? name : `arn:aws:secretsmanager:${REGION}:${FAKE_ACCOUNT_ID}:secret:${name}-AbC123`);
const parameterArn = (name: string) => `arn:aws:ssm:${REGION}:${FAKE_ACCOUNT_ID}:parameter/${name.replace(/^\//, '')}`;
const poolOf = (env: string) => `arn:aws:cognito-idp:${REGION}:${FAKE_ACCOUNT_ID}:userpool/${REGION}_pool${env}`;
const n = (env: string) => names.get(env)!;
const everyRole = () => [plan, ...apply.values()];
const roleId = (role: CiRole) => (role === plan ? 'plan' : `apply-${role.name.replace('tenantup-github-apply-', '')}`);

/**
 * A KMS request whose policy relies on `kms:EncryptionContext:*`, which the checked entry point drops
 * (fact 2 of helpers/simulate.ts): decided in unsafe mode, and the test asserts that nothing but the
 * encryption-context keys was dropped.
 */
function byRoleWithEncryptionContext(role: CiRole, action: string, resource: string, context: Record<string, string>, resourcePolicy: Doc): () => Promise<SimResult> {
  return async () => {
    const result = await simulate({ action, resource, principalArn: role.sessionArn, identityPolicies: role.policies, context, resourcePolicy }, { unsafe: true, tolerateDroppedKeys: true });
    expect(result.droppedByCheckedEntryPoint.filter((k) => !/^kms:encryptioncontext:/i.test(k))).toEqual([]);
    return result;
  };
}

describe('tenant data and social sign-in (checked mode, unless an encryption context decides)', () => {
  it('the environment stacks have a table, a secret per tenant and both kinds of social sign-in source', () => {
    for (const env of ENVS) {
      expect(n(env).tables).toEqual([`tenantup-${env}-tenant-data`]);
      expect(n(env).tenantSecrets.length).toBeGreaterThan(0);
      for (const name of n(env).tenantSecrets) expect(name).toMatch(new RegExp(`^tenantup-${env}/tenant/[a-z0-9-]+/secret$`));
      expect(n(env).socialParameters).toHaveLength(1);
      expect(n(env).socialSecrets).toHaveLength(1);
    }
  });

  it("lets each apply role create, change and delete its own table and tenant secret containers, and not another environment's", async () => {
    for (const env of ENVS) {
      const other = otherOf(env);
      for (const table of n(env).tables) {
        for (const action of ['dynamodb:CreateTable', 'dynamodb:UpdateTable', 'dynamodb:UpdateContinuousBackups', 'dynamodb:TagResource', 'dynamodb:DescribeTimeToLive', 'dynamodb:DeleteTable']) {
          const id = `apply-${env}|${action} ${table}`;
          await check(id, 'allowed', byRole(applyOf(env), action, tableArn(table)));
          await check(`apply-${other}|${action} ${table}`, 'denied', byRole(applyOf(other), action, tableArn(table)), id);
        }
      }
      for (const secret of n(env).tenantSecrets) {
        for (const action of ['secretsmanager:CreateSecret', 'secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy', 'secretsmanager:TagResource', 'secretsmanager:DeleteSecret']) {
          const id = `apply-${env}|${action} ${secret}`;
          await check(id, 'allowed', byRole(applyOf(env), action, secretArn(secret)));
          await check(`apply-${other}|${action} ${secret}`, 'denied', byRole(applyOf(other), action, secretArn(secret)), id);
        }
      }
    }
  });

  it("lets each apply role set its own table's and tenant secrets' data perimeter (a secret's only with BlockPublicPolicy), and not another environment's", async () => {
    for (const env of ENVS) {
      const other = otherOf(env);
      for (const table of n(env).tables) {
        for (const action of ['dynamodb:PutResourcePolicy', 'dynamodb:DeleteResourcePolicy', 'dynamodb:GetResourcePolicy']) {
          const id = `apply-${env}|${action} ${table}`;
          await check(id, 'allowed', byRole(applyOf(env), action, tableArn(table)));
          await check(`apply-${other}|${action} ${table}`, action === 'dynamodb:GetResourcePolicy' ? 'denied' : 'explicitly denied', byRole(applyOf(other), action, tableArn(table)), id);
        }
        await check(`plan|dynamodb:GetResourcePolicy ${table}`, 'allowed', byRole(plan, 'dynamodb:GetResourcePolicy', tableArn(table)));
        await check(`plan|dynamodb:PutResourcePolicy ${table}`, 'denied', byRole(plan, 'dynamodb:PutResourcePolicy', tableArn(table)), `apply-${env}|dynamodb:PutResourcePolicy ${table}`);
      }
      for (const secret of n(env).tenantSecrets) {
        const id = `apply-${env}|secretsmanager:PutResourcePolicy ${secret} with BlockPublicPolicy`;
        await check(id, 'allowed', byRole(applyOf(env), 'secretsmanager:PutResourcePolicy', secretArn(secret), { 'secretsmanager:BlockPublicPolicy': 'true' }));
        await check(`apply-${env}|secretsmanager:PutResourcePolicy ${secret} without BlockPublicPolicy`, 'denied', byRole(applyOf(env), 'secretsmanager:PutResourcePolicy', secretArn(secret), { 'secretsmanager:BlockPublicPolicy': 'false' }), id);
        await check(
          `apply-${other}|secretsmanager:PutResourcePolicy ${secret} with BlockPublicPolicy`,
          'explicitly denied',
          byRole(applyOf(other), 'secretsmanager:PutResourcePolicy', secretArn(secret), { 'secretsmanager:BlockPublicPolicy': 'true' }),
          id,
        );
        const remove = `apply-${env}|secretsmanager:DeleteResourcePolicy ${secret}`;
        await check(remove, 'allowed', byRole(applyOf(env), 'secretsmanager:DeleteResourcePolicy', secretArn(secret)));
        await check(`apply-${other}|secretsmanager:DeleteResourcePolicy ${secret}`, 'explicitly denied', byRole(applyOf(other), 'secretsmanager:DeleteResourcePolicy', secretArn(secret)), remove);
      }
    }
  });

  it('lets the plan role refresh every environment’s table and tenant secrets, and change none of them', async () => {
    for (const env of ENVS) {
      for (const table of n(env).tables) {
        for (const action of ['dynamodb:DescribeTable', 'dynamodb:DescribeContinuousBackups', 'dynamodb:DescribeTimeToLive', 'dynamodb:ListTagsOfResource']) {
          await check(`plan|${action} ${table}`, 'allowed', byRole(plan, action, tableArn(table)));
        }
        await check(`plan|dynamodb:DeleteTable ${table}`, 'denied', byRole(plan, 'dynamodb:DeleteTable', tableArn(table)), `apply-${env}|dynamodb:DeleteTable ${table}`);
      }
      for (const secret of n(env).tenantSecrets) {
        for (const action of ['secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy']) await check(`plan|${action} ${secret}`, 'allowed', byRole(plan, action, secretArn(secret)));
        await check(`plan|secretsmanager:DeleteSecret ${secret}`, 'denied', byRole(plan, 'secretsmanager:DeleteSecret', secretArn(secret)), `apply-${env}|secretsmanager:DeleteSecret ${secret}`);
      }
    }
  });

  it('denies every CI role the items of every table, by an explicit deny', async () => {
    for (const env of ENVS) {
      for (const table of n(env).tables) {
        for (const action of ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:PartiQLSelect', 'dynamodb:PutItem', 'dynamodb:ExportTableToPointInTime']) {
          const control = `data-admin|${action} ${table}`;
          await check(control, 'allowed', byRole(DATA_ADMIN, action, tableArn(table)));
          for (const role of everyRole()) await check(`${roleId(role)}|${action} ${table}`, 'explicitly denied', byRole(role, action, tableArn(table)), control);
        }
      }
    }
  });

  it("denies every CI role a tenant secret's value, and the apply roles writing or sharing it, by an explicit deny", async () => {
    for (const env of ENVS) {
      for (const secret of n(env).tenantSecrets) {
        const control = `data-admin|secretsmanager:GetSecretValue ${secret}`;
        await check(control, 'allowed', byRole(DATA_ADMIN, 'secretsmanager:GetSecretValue', secretArn(secret)));
        for (const role of everyRole()) await check(`${roleId(role)}|secretsmanager:GetSecretValue ${secret}`, 'explicitly denied', byRole(role, 'secretsmanager:GetSecretValue', secretArn(secret)), control);
        for (const action of ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret', 'secretsmanager:UpdateSecretVersionStage', 'secretsmanager:RotateSecret']) {
          const adminId = `data-admin|${action} ${secret}`;
          await check(adminId, 'allowed', byRole(DATA_ADMIN, action, secretArn(secret)));
          await check(`apply-${env}|${action} ${secret}`, 'explicitly denied', byRole(applyOf(env), action, secretArn(secret)), adminId);
        }
        // Deleting without a recovery window cannot be undone.
        await check(
          `apply-${env}|secretsmanager:DeleteSecret ${secret} without recovery`,
          'explicitly denied',
          byRole(applyOf(env), 'secretsmanager:DeleteSecret', secretArn(secret), { 'secretsmanager:ForceDeleteWithoutRecovery': 'true' }),
          `apply-${env}|secretsmanager:DeleteSecret ${secret}`,
        );
      }
    }
  });

  it('lets both roles read exactly the social sign-in sources of the configs: the plan role every environment’s, an apply role its own', async () => {
    for (const env of ENVS) {
      const other = otherOf(env);
      for (const parameter of n(env).socialParameters) {
        const own = `apply-${env}|ssm:GetParameter ${parameter}`;
        await check(own, 'allowed', byRole(applyOf(env), 'ssm:GetParameter', parameterArn(parameter)));
        await check(`plan|ssm:GetParameter ${parameter}`, 'allowed', byRole(plan, 'ssm:GetParameter', parameterArn(parameter)));
        await check(`apply-${other}|ssm:GetParameter ${parameter}`, 'explicitly denied', byRole(applyOf(other), 'ssm:GetParameter', parameterArn(parameter)), own);
        const sibling = `${parameter}-rotated`;
        await check(`plan|ssm:GetParameter ${sibling}`, 'explicitly denied', byRole(plan, 'ssm:GetParameter', parameterArn(sibling)), `plan|ssm:GetParameter ${parameter}`);
      }
      for (const secret of n(env).socialSecrets) {
        const own = `apply-${env}|secretsmanager:GetSecretValue ${secret}`;
        await check(own, 'allowed', byRole(applyOf(env), 'secretsmanager:GetSecretValue', secretArn(secret)));
        await check(`plan|secretsmanager:GetSecretValue ${secret}`, 'allowed', byRole(plan, 'secretsmanager:GetSecretValue', secretArn(secret)));
        await check(`apply-${other}|secretsmanager:GetSecretValue ${secret}`, 'explicitly denied', byRole(applyOf(other), 'secretsmanager:GetSecretValue', secretArn(secret)), own);
        // A secret whose name only starts like the source's (the ARN's suffix is exactly six characters).
        await check(`plan|secretsmanager:GetSecretValue ${secret}-old`, 'explicitly denied', byRole(plan, 'secretsmanager:GetSecretValue', secretArn(`${secret}-old`)), `plan|secretsmanager:GetSecretValue ${secret}`);
      }
    }
  });

  it('lets the plan role decrypt only through SSM or Secrets Manager, and only for those sources', async () => {
    const key = keyArn('source-key');
    for (const env of ENVS) {
      for (const parameter of n(env).socialParameters) {
        const viaSsm = { 'kms:ViaService': `ssm.${REGION}.amazonaws.com`, 'kms:EncryptionContext:PARAMETER_ARN': parameterArn(parameter) };
        const id = `plan|kms:Decrypt via ssm ${parameter}`;
        await check(id, 'allowed', byRoleWithEncryptionContext(plan, 'kms:Decrypt', key, viaSsm, ROOT_KEY_POLICY));
        await check(`apply-${env}|kms:Decrypt via ssm ${parameter}`, 'allowed', byRoleWithEncryptionContext(applyOf(env), 'kms:Decrypt', key, viaSsm, ROOT_KEY_POLICY));
        await check(`apply-${otherOf(env)}|kms:Decrypt via ssm ${parameter}`, 'denied', byRoleWithEncryptionContext(applyOf(otherOf(env)), 'kms:Decrypt', key, viaSsm, ROOT_KEY_POLICY), id);
        const otherParameter = { ...viaSsm, 'kms:EncryptionContext:PARAMETER_ARN': parameterArn('/tenantup/unrelated') };
        await check(`plan|kms:Decrypt via ssm unrelated parameter`, 'denied', byRoleWithEncryptionContext(plan, 'kms:Decrypt', key, otherParameter, ROOT_KEY_POLICY), id);
        // Through S3 or DynamoDB (an upload, a table item): the deny holds.
        for (const service of ['s3', 'dynamodb']) {
          await check(`plan|kms:Decrypt via ${service}`, 'explicitly denied', byRole(plan, 'kms:Decrypt', key, { 'kms:ViaService': `${service}.${REGION}.amazonaws.com` }, ROOT_KEY_POLICY), id);
        }
      }
      for (const secret of n(env).socialSecrets) {
        const id = `plan|kms:Decrypt via secretsmanager ${secret}`;
        await check(id, 'allowed', byRoleWithEncryptionContext(plan, 'kms:Decrypt', key, { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': secretArn(secret) }, ROOT_KEY_POLICY));
        for (const tenantSecret of n(env).tenantSecrets) {
          const context = { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': secretArn(tenantSecret) };
          await check(`plan|kms:Decrypt via secretsmanager ${tenantSecret}`, 'denied', byRoleWithEncryptionContext(plan, 'kms:Decrypt', key, context, ROOT_KEY_POLICY), id);
        }
      }
    }
  });

  it('lets each apply role grant DynamoDB its own key for the table, through DynamoDB only', async () => {
    for (const env of ENVS) {
      const key = keyArn(`key-of-${env}`);
      const grant = { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com`, 'aws:ResourceTag/Environment': env, 'kms:GrantIsForAWSResource': 'true' };
      const id = `apply-${env}|kms:CreateGrant own key via dynamodb`;
      await check(id, 'allowed', byRole(applyOf(env), 'kms:CreateGrant', key, grant, ROOT_KEY_POLICY));
      await check(`apply-${env}|kms:CreateGrant own key directly`, 'denied', byRole(applyOf(env), 'kms:CreateGrant', key, { 'aws:ResourceTag/Environment': env, 'kms:GrantIsForAWSResource': 'false' }, ROOT_KEY_POLICY), id);
      await check(`apply-${otherOf(env)}|kms:CreateGrant ${env} key via dynamodb`, 'denied', byRole(applyOf(otherOf(env)), 'kms:CreateGrant', key, grant, ROOT_KEY_POLICY), id);
      await check(`plan|kms:CreateGrant ${env} key via dynamodb`, 'denied', byRole(plan, 'kms:CreateGrant', key, grant, ROOT_KEY_POLICY), id);
    }
  });

  it('cannot publish a new version of any managed policy of a CI role, its own included', async () => {
    const iamAdmin: CiRole = { ...DATA_ADMIN, name: 'iam-admin', sessionArn: `arn:aws:sts::${FAKE_ACCOUNT_ID}:assumed-role/iam-admin/person`, policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }] }] };
    const managed = entries('aws_iam_policy').map(([name, p]) => ({ name: String(p.name), arn: refs[`aws_iam_policy.${name}.arn`]! }));
    expect(managed.map((m) => m.name).sort()).toEqual(ENVS.flatMap((env) => [`tenantup-github-apply-${env}-platform`, `tenantup-github-apply-${env}-sign-in-and-data`, `tenantup-github-plan-${env}`]).sort());
    for (const policy of managed) {
      const control = `iam-admin|iam:CreatePolicyVersion ${policy.name}`;
      await check(control, 'allowed', byRole(iamAdmin, 'iam:CreatePolicyVersion', policy.arn));
      for (const env of ENVS) await check(`apply-${env}|iam:CreatePolicyVersion ${policy.name}`, 'explicitly denied', byRole(applyOf(env), 'iam:CreatePolicyVersion', policy.arn), control);
      await check(`plan|iam:CreatePolicyVersion ${policy.name}`, 'denied', byRole(plan, 'iam:CreatePolicyVersion', policy.arn), control);
    }
  });

  it("manages the groups and identity providers of its own user pool, and passes its own roles to the identity pool and the user pool, not another environment's", async () => {
    for (const env of ENVS) {
      const other = otherOf(env);
      const tagged = { 'aws:ResourceTag/Environment': env };
      for (const action of ['cognito-idp:CreateGroup', 'cognito-idp:UpdateGroup', 'cognito-idp:DeleteGroup', 'cognito-idp:GetGroup', 'cognito-idp:CreateIdentityProvider', 'cognito-idp:UpdateIdentityProvider']) {
        const id = `apply-${env}|${action} own pool`;
        await check(id, 'allowed', byRole(applyOf(env), action, poolOf(env), tagged));
        await check(`apply-${other}|${action} ${env} pool`, 'denied', byRole(applyOf(other), action, poolOf(env), tagged), id);
      }
      await check(`plan|cognito-idp:GetGroup ${env} pool`, 'allowed', byRole(plan, 'cognito-idp:GetGroup', poolOf(env), tagged));
      await check(`plan|cognito-idp:CreateGroup ${env} pool`, 'denied', byRole(plan, 'cognito-idp:CreateGroup', poolOf(env), tagged), `apply-${env}|cognito-idp:CreateGroup own pool`);
      // Tier roles (<base>-tier-<name>) and role-per-tenant roles (<base>-tenant-<id>), as issue 8's groups name them.
      for (const role of [`tenantup-${env}-tier-gold`, `tenantup-${env}-tenant-acme`]) {
        for (const service of ['cognito-identity.amazonaws.com', 'cognito-idp.amazonaws.com']) {
          const id = `apply-${env}|iam:PassRole ${role} to ${service}`;
          const roleArn = `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/${role}`;
          await check(id, 'allowed', byRole(applyOf(env), 'iam:PassRole', roleArn, { 'iam:PassedToService': service }));
          await check(`apply-${other}|iam:PassRole ${role} to ${service}`, 'denied', byRole(applyOf(other), 'iam:PassRole', roleArn, { 'iam:PassedToService': service }), id);
        }
      }
    }
  });
});

describe('the matrix as a whole', () => {
  it('pairs every denial with an allowed control of the same action', () => {
    const problems: string[] = [];
    const actionOfId = (id: string) => id.split('|')[1].split(' ')[0];
    for (const outcome of outcomes.values()) {
      if (outcome.expect === 'allowed') continue;
      const control = outcomes.get(outcome.control!);
      if (!control) problems.push(`${outcome.id}: control ${outcome.control} was not checked`);
      else if (control.expect !== 'allowed' || control.decision !== 'Allowed') problems.push(`${outcome.id}: control ${control.id} is not an allowed check`);
      else if (!outcome.id.startsWith('trust|') && actionOfId(outcome.id) !== actionOfId(control.id)) problems.push(`${outcome.id}: control ${control.id} is another action`);
    }
    expect(problems).toEqual([]);
    const denials = [...outcomes.values()].filter((o) => o.expect !== 'allowed').length;
    // With two environments holding tenant data and social sign-in: 508 checks, 300 of them denials
    // (18 trust checks; 359 checks and 205 denials are the tenant-data, social sign-in and managed
    // policy rows). They
    // grow with the environments of the account and with what their stacks create.
    expect(denials).toBeGreaterThan(200);
  });
});

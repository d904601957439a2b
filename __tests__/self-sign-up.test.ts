import * as fs from 'node:fs';
import * as path from 'node:path';
import { ListUsersCommand, UserType } from '@aws-sdk/client-cognito-identity-provider';
import { cognitoDirectory, createLinkingHandler, USE_SOCIAL_SIGN_IN } from '../modules/account-linking/run-linking';
import { validateEnvironment } from '../modules/environment-config';
import { compileBindings, renderBindings, resolveTenant } from '../modules/tenant-claim';
import { TenantUserPool } from '../modules/tenant-user-pool';
import { onlyResource, synthModule } from './helpers/module-stack';
import { ruleContextFor, runRules } from '../modules/security-rules';
import { invitationCodeSha256, selfSignUpMode } from '../modules/tenant-sign-up';
import { generatedConfig, inMemoryEnvironment } from './helpers/generated-environment';
import { sampleEnvironmentConfig } from './helpers/sample-config';
import { StackJson, synthStack } from './helpers/synth';

const HASH = invitationCodeSha256('test-only-invitation-code-1');
const OTHER_HASH = invitationCodeSha256('test-only-invitation-code-2');

/** A generated config (native tenants only) with self sign-up for alpha (domain and code) and bravo (code). */
function selfSignUpConfig(name: string, mutable = 'new-user-pool'): Record<string, any> {
  const config = generatedConfig(name) as Record<string, any>;
  config.selfSignUp = { enabled: true, tenantAttributeMutable: mutable };
  config.tenants[0].selfSignUp = { emailDomains: ['alpha.example'], invitationCodeSha256: [HASH] };
  config.tenants[1].selfSignUp = { invitationCodeSha256: [OTHER_HASH] };
  return config;
}

function problemsOf(config: unknown): string[] {
  return validateEnvironment('dev', config, { source: 'environments/dev/config.json' }).problems;
}

function only(json: StackJson, type: string): Record<string, any> {
  const entries = Object.entries((json.resource as Record<string, Record<string, any>>)[type] ?? {});
  expect(entries).toHaveLength(1);
  return entries[0]![1];
}

describe('self sign-up: the stack', () => {
  let on: { stack: any; json: StackJson };
  let off: { stack: any; json: StackJson };
  beforeAll(() => {
    on = synthStack(inMemoryEnvironment('signup', selfSignUpConfig('signup')));
    off = synthStack(inMemoryEnvironment('signup', generatedConfig('signup')));
  });

  it('stays off by default: only administrators create users, the attribute is immutable, no post confirmation trigger', () => {
    const pool = only(off.json, 'aws_cognito_user_pool');
    expect(pool.admin_create_user_config.allow_admin_create_user_only).toBe(true);
    expect(pool.schema[0].mutable).toBe(false);
    expect(pool.lambda_config.post_confirmation).toBeUndefined();
    expect(off.stack.tenantSignUp).toBeUndefined();
    expect(JSON.stringify(off.json)).not.toContain('tenant-sign-up');
  });

  it('lets users sign up where enabled, with the post confirmation trigger beside the pre token generation trigger', () => {
    const pool = only(on.json, 'aws_cognito_user_pool');
    expect(pool.admin_create_user_config.allow_admin_create_user_only).toBe(false);
    expect(pool.lambda_config).toEqual({
      pre_token_generation_config: { lambda_arn: expect.stringMatching(/TenantClaim/), lambda_version: 'V1_0' },
      post_confirmation: expect.stringMatching(/^\$\{aws_lambda_function\.TenantSignUp_Trigger_Function_[0-9A-F]+\.arn\}$/),
    });
    // The attribute is mutable so the trigger can write it; no app client can.
    expect(pool.schema[0]).toMatchObject({ name: 'customerName', mutable: true });
    const clients = Object.values((on.json.resource as any).aws_cognito_user_pool_client) as any[];
    for (const client of clients) expect(client.write_attributes).not.toContain('custom:customerName');
    expect(clients.find((c) => c.name === 'native').write_attributes).toEqual(['email']);
  });

  it('packages only the hashes, and grants the trigger AdminUpdateUserAttributes on this pool only', () => {
    expect(on.stack.tenantSignUp.bindings).toEqual({
      version: 1,
      tenantAttribute: 'custom:customerName',
      emailDomains: [['alpha.example', 'alpha']],
      invitationCodes: [[HASH, 'alpha'], [OTHER_HASH, 'bravo']].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    });
    const policies = Object.values((on.json.resource as any).aws_iam_role_policy) as any[];
    const poolPolicies = policies.filter((p) => p.name === 'own-user-pool-admin-actions');
    expect(poolPolicies).toHaveLength(1);
    expect(JSON.parse(poolPolicies[0].policy).Statement).toEqual([
      { Sid: 'OwnUserPool', Effect: 'Allow', Action: ['cognito-idp:AdminUpdateUserAttributes'], Resource: expect.stringMatching(/^\$\{aws_cognito_user_pool\.UserPool_[0-9A-F]+\.arn\}$/) },
    ]);
    const permissions = Object.values((on.json.resource as any).aws_lambda_permission) as any[];
    expect(permissions.filter((p) => /TenantSignUp/.test(p.function_name))).toEqual([
      expect.objectContaining({ principal: 'cognito-idp.amazonaws.com', source_arn: expect.stringMatching(/aws_cognito_user_pool\.UserPool_/) }),
    ]);
  });

  it('passes every security rule with self sign-up on (UP2 takes the documented exception) and off', () => {
    const environment = inMemoryEnvironment('signup', selfSignUpConfig('signup'));
    expect(runRules(on.json, ruleContextFor(environment)).errors).toEqual([]);
    // Without the self sign-up context, the mutable attribute is an UP2 error: the exception is tied to the opt-in.
    expect(runRules(on.json, { ...ruleContextFor(environment), selfSignUp: false }).errors.map((e) => e.rule.id)).toEqual(['UP2']);
    expect(runRules(off.json, ruleContextFor(inMemoryEnvironment('signup', generatedConfig('signup')))).errors).toEqual([]);
  });
});

describe('self sign-up: the config', () => {
  it('accepts self sign-up with hashes and domains, and warns that the attribute is mutable', () => {
    const result = validateEnvironment('dev', selfSignUpConfig('dev'), { source: 'environments/dev/config.json' });
    expect(result.problems).toEqual([]);
    expect(result.environment?.warnings).toEqual([expect.stringMatching(/selfSignUp is enabled: the tenant attribute is mutable.*AdminUpdateUserAttributes/)]);
  });

  it('asks how the pool gets a mutable tenant attribute, since Cognito cannot change an existing one', () => {
    const missing = selfSignUpConfig('dev');
    delete missing.selfSignUp.tenantAttributeMutable;
    expect(problemsOf(missing)).toEqual([
      expect.stringMatching(/^environments\/dev\/config\.json: selfSignUp\.tenantAttributeMutable is required with self sign-up: .*"new-user-pool".*"created-mutable".*cannot modify or remove schema items/),
    ]);
    expect(problemsOf(selfSignUpConfig('dev', 'yes'))).toEqual([expect.stringMatching(/selfSignUp\.tenantAttributeMutable/)]);
    expect(problemsOf(selfSignUpConfig('dev', 'created-mutable'))).toEqual([]);
  });

  it('refuses tenant settings while the environment has not opted in, and an opt-in nobody can use', () => {
    const config = selfSignUpConfig('dev');
    delete config.selfSignUp;
    expect(problemsOf(config)).toEqual([
      expect.stringMatching(/tenants\[0\]\.selfSignUp has no effect while selfSignUp\.enabled is not true/),
      expect.stringMatching(/tenants\[1\]\.selfSignUp has no effect/),
    ]);
    const none = generatedConfig('dev') as Record<string, any>;
    none.selfSignUp = { enabled: true, tenantAttributeMutable: 'new-user-pool' };
    expect(problemsOf(none)).toEqual([expect.stringMatching(/selfSignUp\.enabled needs at least one tenant/)]);
  });

  it('reports every bad domain and hash with the field, the value and the fix, never echoing a pasted code', () => {
    const config = selfSignUpConfig('dev');
    config.tenants[0].selfSignUp = { emailDomains: ['Alpha.example', 'gmail.com', 'alpha.example', '*.alpha.example'], invitationCodeSha256: ['my-secret-invitation-code', HASH] };
    config.tenants[1].selfSignUp = { emailDomains: ['alpha.example'], invitationCodeSha256: [HASH] };
    config.tenants[2].selfSignUp = {};
    const problems = problemsOf(config);
    expect(problems).toEqual([
      expect.stringMatching(/tenants\[0\]\.selfSignUp\.emailDomains\[0\] must be lowercase: write "alpha\.example" \(received "Alpha\.example"\)/),
      expect.stringMatching(/tenants\[0\]\.selfSignUp\.emailDomains\[1\] is a public mailbox provider.*invitation code instead \(received "gmail\.com"\)/),
      expect.stringMatching(/tenants\[0\]\.selfSignUp\.emailDomains\[2\] belongs to tenant alpha already/),
      expect.stringMatching(/tenants\[0\]\.selfSignUp\.emailDomains\[3\] must be a domain name/),
      expect.stringMatching(/tenants\[0\]\.selfSignUp\.invitationCodeSha256\[0\] must be 64 lowercase hex digits.*sha256sum \(received "25 characters"\)/),
      expect.stringMatching(/tenants\[1\]\.selfSignUp\.emailDomains\[0\] belongs to tenant alpha already/),
      expect.stringMatching(/tenants\[1\]\.selfSignUp\.invitationCodeSha256\[0\] repeats a code of tenant alpha/),
      expect.stringMatching(/tenants\[2\]\.selfSignUp lists neither emailDomains nor invitationCodeSha256/),
    ]);
    expect(problems.join('\n')).not.toContain('my-secret-invitation-code');
  });

  it('refuses self sign-up into a SAML tenant (its users are federated only)', () => {
    const config = sampleEnvironmentConfig() as Record<string, any>;
    config.selfSignUp = { enabled: true, tenantAttributeMutable: 'new-user-pool' };
    config.tenants[0].selfSignUp = { emailDomains: ['acme.example'] };
    config.tenants[1].selfSignUp = { emailDomains: ['globex.example'] };
    const result = validateEnvironment('dev', config, { source: 'environments/dev/config.json', samlDir: `${__dirname}/../saml`, now: new Date('2026-11-25T00:00:00Z') });
    expect(result.problems).toEqual([expect.stringMatching(/tenants\[1\]\.selfSignUp is refused: tenant globex signs in through its SAML provider only/)]);
  });

  it('rejects unknown keys in the self sign-up blocks (a typo)', () => {
    const config = selfSignUpConfig('dev');
    config.selfSignUp.enable = true;
    config.tenants[0].selfSignUp.invitationCodes = ['x'];
    expect(problemsOf(config)).toEqual([
      expect.stringMatching(/tenants\[0\]\.selfSignUp\.invitationCodes is not a known key/),
      expect.stringMatching(/selfSignUp\.enable is not a known key.*did you mean "enabled"\?/),
    ]);
  });
});

describe('TenantUserPool selfSignUp', () => {
  const PRE_TOKEN = 'arn:aws:lambda:eu-central-1:123456789012:function:up-dev-tenant-claim';
  const POST_CONFIRMATION = 'arn:aws:lambda:eu-central-1:123456789012:function:up-dev-tenant-sign-up';

  it('opens sign-up, adds the post confirmation trigger beside the pre token generation trigger, and makes the attribute mutable', () => {
    const json = synthModule((scope) => new TenantUserPool(scope, 'UserPool', { userPoolName: 'up-dev-users', domainPrefix: 'up-dev', preTokenGenerationLambdaArn: PRE_TOKEN, selfSignUp: { postConfirmationLambdaArn: POST_CONFIRMATION } }));
    const pool = onlyResource(json, 'aws_cognito_user_pool');
    expect(pool.admin_create_user_config).toEqual({ allow_admin_create_user_only: false });
    expect(pool.lambda_config).toEqual({ pre_token_generation_config: { lambda_arn: PRE_TOKEN, lambda_version: 'V1_0' }, post_confirmation: POST_CONFIRMATION });
    expect(pool.schema[0].mutable).toBe(true);
  });

  it('leaves the pool as it was without selfSignUp', () => {
    const json = synthModule((scope) => new TenantUserPool(scope, 'UserPool', { userPoolName: 'up-dev-users', domainPrefix: 'up-dev', preTokenGenerationLambdaArn: PRE_TOKEN }));
    const pool = onlyResource(json, 'aws_cognito_user_pool');
    expect(pool.admin_create_user_config).toEqual({ allow_admin_create_user_only: true });
    expect(pool.lambda_config).toEqual({ pre_token_generation_config: { lambda_arn: PRE_TOKEN, lambda_version: 'V1_0' } });
    expect(pool.schema[0].mutable).toBe(false);
  });

  it('refuses self sign-up without the tenant-claim trigger, which refuses users left without a tenant', () => {
    expect(() => synthModule((scope) => new TenantUserPool(scope, 'UserPool', { userPoolName: 'up-dev-users', domainPrefix: 'up-dev', selfSignUp: { postConfirmationLambdaArn: POST_CONFIRMATION } }))).toThrow(
      /selfSignUp needs preTokenGenerationLambdaArn/,
    );
  });
});

/** A consumer environment (document 002): users without a tenant, tiers, self sign-up with no tenant open for sign-up. */
function consumerConfig(name: string, extra: Record<string, unknown> = {}): Record<string, any> {
  return { ...(generatedConfig(name) as Record<string, any>), tenantlessUsers: true, tiers: true, selfSignUp: { enabled: true }, ...extra };
}
const GOOGLE = { google: { clientId: 'client.apps.googleusercontent.com', clientSecret: { ssmParameter: '/x/google' } } };

function roleNames(json: StackJson): string[] {
  return Object.values((json.resource as any).aws_iam_role as Record<string, any>)
    .map((role) => role.name)
    .sort();
}

describe('self sign-up without a tenant: the stack', () => {
  let consumer: { stack: any; json: StackJson };
  let closed: { stack: any; json: StackJson };
  let social: { stack: any; json: StackJson };
  beforeAll(() => {
    consumer = synthStack(inMemoryEnvironment('consumer', consumerConfig('consumer')));
    closed = synthStack(inMemoryEnvironment('consumer', consumerConfig('consumer', { selfSignUp: undefined })));
    social = synthStack(inMemoryEnvironment('consumer', consumerConfig('consumer', { socialSignIn: GOOGLE })));
  });

  it('opens SignUp with no post confirmation trigger and leaves the tenant attribute immutable', () => {
    const pool = only(consumer.json, 'aws_cognito_user_pool');
    const before = only(closed.json, 'aws_cognito_user_pool');
    expect(before.admin_create_user_config.allow_admin_create_user_only).toBe(true);
    expect(pool.admin_create_user_config.allow_admin_create_user_only).toBe(false);
    // Nothing else of the pool changes: e-mail confirmation by code, recovery by verified e-mail.
    expect({ ...pool, admin_create_user_config: undefined }).toEqual({ ...before, admin_create_user_config: undefined });
    expect(pool.auto_verified_attributes).toEqual(['email']);
    expect(pool.account_recovery_setting.recovery_mechanism).toEqual([{ name: 'verified_email', priority: 1 }]);
    expect(pool.schema[0]).toMatchObject({ name: 'customerName', mutable: false });
    expect(pool.lambda_config).toEqual({ pre_token_generation_config: { lambda_arn: expect.stringMatching(/TenantClaim/), lambda_version: 'V1_0' } });
    expect(consumer.stack.tenantSignUp).toBeUndefined();
    expect(JSON.stringify(consumer.json)).not.toContain('tenant-sign-up');
    expect(JSON.stringify(consumer.json)).not.toContain('AdminUpdateUserAttributes');
  });

  it('adds no role: the same roles as without sign-up (no trigger role, the tier roles and the default role unchanged)', () => {
    expect(roleNames(consumer.json)).toEqual(roleNames(closed.json));
    expect(roleNames(consumer.json).some((name) => /sign-up/.test(name))).toBe(false);
    // The tenant-claim trigger serves users without a tenant and gives them the default role.
    expect(consumer.stack.tenantClaim.bindings).toMatchObject({ tenantlessUsers: true, defaultRoleName: expect.stringMatching(/-authenticated$/) });
  });

  it('signs a confirmed user without a tenant in as a tenant-less user', () => {
    const bindings = compileBindings(JSON.parse(renderBindings(consumer.stack.tenantClaim.bindings)));
    const signIn = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'cognito-events', 'native-sign-in.json'), 'utf8'));
    delete signIn.request.userAttributes['custom:customerName'];
    expect(resolveTenant(signIn, bindings)).toEqual({ tenant: null, basis: 'TENANTLESS_USER' });
  });

  it('keeps every app client from writing the tenant attribute; the native client writes only email', () => {
    for (const { json } of [consumer, social]) {
      const clients = Object.values((json.resource as any).aws_cognito_user_pool_client) as any[];
      for (const client of clients) expect(client.write_attributes).not.toContain('custom:customerName');
      expect(clients.find((c) => c.name === 'native').write_attributes).toEqual(['email']);
    }
  });

  it('with social sign-in: account linking runs before every SignUp and still refuses a native sign-up with the e-mail of a Google user', async () => {
    const pool = only(social.json, 'aws_cognito_user_pool');
    expect(pool.admin_create_user_config.allow_admin_create_user_only).toBe(false);
    expect(pool.lambda_config).toEqual({
      pre_token_generation_config: { lambda_arn: expect.stringMatching(/TenantClaim/), lambda_version: 'V1_0' },
      pre_sign_up: expect.stringMatching(/^\$\{aws_lambda_function\.AccountLinking_Trigger_Function_[0-9A-F]+\.arn\}$/),
    });
    expect(pool.schema[0].mutable).toBe(false);
    const permissions = Object.values((social.json.resource as any).aws_lambda_permission) as any[];
    expect(permissions.filter((p) => /AccountLinking/.test(p.function_name))).toEqual([
      expect.objectContaining({ principal: 'cognito-idp.amazonaws.com', source_arn: expect.stringMatching(/aws_cognito_user_pool\.UserPool_/) }),
    ]);
    // The packaged linking config of this stack, run on a native SignUp whose e-mail a Google user holds.
    const google: UserType = {
      Username: 'Google_998877665544332211000',
      UserStatus: 'EXTERNAL_PROVIDER' as never,
      Enabled: true,
      Attributes: [
        { Name: 'email', Value: 'sam.rivera@example.com' },
        { Name: 'email_verified', Value: 'true' },
        { Name: 'identities', Value: '[{"providerName":"Google"}]' },
      ],
    };
    const client = { send: jest.fn(async (command: unknown) => (command instanceof ListUsersCommand ? { Users: [google] } : {})) };
    const logs: Record<string, string>[] = [];
    const handler = createLinkingHandler(cognitoDirectory(client), social.stack.accountLinking.config, (line) => logs.push(line));
    const signUp = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'cognito-events', 'pre-sign-up-native.json'), 'utf8'));
    await expect(handler(signUp)).rejects.toThrow(USE_SOCIAL_SIGN_IN);
    expect(logs).toEqual([{ event: 'account-linking', triggerSource: 'PreSignUp_SignUp', outcome: 'refused', reason: 'SOCIAL_ACCOUNT_EXISTS' }]);
    expect(client.send.mock.calls.filter(([command]) => !(command instanceof ListUsersCommand))).toEqual([]);
  });

  it('passes every security rule; a mutable tenant attribute is an UP2 error here (no trigger writes it)', () => {
    for (const [stack, config] of [
      [consumer, consumerConfig('consumer')],
      [social, consumerConfig('consumer', { socialSignIn: GOOGLE })],
    ] as const) {
      const context = ruleContextFor(inMemoryEnvironment('consumer', config));
      expect(context.selfSignUp).toBe(false);
      expect(runRules(stack.json, context).errors).toEqual([]);
    }
    const mutable = JSON.parse(JSON.stringify(consumer.json));
    (Object.values(mutable.resource.aws_cognito_user_pool)[0] as any).schema[0].mutable = true;
    expect(runRules(mutable, ruleContextFor(inMemoryEnvironment('consumer', consumerConfig('consumer')))).errors.map((e) => e.rule.id)).toEqual(['UP2']);
  });

  it('with a tenant open for sign-up as well, behaves as self sign-up into a tenant: the trigger and the mutable attribute', () => {
    const config = consumerConfig('consumer', { selfSignUp: { enabled: true, tenantAttributeMutable: 'new-user-pool' } });
    config.tenants[0].selfSignUp = { emailDomains: ['alpha.example'] };
    const both = synthStack(inMemoryEnvironment('consumer', config));
    const pool = only(both.json, 'aws_cognito_user_pool');
    expect(pool.admin_create_user_config.allow_admin_create_user_only).toBe(false);
    expect(pool.schema[0].mutable).toBe(true);
    expect(pool.lambda_config.post_confirmation).toMatch(/TenantSignUp/);
    expect(both.stack.tenantSignUp?.bindings.emailDomains).toEqual([['alpha.example', 'alpha']]);
    expect(ruleContextFor(inMemoryEnvironment('consumer', config)).selfSignUp).toBe(true);
  });
});

describe('self sign-up without a tenant: the config', () => {
  it('accepts self sign-up with no tenant open where tenantlessUsers is true, with a warning that anyone can sign up', () => {
    const result = validateEnvironment('dev', consumerConfig('dev'), { source: 'environments/dev/config.json' });
    expect(result.problems).toEqual([]);
    expect(result.environment?.warnings).toEqual([
      'environments/dev/config.json: selfSignUp is enabled with no tenant open for sign-up: anyone who confirms an e-mail address can create a user without a tenant (their own folders and the tiers\' prefixes, never a tenant\'s data). No post confirmation trigger is deployed and the tenant attribute is not made mutable.',
    ]);
    expect(selfSignUpMode(result.environment!.config)).toBe('tenantless');
  });

  it('refuses tenantAttributeMutable there: nothing writes the attribute', () => {
    for (const value of ['new-user-pool', 'created-mutable']) {
      expect(problemsOf(consumerConfig('dev', { selfSignUp: { enabled: true, tenantAttributeMutable: value } }))).toEqual([
        `environments/dev/config.json: selfSignUp.tenantAttributeMutable has no effect while no tenant is open for sign-up: users sign up without a tenant, no trigger writes the tenant attribute and the stack leaves its mutability as it is (immutable for a new pool). Remove it; a pool whose tenant attribute was created mutable keeps it with legacyMutableTenantAttribute: true (Cognito cannot change an existing attribute) (received "${value}").`,
      ]);
    }
    expect(problemsOf(consumerConfig('dev', { legacyMutableTenantAttribute: true }))).toEqual([]);
  });

  it('keeps every error of environments without tenantlessUsers: self sign-up there needs a tenant to join', () => {
    for (const tenantlessUsers of [false, undefined]) {
      expect(problemsOf(consumerConfig('dev', { tenantlessUsers, selfSignUp: { enabled: true, tenantAttributeMutable: 'new-user-pool' } }))).toEqual([
        'environments/dev/config.json: selfSignUp.enabled needs at least one tenant with selfSignUp.emailDomains or selfSignUp.invitationCodeSha256: otherwise nobody who signs up could join a tenant (an app whose users sign up without a tenant sets tenantlessUsers: true instead) (received true).',
      ]);
      expect(problemsOf(consumerConfig('dev', { tenantlessUsers, selfSignUp: { enabled: true } }))).toEqual([
        expect.stringMatching(/selfSignUp\.enabled needs at least one tenant/),
        expect.stringMatching(/selfSignUp\.tenantAttributeMutable is required with self sign-up/),
      ]);
    }
  });

  it('still asks for tenantAttributeMutable and checks every tenant block when a tenant is open in a tenant-less environment', () => {
    const config = consumerConfig('dev');
    config.tenants[0].selfSignUp = { emailDomains: ['gmail.com'] };
    expect(problemsOf(config)).toEqual([
      expect.stringMatching(/tenants\[0\]\.selfSignUp\.emailDomains\[0\] is a public mailbox provider/),
      expect.stringMatching(/selfSignUp\.tenantAttributeMutable is required with self sign-up/),
    ]);
    config.tenants[1].selfSignUp = {};
    expect(problemsOf(config)).toContainEqual(expect.stringMatching(/tenants\[1\]\.selfSignUp lists neither emailDomains nor invitationCodeSha256/));
  });

  it('decides the mode from the config alone', () => {
    expect(selfSignUpMode({})).toBe('off');
    expect(selfSignUpMode({ selfSignUp: { enabled: false }, tenants: [{ selfSignUp: {} }] })).toBe('off');
    expect(selfSignUpMode({ selfSignUp: { enabled: true } })).toBe('tenantless');
    expect(selfSignUpMode({ selfSignUp: { enabled: true }, tenants: [{}, { selfSignUp: undefined }] })).toBe('tenantless');
    expect(selfSignUpMode({ selfSignUp: { enabled: true }, tenants: [{}, { selfSignUp: { emailDomains: ['a.example'] } }] })).toBe('into-tenant');
  });
});

describe('TenantUserPool tenantlessSignUp', () => {
  const PRE_TOKEN = 'arn:aws:lambda:eu-central-1:123456789012:function:up-dev-tenant-claim';
  const POST_CONFIRMATION = 'arn:aws:lambda:eu-central-1:123456789012:function:up-dev-tenant-sign-up';

  it('opens sign-up with no post confirmation trigger, the attribute as it was', () => {
    for (const legacyMutableTenantAttribute of [false, true]) {
      const json = synthModule((scope) => new TenantUserPool(scope, 'UserPool', { userPoolName: 'up-dev-users', domainPrefix: 'up-dev', preTokenGenerationLambdaArn: PRE_TOKEN, tenantlessSignUp: true, legacyMutableTenantAttribute }));
      const pool = onlyResource(json, 'aws_cognito_user_pool');
      expect(pool.admin_create_user_config).toEqual({ allow_admin_create_user_only: false });
      expect(pool.lambda_config).toEqual({ pre_token_generation_config: { lambda_arn: PRE_TOKEN, lambda_version: 'V1_0' } });
      expect(pool.schema[0].mutable).toBe(legacyMutableTenantAttribute);
    }
  });

  it('refuses it without the tenant-claim trigger, and beside selfSignUp', () => {
    expect(() => synthModule((scope) => new TenantUserPool(scope, 'UserPool', { userPoolName: 'up-dev-users', domainPrefix: 'up-dev', tenantlessSignUp: true }))).toThrow(/tenantlessSignUp needs preTokenGenerationLambdaArn/);
    expect(() =>
      synthModule((scope) => new TenantUserPool(scope, 'UserPool', { userPoolName: 'up-dev-users', domainPrefix: 'up-dev', preTokenGenerationLambdaArn: PRE_TOKEN, tenantlessSignUp: true, selfSignUp: { postConfirmationLambdaArn: POST_CONFIRMATION } })),
    ).toThrow(/tenantlessSignUp and selfSignUp are exclusive/);
  });
});

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdminLinkProviderForUserCommand, ListUsersCommand, UserType } from '@aws-sdk/client-cognito-identity-provider';
import {
  ACCOUNT_LINKING_ACTIONS,
  ACCOUNT_LINKING_HANDLER_FILE,
  AccountLinkingConfig,
  accountLinkingConfig,
  AccountLinkingTrigger,
  compileLinkingConfig,
  decideLink,
  emailFilter,
  LINKING_CONFIG_FILE_NAME,
  planLookup,
  PreSignUpEvent,
  socialSource,
} from '../modules/account-linking';
import { cognitoDirectory, createLinkingHandler, LIST_USERS_PAGE_SIZE, MAX_LIST_USERS_PAGES } from '../modules/account-linking/run-linking';
import { packageTrigger, readZip, removeWrittenPackages } from '../modules/cognito-trigger';
import { onlyResource, parsePolicy, resources, synthModule } from './helpers/module-stack';

const FIXTURES = path.join(__dirname, 'fixtures', 'cognito-events');
const CLAIM = 'custom:customerName';
const CONFIG: AccountLinkingConfig = accountLinkingConfig({ tenantClaim: CLAIM, socialProviders: ['SignInWithApple', 'Google'] });
const POOL_ARN = 'arn:aws:cognito-idp:eu-central-1:123456789012:userpool/eu-central-1_EXAMPLE';

afterAll(removeWrittenPackages);

/** A fresh copy of a pre sign-up fixture, with user attributes set (a string) or removed (undefined). */
function event(name: string, attributes: Record<string, string | undefined> = {}, patch: Partial<PreSignUpEvent> = {}): PreSignUpEvent {
  const parsed = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as PreSignUpEvent;
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) delete parsed.request.userAttributes[key];
    else parsed.request.userAttributes[key] = value;
  }
  return { ...parsed, ...patch };
}

/** A user as ListUsers returns it. */
function user(username: string, status: string, attributes: Record<string, string>, enabled = true): UserType {
  return { Username: username, UserStatus: status as never, Enabled: enabled, Attributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })) };
}
const NATIVE_SUB = '7d2f4b6a-8c1e-4f3a-b5d7-9e0f1a2b3c4d';
const nativeUser = (attributes: Record<string, string> = {}, enabled = true) =>
  user(NATIVE_SUB, 'CONFIRMED', { sub: NATIVE_SUB, email: 'sam.rivera@example.com', email_verified: 'true', ...attributes }, enabled);
const googleUser = (attributes: Record<string, string> = {}) =>
  user('Google_998877665544332211000', 'EXTERNAL_PROVIDER', { sub: 'f1e2d3c4-b5a6-4978-8877-665544332211', email: 'sam.rivera@example.com', email_verified: 'true', identities: '[{"providerName":"Google"}]', ...attributes });

/** A mocked Cognito client: ListUsers answers from `pages`, AdminLinkProviderForUser succeeds (or `fail` throws). */
function mockClient(pages: UserType[][], fail?: Error) {
  const calls: (ListUsersCommand | AdminLinkProviderForUserCommand)[] = [];
  const client = {
    send: jest.fn(async (command: ListUsersCommand | AdminLinkProviderForUserCommand) => {
      calls.push(command);
      if (fail) throw fail;
      if (command instanceof ListUsersCommand) {
        const page = command.input.PaginationToken === undefined ? 0 : Number(command.input.PaginationToken);
        return { Users: pages[page] ?? [], ...(page + 1 < pages.length ? { PaginationToken: String(page + 1) } : {}) };
      }
      return {};
    }),
  };
  return { client, calls, lists: () => calls.filter((c): c is ListUsersCommand => c instanceof ListUsersCommand), links: () => calls.filter((c): c is AdminLinkProviderForUserCommand => c instanceof AdminLinkProviderForUserCommand) };
}

/** Runs the handler with a mocked client; returns the result or the error message, the calls and the log lines. */
async function run(input: PreSignUpEvent, pages: UserType[][] = [], fail?: Error) {
  const mock = mockClient(pages, fail);
  const logs: Record<string, string>[] = [];
  const handler = createLinkingHandler(cognitoDirectory(mock.client), CONFIG, (line) => logs.push(line));
  let result: PreSignUpEvent | undefined;
  let error: string | undefined;
  try {
    result = await handler(input);
  } catch (e) {
    error = (e as Error).message;
  }
  return { result, error, logs, ...mock };
}

const PII = ['sam.rivera@example.com', 'lee.chen@example.com', 'j.smith@globex.example', 'pat.kim@example.com', NATIVE_SUB, '112233445566778899001', '001234.5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c.1234', 'Google_998877665544332211000'];
function expectNoPersonalData(logs: readonly Record<string, string>[]): void {
  const text = JSON.stringify(logs);
  for (const secret of PII) expect(text).not.toContain(secret);
}

describe('account linking: a social sign-up (PreSignUp_ExternalProvider)', () => {
  it('lets a new Google user through as a new user when no native user has the e-mail', async () => {
    const { result, error, lists, links, logs } = await run(event('pre-sign-up-google'), [[]]);
    expect(error).toBeUndefined();
    expect(result).toEqual(event('pre-sign-up-google'));
    expect(lists().map((c) => c.input)).toEqual([{ UserPoolId: 'eu-central-1_EXAMPLE', Filter: 'email = "sam.rivera@example.com"', Limit: LIST_USERS_PAGE_SIZE }]);
    expect(links()).toEqual([]);
    expect(logs).toEqual([{ event: 'account-linking', triggerSource: 'PreSignUp_ExternalProvider', outcome: 'allowed', reason: 'NEW_SOCIAL_USER' }]);
  });

  it('links Google to the one native user with the same verified e-mail, then asks the user to sign in again', async () => {
    const { error, links, logs } = await run(event('pre-sign-up-google'), [[nativeUser()]]);
    expect(links().map((c) => c.input)).toEqual([
      {
        UserPoolId: 'eu-central-1_EXAMPLE',
        DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: NATIVE_SUB },
        SourceUser: { ProviderName: 'Google', ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: '112233445566778899001' },
      },
    ]);
    expect(error).toBe('Account linked to your existing account: sign in again.');
    expect(logs).toEqual([{ event: 'account-linking', triggerSource: 'PreSignUp_ExternalProvider', outcome: 'linked', reason: 'LINKED_TO_NATIVE_USER', provider: 'Google' }]);
    expectNoPersonalData(logs);
  });

  it('links Apple with the provider name AdminLinkProviderForUser wants, whatever case Cognito sends the user name in', async () => {
    const apple = nativeUser({ email: 'Lee.Chen@example.com' });
    const { error, links } = await run(event('pre-sign-up-apple'), [[apple]]);
    expect(error).toBe('Account linked to your existing account: sign in again.');
    expect(links().map((c) => c.input.SourceUser)).toEqual([{ ProviderName: 'SignInWithApple', ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: '001234.5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c.1234' }]);
  });

  it.each([
    ['unverified', { email_verified: 'false' }],
    ['missing the verification flag', { email_verified: undefined }],
    ['"True" rather than "true"', { email_verified: 'True' }],
    ['missing', { email: undefined }],
    ['empty', { email: '' }],
  ])('never links, and refuses, when the IdP asserts an e-mail that is %s; it does not even look users up', async (_, attributes) => {
    const { error, calls, logs } = await run(event('pre-sign-up-google', attributes), [[nativeUser()]]);
    expect(error).toBe('Sign-up refused by the account policy.');
    expect(calls).toEqual([]);
    expect(logs).toEqual([{ event: 'account-linking', triggerSource: 'PreSignUp_ExternalProvider', outcome: 'refused', reason: 'IDP_EMAIL_NOT_VERIFIED' }]);
  });

  it('never links to a native user whose e-mail is not verified: the social user is created on its own', async () => {
    const { result, error, links, logs } = await run(event('pre-sign-up-google'), [[nativeUser({ email_verified: 'false' })]]);
    expect(error).toBeUndefined();
    expect(result).toBeDefined();
    expect(links()).toEqual([]);
    expect(logs[0]).toMatchObject({ outcome: 'allowed', reason: 'NATIVE_EMAIL_NOT_VERIFIED' });
  });

  it('never links when several native users have the e-mail, across pages too', async () => {
    const other = user('0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e', 'CONFIRMED', { email: 'SAM.RIVERA@example.com', email_verified: 'true' });
    for (const pages of [[[nativeUser(), other]], [[nativeUser()], [other]]]) {
      const { error, links, logs } = await run(event('pre-sign-up-google'), pages);
      expect(error).toBe('Sign-up refused by the account policy.');
      expect(links()).toEqual([]);
      expect(logs[0]).toMatchObject({ outcome: 'refused', reason: 'SEVERAL_NATIVE_USERS' });
    }
  });

  it("never links a social identity to a tenant's user (never across tenants): the sign-up is refused", async () => {
    for (const tenant of ['acme', 'globex', 'another-tenant']) {
      const { error, links, logs } = await run(event('pre-sign-up-google'), [[nativeUser({ [CLAIM]: tenant })]]);
      expect(error).toBe('Sign-up refused by the account policy.');
      expect(links()).toEqual([]);
      expect(logs[0]).toMatchObject({ outcome: 'refused', reason: 'TENANT_USER' });
      expect(JSON.stringify(logs)).not.toContain(tenant);
    }
  });

  it('never links to a native user that already has an identity of the same provider (another Google account)', async () => {
    const linked = nativeUser({ identities: '[{"userId":"555","providerName":"Google","providerType":"Google","primary":false}]' });
    const { error, links, logs } = await run(event('pre-sign-up-google'), [[linked]]);
    expect(error).toBe('Sign-up refused by the account policy.');
    expect(links()).toEqual([]);
    expect(logs[0]).toMatchObject({ reason: 'ALREADY_LINKED_TO_PROVIDER' });
    // Apple can still join a user linked to Google.
    const apple = await run(event('pre-sign-up-apple', { email: 'sam.rivera@example.com' }), [[linked]]);
    expect(apple.links()).toHaveLength(1);
  });

  it('refuses when the native user is disabled, or its identities are not what Cognito writes', async () => {
    expect((await run(event('pre-sign-up-google'), [[nativeUser({}, false)]])).logs[0]).toMatchObject({ reason: 'NATIVE_USER_DISABLED' });
    for (const identities of ['not json', '{}', '[null]', '[{"providerName":""}]']) {
      const { error, links, logs } = await run(event('pre-sign-up-google'), [[nativeUser({ identities })]]);
      expect(error).toBe('Sign-up refused by the account policy.');
      expect(links()).toEqual([]);
      expect(logs[0]).toMatchObject({ reason: 'IDENTITIES_UNPARSABLE' });
    }
  });

  it('ignores federated users with the e-mail and users whose e-mail does not match exactly (ignoring case)', async () => {
    const prefix = nativeUser({ email: 'sam.rivera@example.com.evil' });
    const { links, logs } = await run(event('pre-sign-up-google'), [[googleUser(), prefix]]);
    expect(links()).toEqual([]);
    expect(logs[0]).toMatchObject({ outcome: 'allowed', reason: 'NEW_SOCIAL_USER' });
  });

  it('never links a SAML (tenant) sign-up, and makes no call for it', async () => {
    const { result, calls, logs } = await run(event('pre-sign-up-saml'), [[nativeUser({ email: 'j.smith@globex.example' })]]);
    expect(result).toEqual(event('pre-sign-up-saml'));
    expect(calls).toEqual([]);
    expect(logs).toEqual([{ event: 'account-linking', triggerSource: 'PreSignUp_ExternalProvider', outcome: 'allowed', reason: 'NOT_A_SOCIAL_PROVIDER' }]);
  });

  it('treats a social provider the environment does not enable like any other provider: no link', async () => {
    const googleOnly = accountLinkingConfig({ tenantClaim: CLAIM, socialProviders: ['Google'] });
    expect(planLookup(event('pre-sign-up-apple'), googleOnly)).toEqual({ decided: { action: 'allow', reason: 'NOT_A_SOCIAL_PROVIDER' } });
  });

  it('refuses rather than guesses when the lookup has more pages than it reads', async () => {
    const pages = Array.from({ length: MAX_LIST_USERS_PAGES + 1 }, () => [googleUser()]);
    const { error, lists, links, logs } = await run(event('pre-sign-up-google'), pages);
    expect(lists()).toHaveLength(MAX_LIST_USERS_PAGES);
    expect(links()).toEqual([]);
    expect(error).toBe('Sign-up refused by the account policy.');
    expect(logs[0]).toMatchObject({ reason: 'LOOKUP_INCOMPLETE' });
  });

  it('fails closed when Cognito fails, logging only the error name', async () => {
    const failure = Object.assign(new Error('User: arn:aws:sts::1:assumed-role/x is not authorized; filter email = "sam.rivera@example.com"'), { name: 'AccessDeniedException' });
    const { error, logs } = await run(event('pre-sign-up-google'), [[nativeUser()]], failure);
    expect(error).toBe('Sign-up refused by the account policy.');
    expect(logs).toEqual([{ event: 'account-linking', triggerSource: 'PreSignUp_ExternalProvider', outcome: 'failed', reason: 'DIRECTORY_ERROR', error: 'AccessDeniedException' }]);
    expectNoPersonalData(logs);
    const odd = Object.assign(new Error('x'), { name: 'sam.rivera@example.com' });
    expect((await run(event('pre-sign-up-google'), [[nativeUser()]], odd)).logs[0]).toMatchObject({ outcome: 'failed', error: 'Error' });
  });
});

describe('account linking: native and administrator sign-ups', () => {
  it('refuses a native self sign-up with the verified e-mail of a Google or Apple user, saying how to sign in', async () => {
    const { error, links, logs } = await run(event('pre-sign-up-native'), [[googleUser()]]);
    expect(error).toBe('This e-mail address already signs in with Google or Apple: sign in that way.');
    expect(links()).toEqual([]);
    expect(logs).toEqual([{ event: 'account-linking', triggerSource: 'PreSignUp_SignUp', outcome: 'refused', reason: 'SOCIAL_ACCOUNT_EXISTS' }]);
  });

  it('lets a native self sign-up through when no social user holds the e-mail verified', async () => {
    for (const pages of [[[]], [[googleUser({ email_verified: 'false' })]], [[user('globex_j', 'EXTERNAL_PROVIDER', { email: 'sam.rivera@example.com', email_verified: 'true' })]]]) {
      const { result, error, logs } = await run(event('pre-sign-up-native'), pages);
      expect(error).toBeUndefined();
      expect(result).toEqual(event('pre-sign-up-native'));
      expect(logs[0]).toMatchObject({ outcome: 'allowed', reason: 'NATIVE_SIGN_UP' });
    }
  });

  it('lets an administrator create a user unchanged, without a lookup', async () => {
    const { result, calls, logs } = await run(event('pre-sign-up-admin-create-user'), [[googleUser()]]);
    expect(result).toEqual(event('pre-sign-up-admin-create-user'));
    expect(calls).toEqual([]);
    expect(logs).toEqual([{ event: 'account-linking', triggerSource: 'PreSignUp_AdminCreateUser', outcome: 'allowed', reason: 'ADMIN_CREATE_USER' }]);
  });

  it('refuses other trigger sources and malformed events', async () => {
    for (const triggerSource of ['PostConfirmation_ConfirmSignUp', 'TokenGeneration_HostedAuth', 'presignup_signup', '']) {
      expect((await run(event('pre-sign-up-google', {}, { triggerSource }))).logs[0]).toMatchObject({ outcome: 'refused', reason: 'UNSUPPORTED_TRIGGER_SOURCE' });
    }
    expect((await run({ ...event('pre-sign-up-google'), userName: '' })).logs[0]).toMatchObject({ reason: 'MALFORMED_EVENT' });
    expect((await run({ ...event('pre-sign-up-google'), request: {} as never })).logs[0]).toMatchObject({ reason: 'MALFORMED_EVENT' });
    expect((await run({ ...event('pre-sign-up-google'), triggerSource: 'x y' })).logs[0]).toMatchObject({ triggerSource: 'INVALID' });
  });
});

describe('account linking: pure parts', () => {
  it('escapes quotes and backslashes in the ListUsers filter, so a value cannot leave its string', () => {
    expect(emailFilter('sam@example.com')).toBe('email = "sam@example.com"');
    expect(emailFilter('a"b@example.com')).toBe('email = "a\\"b@example.com"');
    expect(emailFilter('a\\"@x" or email ^= "')).toBe('email = "a\\\\\\"@x\\" or email ^= \\""');
    expect(emailFilter('\\')).toBe('email = "\\\\"');
  });

  it('reads the provider and its user id from the federated user name', () => {
    expect(socialSource('Google_123', ['Google'])).toEqual({ provider: 'Google', providerUserId: '123' });
    expect(socialSource('google_1_2', ['Google'])).toEqual({ provider: 'Google', providerUserId: '1_2' });
    for (const name of ['Google', 'Google_', '_123', 'Googl_123', 'Facebook_1']) expect(socialSource(name, ['Google', 'SignInWithApple'])).toBeUndefined();
  });

  it('decides nothing from an incomplete lookup', () => {
    const plan = planLookup(event('pre-sign-up-google'), CONFIG);
    if (!('lookup' in plan)) throw new Error('expected a lookup');
    expect(decideLink(plan, [], false, CONFIG)).toEqual({ action: 'refuse', reason: 'LOOKUP_INCOMPLETE' });
  });

  it('refuses linking.json that is not what accountLinkingConfig writes', () => {
    expect(compileLinkingConfig(JSON.parse(JSON.stringify(CONFIG)))).toEqual(CONFIG);
    expect(CONFIG.socialProviders).toEqual(['Google', 'SignInWithApple']);
    for (const raw of [null, [], { ...CONFIG, version: 2 }, { ...CONFIG, tenantClaim: 'customerName' }, { ...CONFIG, socialProviders: [] }, { ...CONFIG, socialProviders: ['globex'] }]) {
      expect(() => compileLinkingConfig(raw)).toThrow(/^linking\.json: /);
    }
  });
});

describe('account linking: the packaged handler', () => {
  let dir: string;
  let bundle: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'account-linking-test-'));
    const pkg = packageTrigger(ACCOUNT_LINKING_HANDLER_FILE, { [LINKING_CONFIG_FILE_NAME]: JSON.stringify(CONFIG) });
    for (const [name, content] of Object.entries(readZip(pkg.zip))) fs.writeFileSync(path.join(dir, name), content);
    bundle = pkg.bundle.toString();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("bundles the decision code and leaves the AWS SDK to the runtime's copy", () => {
    const requires = [...bundle.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).filter((m) => !m!.startsWith('node:'));
    expect([...new Set(requires)]).toEqual(['@aws-sdk/client-cognito-identity-provider']);
    expect(bundle).toContain('LOOKUP_INCOMPLETE');
  });

  /** Loads index.js in a fresh Node process that resolves the SDK from this repository (as the runtime provides it). */
  function invoke(input: PreSignUpEvent, folder = dir): { result?: PreSignUpEvent; error?: string; output: string; status: number | null } {
    const script = `const { handler } = require(${JSON.stringify(path.join(folder, 'index.js'))});
      handler(JSON.parse(process.env.EVENT)).then(
        (r) => process.stdout.write('\\nRESULT ' + JSON.stringify(r) + '\\n'),
        (e) => process.stdout.write('\\nERROR ' + e.message + '\\n'));`;
    const env = { EVENT: JSON.stringify(input), NODE_PATH: path.join(__dirname, '..', 'node_modules'), AWS_REGION: 'eu-central-1', PATH: process.env.PATH ?? '' };
    const run = spawnSync(process.execPath, ['-e', script], { cwd: os.tmpdir(), env, encoding: 'utf8' });
    const lines = run.stdout.split('\n');
    const result = lines.find((l) => l.startsWith('RESULT '));
    const error = lines.find((l) => l.startsWith('ERROR '));
    return { result: result ? JSON.parse(result.slice(7)) : undefined, error: error?.slice(6), output: [...lines.filter((l) => !l.startsWith('RESULT ') && !l.startsWith('ERROR ')), run.stderr].join('\n'), status: run.status };
  }

  it('passes a SAML sign-up through and logs one line without personal data, with no AWS call', () => {
    const { result, error, output } = invoke(event('pre-sign-up-saml'));
    expect(error).toBeUndefined();
    expect(result).toEqual(event('pre-sign-up-saml'));
    expect(output.match(/account-linking/g)).toHaveLength(1);
    expect(output).toContain("reason: 'NOT_A_SOCIAL_PROVIDER'");
    for (const secret of PII) expect(output).not.toContain(secret);
  });

  it('refuses an unverified social e-mail in the package as in the source', () => {
    expect(invoke(event('pre-sign-up-google', { email_verified: 'false' })).error).toBe('Sign-up refused by the account policy.');
  });

  it('fails every invocation when linking.json is missing (fail closed)', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'account-linking-noconfig-'));
    try {
      fs.copyFileSync(path.join(dir, 'index.js'), path.join(empty, 'index.js'));
      const { result, status, output } = invoke(event('pre-sign-up-saml'), empty);
      expect(result).toBeUndefined();
      expect(status).not.toBe(0);
      expect(output).toMatch(/ENOENT.*linking\.json/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('AccountLinkingTrigger', () => {
  it('ships handler.ts with linking.json through CognitoTrigger, and may call only ListUsers and AdminLinkProviderForUser on the pool that invokes it', () => {
    let trigger!: AccountLinkingTrigger;
    const json = synthModule((scope) => {
      trigger = new AccountLinkingTrigger(scope, 'AccountLinking', { functionName: 'up-dev-account-linking', tenantClaim: CLAIM, socialProviders: ['Google'] });
      trigger.allowInvocationBy(POOL_ARN);
    });
    expect(onlyResource(json, 'aws_lambda_function')).toMatchObject({ function_name: 'up-dev-account-linking', runtime: 'nodejs22.x', handler: 'index.handler' });
    expect(onlyResource(json, 'aws_lambda_permission')).toMatchObject({ principal: 'cognito-idp.amazonaws.com', source_arn: POOL_ARN, action: 'lambda:InvokeFunction' });
    expect(onlyResource(json, 'aws_cloudwatch_log_group')).toMatchObject({ retention_in_days: 365 });
    const policies = resources(json, 'aws_iam_role_policy').map(([, p]) => parsePolicy(p.policy));
    const poolStatements = policies.flatMap((p) => p.Statement).filter((s) => JSON.stringify(s.Action).includes('cognito-idp'));
    expect(poolStatements).toEqual([{ Sid: 'OwnUserPool', Effect: 'Allow', Action: ['cognito-idp:AdminLinkProviderForUser', 'cognito-idp:ListUsers'], Resource: POOL_ARN }]);
    expect(ACCOUNT_LINKING_ACTIONS).toEqual(['cognito-idp:AdminLinkProviderForUser', 'cognito-idp:ListUsers']);
    const pkg = packageTrigger(ACCOUNT_LINKING_HANDLER_FILE, { [LINKING_CONFIG_FILE_NAME]: JSON.stringify(trigger.config) });
    expect(trigger.trigger.assetHash).toBe(pkg.sha256Hex);
    expect(JSON.parse(readZip(pkg.zip)[LINKING_CONFIG_FILE_NAME]!.toString())).toEqual({ version: 1, tenantClaim: CLAIM, socialProviders: ['Google'] });
  });

  it('reports linking and function problems together', () => {
    expect(() =>
      synthModule((scope) => new AccountLinkingTrigger(scope, 'AccountLinking', { functionName: 'x'.repeat(65), tenantClaim: 'customerName', socialProviders: ['globex' as never], logRetentionDays: 2 })),
    ).toThrow(/^AccountLinkingTrigger test\/AccountLinking:\n {2}- tenantClaim must be custom:[\s\S]*socialProviders has "globex"[\s\S]*functionName must be 1–64[\s\S]*logRetentionDays must be one of/);
    expect(() => accountLinkingConfig({ tenantClaim: CLAIM, socialProviders: [] })).toThrow(/socialProviders must name at least one/);
  });
});

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
  linkLogRecord,
  loggableTriggerSource,
  planLookup,
  PreSignUpEvent,
  socialSource,
} from '../modules/account-linking';
import { cognitoDirectory, createLinkingHandler, LIST_USERS_PAGE_SIZE, MAX_LIST_USERS_PAGES, UserDirectory } from '../modules/account-linking/run-linking';
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

describe('account linking: planLookup (what is looked up before deciding)', () => {
  const GOOGLE_ID = '112233445566778899001';

  it('looks up the e-mail of a Google sign-up, naming the provider and its user id', () => {
    expect(planLookup(event('pre-sign-up-google'), CONFIG)).toEqual({ lookup: 'email', email: 'sam.rivera@example.com', kind: 'social', provider: 'Google', providerUserId: GOOGLE_ID });
  });

  it('looks up the e-mail of a native self sign-up, and lets one without an e-mail through without a lookup', () => {
    expect(planLookup(event('pre-sign-up-native'), CONFIG)).toStrictEqual({ lookup: 'email', email: 'sam.rivera@example.com', kind: 'native-sign-up' });
    for (const email of [undefined, '']) {
      expect(planLookup(event('pre-sign-up-native', { email }), CONFIG)).toStrictEqual({ decided: { action: 'allow', reason: 'NATIVE_SIGN_UP' } });
    }
  });

  it('reads only string attributes the event itself holds: inherited or non-string e-mails count as missing', () => {
    const inherited = event('pre-sign-up-google');
    inherited.request.userAttributes = Object.create({ email: 'sam.rivera@example.com', email_verified: 'true' }) as Record<string, string>;
    expect(planLookup(inherited, CONFIG)).toStrictEqual({ decided: { action: 'refuse', reason: 'IDP_EMAIL_NOT_VERIFIED' } });
    const nonString = event('pre-sign-up-google', { email: ['sam.rivera@example.com'] as never });
    expect(planLookup(nonString, CONFIG)).toStrictEqual({ decided: { action: 'refuse', reason: 'IDP_EMAIL_NOT_VERIFIED' } });
    const nativeNonString = event('pre-sign-up-native', { email: { address: 'sam.rivera@example.com' } as never });
    expect(planLookup(nativeNonString, CONFIG)).toStrictEqual({ decided: { action: 'allow', reason: 'NATIVE_SIGN_UP' } });
  });

  it('refuses a missing event or an unknown trigger source, whatever the rest of the event holds', () => {
    const unsupported = { decided: { action: 'refuse', reason: 'UNSUPPORTED_TRIGGER_SOURCE' } };
    expect(planLookup(undefined as never, CONFIG)).toStrictEqual(unsupported);
    expect(planLookup(null as never, CONFIG)).toStrictEqual(unsupported);
    for (const triggerSource of [undefined, 42, 'PostConfirmation_ConfirmSignUp']) {
      expect(planLookup(event('pre-sign-up-google', {}, { triggerSource: triggerSource as never }), CONFIG)).toStrictEqual(unsupported);
    }
  });

  it('refuses a social or native sign-up whose attributes or user name are not what Cognito sends', () => {
    const malformed = { decided: { action: 'refuse', reason: 'MALFORMED_EVENT' } };
    for (const name of ['pre-sign-up-google', 'pre-sign-up-native']) {
      for (const userAttributes of [null, [], 'email=sam.rivera@example.com', undefined]) {
        const input = event(name);
        expect(planLookup({ ...input, request: { ...input.request, userAttributes: userAttributes as never } }, CONFIG)).toStrictEqual(malformed);
      }
      expect(planLookup({ ...event(name), request: undefined as never }, CONFIG)).toStrictEqual(malformed);
      for (const userName of [42, undefined, '']) expect(planLookup({ ...event(name), userName: userName as never }, CONFIG)).toStrictEqual(malformed);
    }
  });

  it('refuses each of these events in the handler too, with the refusal message and one log line', async () => {
    const refusals: [PreSignUpEvent, string, string][] = [
      [event('pre-sign-up-google', {}, { triggerSource: 'PostConfirmation_ConfirmSignUp' }), 'UNSUPPORTED_TRIGGER_SOURCE', 'PostConfirmation_ConfirmSignUp'],
      [{ ...event('pre-sign-up-google'), userName: '' }, 'MALFORMED_EVENT', 'PreSignUp_ExternalProvider'],
      [null as never, 'UNSUPPORTED_TRIGGER_SOURCE', 'INVALID'],
    ];
    for (const [input, reason, triggerSource] of refusals) {
      const { result, error, calls, logs } = await run(input, [[nativeUser()]]);
      expect(result).toBeUndefined();
      expect(error).toBe('Sign-up refused by the account policy.');
      expect(calls).toEqual([]);
      expect(logs).toStrictEqual([{ event: 'account-linking', triggerSource, outcome: 'refused', reason }]);
    }
  });
});

describe('account linking: decideLink (the decision given the users with the e-mail)', () => {
  const socialPlan = planLookup(event('pre-sign-up-google'), CONFIG) as Extract<ReturnType<typeof planLookup>, { lookup: 'email' }>;
  const nativePlan = planLookup(event('pre-sign-up-native'), CONFIG) as Extract<ReturnType<typeof planLookup>, { lookup: 'email' }>;
  const directoryUser = (username: string, status: string, attributes: Record<string, string>, enabled = true) => ({ username, status, enabled, attributes });
  const native = (attributes: Record<string, string> = {}, enabled = true) =>
    directoryUser(NATIVE_SUB, 'CONFIRMED', { email: 'sam.rivera@example.com', email_verified: 'true', ...attributes }, enabled);
  const LINK = { action: 'link', reason: 'LINKED_TO_NATIVE_USER', destinationUsername: NATIVE_SUB, provider: 'Google', providerUserId: '112233445566778899001' };

  it('links to a native user whose tenant attribute is empty: an empty attribute is no tenant', () => {
    expect(decideLink(socialPlan, [native({ [CLAIM]: '' })], true, CONFIG)).toStrictEqual(LINK);
    expect(decideLink(socialPlan, [native({ [CLAIM]: 'acme' })], true, CONFIG)).toStrictEqual({ action: 'refuse', reason: 'TENANT_USER' });
  });

  it('refuses, in the handler as in the decision, to link to a disabled native user', async () => {
    expect(decideLink(socialPlan, [native({}, false)], true, CONFIG)).toStrictEqual({ action: 'refuse', reason: 'NATIVE_USER_DISABLED' });
    const { result, error, links } = await run(event('pre-sign-up-google'), [[nativeUser({}, false)]]);
    expect(result).toBeUndefined();
    expect(error).toBe('Sign-up refused by the account policy.');
    expect(links()).toEqual([]);
  });

  it('ignores listed users without an e-mail attribute', () => {
    const noEmail = directoryUser(NATIVE_SUB, 'CONFIRMED', { email_verified: 'true' });
    expect(decideLink(socialPlan, [noEmail], true, CONFIG)).toStrictEqual({ action: 'allow', reason: 'NEW_SOCIAL_USER' });
    expect(decideLink(nativePlan, [directoryUser('Google_1', 'EXTERNAL_PROVIDER', { email_verified: 'true' })], true, CONFIG)).toStrictEqual({ action: 'allow', reason: 'NATIVE_SIGN_UP' });
  });

  it('judges a user social by its EXTERNAL_PROVIDER status, not by a user name that looks like a provider', () => {
    const lookalike = directoryUser('Google_998877665544332211000', 'CONFIRMED', { email: 'sam.rivera@example.com', email_verified: 'true' });
    expect(decideLink(nativePlan, [lookalike], true, CONFIG)).toStrictEqual({ action: 'allow', reason: 'NATIVE_SIGN_UP' });
    expect(decideLink(nativePlan, [{ ...lookalike, status: 'EXTERNAL_PROVIDER' }], true, CONFIG)).toStrictEqual({ action: 'refuse', reason: 'SOCIAL_ACCOUNT_EXISTS' });
  });
});

describe('account linking: the log line', () => {
  it('names the provider only for a link, and no other field', () => {
    const input = event('pre-sign-up-google');
    expect(linkLogRecord(input, { action: 'allow', reason: 'NEW_SOCIAL_USER' })).toStrictEqual({ event: 'account-linking', triggerSource: 'PreSignUp_ExternalProvider', outcome: 'allowed', reason: 'NEW_SOCIAL_USER' });
    expect(linkLogRecord(input, { action: 'refuse', reason: 'TENANT_USER' })).toStrictEqual({ event: 'account-linking', triggerSource: 'PreSignUp_ExternalProvider', outcome: 'refused', reason: 'TENANT_USER' });
    expect(linkLogRecord(input, { action: 'link', reason: 'LINKED_TO_NATIVE_USER', destinationUsername: NATIVE_SUB, provider: 'SignInWithApple', providerUserId: '1' })).toStrictEqual({
      event: 'account-linking',
      triggerSource: 'PreSignUp_ExternalProvider',
      outcome: 'linked',
      reason: 'LINKED_TO_NATIVE_USER',
      provider: 'SignInWithApple',
    });
  });

  it('logs the trigger source only when it is an identifier, otherwise INVALID', () => {
    expect(loggableTriggerSource(event('pre-sign-up-native'))).toBe('PreSignUp_SignUp');
    for (const triggerSource of [undefined, null, 42, '', 'x y', 'a'.repeat(65)]) {
      expect(loggableTriggerSource({ ...event('pre-sign-up-native'), triggerSource: triggerSource as never })).toBe('INVALID');
    }
    expect(loggableTriggerSource(undefined as never)).toBe('INVALID');
    expect(loggableTriggerSource(null as never)).toBe('INVALID');
  });
});

describe('account linking: the Cognito directory', () => {
  async function listed(output: unknown) {
    const client = { send: jest.fn(async () => output) };
    return cognitoDirectory(client).listUsers('eu-central-1_EXAMPLE', 'email = "sam.rivera@example.com"');
  }

  it('reads a ListUsers page without users as no users', async () => {
    expect(await listed({})).toStrictEqual({ users: [] });
  });

  it('reads missing user fields as empty, never as a value, and keeps only attributes with a name and a value', async () => {
    expect(await listed({ Users: [{}] })).toStrictEqual({ users: [{ username: '', status: '', enabled: false, attributes: {} }] });
    const attributes = [{ Name: 'email', Value: 'sam.rivera@example.com' }, { Name: 'email_verified' }, { Value: 'true' }, { Name: CLAIM, Value: '' }];
    expect(await listed({ Users: [{ Username: NATIVE_SUB, UserStatus: 'CONFIRMED', Enabled: true, Attributes: attributes }], PaginationToken: 'next-page' })).toStrictEqual({
      users: [{ username: NATIVE_SUB, status: 'CONFIRMED', enabled: true, attributes: { email: 'sam.rivera@example.com', [CLAIM]: '' } }],
      next: 'next-page',
    });
  });

  it('fails closed with the refusal message when the directory throws something that is not an Error, logging the name "Error"', async () => {
    for (const thrown of [undefined, null, {}, { name: 42 }, 'AccessDenied']) {
      const directory: UserDirectory = {
        listUsers: async () => {
          throw thrown;
        },
        linkProviderForUser: async () => undefined,
      };
      const logs: Record<string, string>[] = [];
      await expect(createLinkingHandler(directory, CONFIG, (line) => logs.push(line))(event('pre-sign-up-google'))).rejects.toThrow(/^Sign-up refused by the account policy\.$/);
      expect(logs).toStrictEqual([{ event: 'account-linking', triggerSource: 'PreSignUp_ExternalProvider', outcome: 'failed', reason: 'DIRECTORY_ERROR', error: 'Error' }]);
    }
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
    for (const name of ['Google', 'Googlex', 'GoogleX', 'Google_', '_123', 'Googl_123', 'Facebook_1']) expect(socialSource(name, ['Google', 'SignInWithApple'])).toBeUndefined();
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

  it('says what is wrong with linking.json', () => {
    const cases: [unknown, string][] = [
      [null, 'linking.json: must be a JSON object.'],
      [[], 'linking.json: must be a JSON object.'],
      ['{"version":1}', 'linking.json: must be a JSON object.'],
      [42, 'linking.json: must be a JSON object.'],
      [{ ...CONFIG, version: 2 }, 'linking.json: version must be 1 (received 2).'],
      [{ ...CONFIG, version: '1' }, 'linking.json: version must be 1 (received "1").'],
      [{ ...CONFIG, tenantClaim: [CLAIM] }, 'linking.json: tenantClaim must be custom:<attribute>.'],
      [{ ...CONFIG, tenantClaim: `x${CLAIM}` }, 'linking.json: tenantClaim must be custom:<attribute>.'],
      [{ ...CONFIG, tenantClaim: `${CLAIM}-x` }, 'linking.json: tenantClaim must be custom:<attribute>.'],
      [{ ...CONFIG, tenantClaim: `custom:a${'b'.repeat(20)}` }, 'linking.json: tenantClaim must be custom:<attribute>.'],
      [{ ...CONFIG, socialProviders: 'Google' }, 'linking.json: socialProviders must list some of Google, SignInWithApple.'],
      [{ ...CONFIG, socialProviders: [] }, 'linking.json: socialProviders must list some of Google, SignInWithApple.'],
      [{ ...CONFIG, socialProviders: ['Google', 'globex'] }, 'linking.json: socialProviders must list some of Google, SignInWithApple.'],
    ];
    for (const [raw, message] of cases) expect(() => compileLinkingConfig(raw)).toThrow(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    expect(compileLinkingConfig({ version: 1, tenantClaim: `custom:a${'b'.repeat(19)}`, socialProviders: ['SignInWithApple'] })).toEqual({ version: 1, tenantClaim: `custom:a${'b'.repeat(19)}`, socialProviders: ['SignInWithApple'] });
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

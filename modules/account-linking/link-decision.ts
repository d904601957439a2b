/**
 * The decision of the account-linking (pre sign-up) trigger, as pure functions: may this sign-up
 * proceed, and should a social identity join an existing user? No I/O, no clock: the user lookup
 * is done by the handler and passed in, so every case is tested without AWS.
 *
 * This file is bundled into the function: it must not import cdktf, the provider or anything with
 * side effects (type-only imports are erased).
 *
 * What Cognito documents, and what the decisions rest on:
 * - Pre sign-up runs for `PreSignUp_SignUp` (SignUp), `PreSignUp_AdminCreateUser` and
 *   `PreSignUp_ExternalProvider` (the first sign-in of a federated user, before Cognito creates
 *   the `<Provider>_<id>` user). A thrown error stops the sign-up.
 *   https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-sign-up.html
 * - AdminLinkProviderForUser links an IdP identity to an existing user, so the next sign-in with
 *   that identity signs in as that user (same `sub`). It "is ignored" if the source user already
 *   exists, so it must run before the federated user is created: in pre sign-up. AWS warns that
 *   linking lets the IdP identity sign in as the user, so it must only join identities that
 *   prove the same owner (a verified e-mail on both sides).
 *   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminLinkProviderForUser.html
 * - ListUsers filters on `email` with `=`; quotes in the value are escaped with a backslash.
 *   Custom attributes (the tenant attribute) are not searchable, but are returned.
 *   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListUsers.html
 */

import type { CognitoTriggerEventCommon } from '../cognito-trigger/trigger-event';
import { identityProviderNames } from '../tenant-claim/resolve-tenant';

/** The only linking-config format this code reads. */
export const LINKING_CONFIG_VERSION = 1;
/** The trigger sources of the pre sign-up trigger. */
export const PRE_SIGN_UP_SOURCES = ['PreSignUp_SignUp', 'PreSignUp_AdminCreateUser', 'PreSignUp_ExternalProvider'] as const;
/** The social providers Cognito names after their type; a SAML or OIDC provider may not take these names. */
export const LINKABLE_SOCIAL_PROVIDERS = ['Google', 'SignInWithApple'] as const;
export type LinkableSocialProvider = (typeof LINKABLE_SOCIAL_PROVIDERS)[number];
/** `ProviderName` of the user pool's own directory in AdminLinkProviderForUser's DestinationUser. */
export const COGNITO_PROVIDER_NAME = 'Cognito';
/** The attribute AdminLinkProviderForUser's SourceUser names for a social IdP: the IdP's `sub`. */
export const SOURCE_ATTRIBUTE_NAME = 'Cognito_Subject';

/** `linking.json`, as written by `accountLinkingConfig` and read by the handler. */
export interface AccountLinkingConfig {
  /** Format version: 1. */
  readonly version: typeof LINKING_CONFIG_VERSION;
  /** The tenant attribute as a claim, `custom:<tenantAttribute>`: a user holding one is never linked. */
  readonly tenantClaim: string;
  /** The social providers of the pool whose identities may be linked (sorted). */
  readonly socialProviders: readonly LinkableSocialProvider[];
}

/**
 * The pre sign-up event: the common trigger parameters plus this trigger's request and response.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-sign-up.html
 */
export interface PreSignUpEvent extends CognitoTriggerEventCommon {
  userName: string;
  request: {
    userAttributes: Record<string, string>;
    validationData?: Record<string, string> | null;
    clientMetadata?: Record<string, string> | null;
  };
  response: { autoConfirmUser: boolean; autoVerifyEmail: boolean; autoVerifyPhone: boolean };
}

/** A user of the pool as ListUsers returns it (the fields the decision reads). */
export interface DirectoryUser {
  readonly username: string;
  /** `UserStatus`: `EXTERNAL_PROVIDER` for a federated user, `CONFIRMED` and others for a native one. */
  readonly status: string;
  readonly enabled: boolean;
  readonly attributes: Readonly<Record<string, string>>;
}

/** What the handler must look up before deciding. */
export type LookupPlan =
  | { readonly lookup: 'email'; readonly email: string; readonly kind: 'social' | 'native-sign-up'; readonly provider?: LinkableSocialProvider; readonly providerUserId?: string }
  | { readonly decided: LinkDecision };

/** Why a sign-up may go on without linking. */
export type AllowReason =
  /** A social identity whose verified e-mail no native user holds: a new, tenant-less user. */
  | 'NEW_SOCIAL_USER'
  /** A SAML (tenant) provider: its users belong to its tenant and are never linked. */
  | 'NOT_A_SOCIAL_PROVIDER'
  /** The only native user with that e-mail has not verified it: never linked (it may be a squatter's), so the social user is created on its own. */
  | 'NATIVE_EMAIL_NOT_VERIFIED'
  /** A native self sign-up whose e-mail no social user holds. */
  | 'NATIVE_SIGN_UP'
  /** An administrator creates a user: their decision. */
  | 'ADMIN_CREATE_USER';

/** Why a sign-up is refused. Logged; never shown to the user. */
export type RefuseReason =
  /** Not a PreSignUp_* trigger source: wired to the wrong trigger. */
  | 'UNSUPPORTED_TRIGGER_SOURCE'
  /** No user name or attributes where Cognito always sends them. */
  | 'MALFORMED_EVENT'
  /** The IdP's e-mail is missing or not asserted as verified (`email_verified` is not `true`). */
  | 'IDP_EMAIL_NOT_VERIFIED'
  /** More than one native user has that e-mail: nothing tells which one is this person. */
  | 'SEVERAL_NATIVE_USERS'
  /** The native user with that e-mail belongs to a tenant: a social identity never joins a tenant. */
  | 'TENANT_USER'
  /** The native user is disabled: a second account would evade that. */
  | 'NATIVE_USER_DISABLED'
  /** The native user already has an identity of this provider (another Google account). */
  | 'ALREADY_LINKED_TO_PROVIDER'
  /** A native user's `identities` is not what Cognito writes. */
  | 'IDENTITIES_UNPARSABLE'
  /** A native self sign-up with the verified e-mail of a social user: one person, one user. */
  | 'SOCIAL_ACCOUNT_EXISTS'
  /** The lookup returned more pages than the handler reads: refuse rather than guess. */
  | 'LOOKUP_INCOMPLETE';

export type LinkDecision =
  | {
      readonly action: 'link';
      readonly reason: 'LINKED_TO_NATIVE_USER';
      /** The native user's `Username` (its `sub` in a pool with e-mail as user name). */
      readonly destinationUsername: string;
      readonly provider: LinkableSocialProvider;
      readonly providerUserId: string;
    }
  | { readonly action: 'allow'; readonly reason: AllowReason }
  | { readonly action: 'refuse'; readonly reason: RefuseReason };

/** Validates `linking.json` (parsed). Throws on any doubt. */
export function compileLinkingConfig(raw: unknown): AccountLinkingConfig {
  const fail = (what: string): never => {
    throw new Error(`linking.json: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('must be a JSON object.');
  const value = raw as Record<string, unknown>;
  if (value.version !== LINKING_CONFIG_VERSION) fail(`version must be ${LINKING_CONFIG_VERSION} (received ${JSON.stringify(value.version)}).`);
  if (typeof value.tenantClaim !== 'string' || !/^custom:[A-Za-z][A-Za-z0-9_]{0,19}$/.test(value.tenantClaim)) fail('tenantClaim must be custom:<attribute>.');
  const providers = value.socialProviders;
  if (!Array.isArray(providers) || providers.length === 0 || !providers.every((p) => (LINKABLE_SOCIAL_PROVIDERS as readonly unknown[]).includes(p))) {
    fail(`socialProviders must list some of ${LINKABLE_SOCIAL_PROVIDERS.join(', ')}.`);
  }
  return { version: LINKING_CONFIG_VERSION, tenantClaim: value.tenantClaim as string, socialProviders: providers as LinkableSocialProvider[] };
}

/**
 * The ListUsers filter for one e-mail address: `email = "<value>"`, with backslashes and quotes
 * escaped so a value can never close the string and add to the filter.
 */
export function emailFilter(email: string): string {
  return `email = "${email.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function ownString(record: Readonly<Record<string, unknown>>, key: string): string | undefined {
  if (!Object.hasOwn(record, key)) return undefined;
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The provider and the provider's user id in a federated user name (`Google_1234…`). Cognito has
 * been seen to send the prefix in lower case (`google_1234…`), while AdminLinkProviderForUser wants
 * the provider name exactly, so the prefix is matched case-insensitively to the configured names.
 */
export function socialSource(userName: string, providers: readonly LinkableSocialProvider[]): { provider: LinkableSocialProvider; providerUserId: string } | undefined {
  const cut = userName.indexOf('_');
  // Stryker disable next-line EqualityOperator: `cut <= 1` differs only at cut 1, a one-character prefix, which names no linkable provider (Google, SignInWithApple), so both return undefined; the variants that do differ (`cut >= 1`, `!==`) are pinned by 'reads the provider and its user id from the federated user name'.
  if (cut < 1 || cut === userName.length - 1) return undefined;
  const prefix = userName.slice(0, cut).toLowerCase();
  const provider = providers.find((p) => p.toLowerCase() === prefix);
  return provider === undefined ? undefined : { provider, providerUserId: userName.slice(cut + 1) };
}

const isTrue = (value: string | undefined): boolean => value === 'true';
const sameEmail = (a: string | undefined, b: string): boolean => a !== undefined && a.toLowerCase() === b.toLowerCase();

/**
 * Step one: what the handler must look up, or the decision when nothing needs looking up.
 * Fail closed: every doubt about the event is a refusal.
 */
export function planLookup(event: PreSignUpEvent, config: AccountLinkingConfig): LookupPlan {
  const source = event?.triggerSource;
  // No typeof check: includes() finds no non-string (undefined, a number) in this list of strings.
  if (!(PRE_SIGN_UP_SOURCES as readonly string[]).includes(source)) return { decided: { action: 'refuse', reason: 'UNSUPPORTED_TRIGGER_SOURCE' } };
  if (source === 'PreSignUp_AdminCreateUser') return { decided: { action: 'allow', reason: 'ADMIN_CREATE_USER' } };
  const attributes: unknown = event.request?.userAttributes;
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes) || typeof event.userName !== 'string' || event.userName === '') {
    return { decided: { action: 'refuse', reason: 'MALFORMED_EVENT' } };
  }
  const attrs = attributes as Record<string, unknown>;
  const email = ownString(attrs, 'email');
  if (source === 'PreSignUp_SignUp') {
    // Without an e-mail Cognito refuses the sign-up itself (e-mail is the user name).
    return email === undefined || email === '' ? { decided: { action: 'allow', reason: 'NATIVE_SIGN_UP' } } : { lookup: 'email', email, kind: 'native-sign-up' };
  }
  const social = socialSource(event.userName, config.socialProviders);
  if (social === undefined) return { decided: { action: 'allow', reason: 'NOT_A_SOCIAL_PROVIDER' } };
  // Only what the IdP asserts as verified can join accounts (Google and Apple send email_verified;
  // the provider maps it). https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-specifying-attribute-mapping.html
  if (email === undefined || email === '' || !isTrue(ownString(attrs, 'email_verified'))) return { decided: { action: 'refuse', reason: 'IDP_EMAIL_NOT_VERIFIED' } };
  return { lookup: 'email', email, kind: 'social', ...social };
}

/**
 * Step two: the decision, given the users ListUsers returned for the e-mail (`complete` = every
 * page was read).
 *
 * - Social sign-up: link only when exactly one enabled native user has this e-mail, verified,
 *   holds no tenant and no identity of this provider yet. No native user: a new tenant-less user.
 *   An unverified native e-mail: never linked, the social user is created on its own (refusing
 *   would let whoever registered someone's address without verifying it lock them out).
 * - Native self sign-up: refused when a social user already holds the e-mail, verified.
 */
export function decideLink(plan: Extract<LookupPlan, { lookup: 'email' }>, users: readonly DirectoryUser[], complete: boolean, config: AccountLinkingConfig): LinkDecision {
  if (!complete) return { action: 'refuse', reason: 'LOOKUP_INCOMPLETE' };
  // ListUsers matched the filter; the e-mail is compared again, so a lookup that returned more
  // (a prefix match, another case) decides nothing by itself.
  const matching = users.filter((user) => sameEmail(user.attributes.email, plan.email));
  if (plan.kind === 'native-sign-up') {
    const social = matching.some(
      (user) => user.status === 'EXTERNAL_PROVIDER' && isTrue(user.attributes.email_verified) && socialSource(user.username, config.socialProviders) !== undefined,
    );
    return social ? { action: 'refuse', reason: 'SOCIAL_ACCOUNT_EXISTS' } : { action: 'allow', reason: 'NATIVE_SIGN_UP' };
  }
  const natives = matching.filter((user) => user.status !== 'EXTERNAL_PROVIDER');
  if (natives.length === 0) return { action: 'allow', reason: 'NEW_SOCIAL_USER' };
  if (natives.length > 1) return { action: 'refuse', reason: 'SEVERAL_NATIVE_USERS' };
  const [native] = natives as [DirectoryUser];
  const tenant = native.attributes[config.tenantClaim];
  if (tenant !== undefined && tenant !== '') return { action: 'refuse', reason: 'TENANT_USER' };
  if (!native.enabled) return { action: 'refuse', reason: 'NATIVE_USER_DISABLED' };
  if (!isTrue(native.attributes.email_verified)) return { action: 'allow', reason: 'NATIVE_EMAIL_NOT_VERIFIED' };
  const identities = native.attributes.identities;
  if (identities !== undefined) {
    const names = identityProviderNames(identities);
    if (names === undefined) return { action: 'refuse', reason: 'IDENTITIES_UNPARSABLE' };
    if (names.includes(plan.provider!)) return { action: 'refuse', reason: 'ALREADY_LINKED_TO_PROVIDER' };
  }
  return { action: 'link', reason: 'LINKED_TO_NATIVE_USER', destinationUsername: native.username, provider: plan.provider!, providerUserId: plan.providerUserId! };
}

/** The one log line per decision: trigger source, outcome and reason code, never user data. */
export function linkLogRecord(event: PreSignUpEvent, decision: LinkDecision): Record<string, string> {
  const source = loggableTriggerSource(event);
  const outcome = decision.action === 'link' ? 'linked' : decision.action === 'allow' ? 'allowed' : 'refused';
  return {
    event: 'account-linking',
    triggerSource: source,
    outcome,
    reason: decision.reason,
    ...(decision.action === 'link' ? { provider: decision.provider } : {}),
  };
}

/** The trigger source as logged: Cognito's identifier, or `INVALID` for anything else (never free text). */
export function loggableTriggerSource(event: PreSignUpEvent): string {
  return typeof event?.triggerSource === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(event.triggerSource) ? event.triggerSource : 'INVALID';
}

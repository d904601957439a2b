/**
 * The decision of the tenant-claim trigger, as pure functions: who is this user's tenant, judged
 * only by who authenticated them. No I/O, no clock, nothing from outside but the event and the
 * bindings, so it is tested without files and bundled into the Lambda without dependencies.
 *
 * This file is bundled into the function: it must not import cdktf, the provider or anything with
 * side effects (type-only imports are erased).
 */

import type { CognitoTriggerEventCommon } from '../cognito-trigger/trigger-event';

/** The only bindings format this code reads. */
export const BINDINGS_VERSION = 1;
/** A user-pool custom attribute as a claim: `custom:` and 1–20 letters, digits or `_`. */
export const TENANT_CLAIM_PATTERN = /^custom:[A-Za-z][A-Za-z0-9_]{0,19}$/;
/**
 * Social providers: Cognito names them after their type, and no SAML provider may take these
 * names (the config and the bindings refuse them, case-insensitively), so a name in this list is
 * always a social identity. A social identity carries no tenant.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-social-idp.html
 */
export const SOCIAL_PROVIDER_NAMES: readonly string[] = ['Facebook', 'Google', 'LoginWithAmazon', 'SignInWithApple'];
/** The trigger sources of the pre token generation trigger all start with this. */
export const TOKEN_GENERATION_PREFIX = 'TokenGeneration_';

/** `bindings.json`, as written by `tenantClaimBindings` and read by the handler. */
export interface TenantClaimBindings {
  /** Format version: 1. */
  readonly version: typeof BINDINGS_VERSION;
  /** The claim the trigger sets, `custom:<tenantAttribute>`. */
  readonly tenantClaim: string;
  /** Tenants whose users sign in with a user-pool password (sorted). A SAML tenant is not one. */
  readonly nativeTenants: readonly string[];
  /** Identity-provider name (exact, case-sensitive) → the tenant it signs users in for. */
  readonly providers: Readonly<Record<string, string>>;
  /**
   * The environment serves users of no tenant (`tenantlessUsers`): their tokens get no tenant claim
   * instead of being refused. Written only when true, so the package of other environments is unchanged.
   */
  readonly tenantlessUsers?: true;
  /**
   * Where groups carry roles: the name of the environment's default authenticated role, put into the
   * token of a user whose groups carry none (role-override.ts). Written only then, so the package of
   * other environments is unchanged.
   */
  readonly defaultRoleName?: string;
}

/** Bindings ready for O(1) lookups: a `Set` and a `Map`, so no key can reach `Object.prototype`. */
export interface CompiledTenantBindings {
  readonly tenantClaim: string;
  readonly nativeTenants: ReadonlySet<string>;
  readonly providers: ReadonlyMap<string, string>;
  readonly tenantlessUsers: boolean;
  readonly defaultRoleName?: string;
}

/**
 * The V1_0 pre token generation event: the common trigger parameters plus the request and response
 * of this trigger.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html
 * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
 */
export interface PreTokenGenerationV1Event extends CognitoTriggerEventCommon {
  userName?: string;
  request: {
    userAttributes: Record<string, string>;
    groupConfiguration?: { groupsToOverride?: string[]; iamRolesToOverride?: string[]; preferredRole?: string | null };
    clientMetadata?: Record<string, string>;
  };
  response: { claimsOverrideDetails?: ClaimsOverrideDetails | null };
}

/** The V1_0 response: claims to add or override and to suppress in the ID token. */
export interface ClaimsOverrideDetails {
  claimsToAddOrOverride?: Record<string, string>;
  claimsToSuppress?: string[];
  groupOverrideDetails?: { groupsToOverride?: string[]; iamRolesToOverride?: string[]; preferredRole?: string | null };
}

/** Why a tenant was accepted. */
export type TenantBasis = 'NATIVE_TENANT_ATTRIBUTE' | 'IDENTITY_PROVIDER_BINDING';
/** Why a user gets a token without any tenant claim (`tenantlessUsers`): a native or social user of no tenant. */
export type TenantlessBasis = 'TENANTLESS_USER';

/** Why a sign-in or refresh is refused. Logged; never shown to the user. */
export type RejectReason =
  /** Not a TokenGeneration_* trigger source: this function is wired to the wrong trigger. */
  | 'UNSUPPORTED_TRIGGER_SOURCE'
  /** Not a version 1 event: a V2_0/V3_0 response would need another shape, and the claim would silently stay as stored. */
  | 'UNSUPPORTED_EVENT_VERSION'
  /** No request.userAttributes object. */
  | 'MALFORMED_EVENT'
  /** `identities` is not a JSON array of objects that each name a provider. */
  | 'IDENTITIES_UNPARSABLE'
  /** An identity names a provider that no tenant is bound to. */
  | 'UNKNOWN_PROVIDER'
  /** The user's identities come from providers of different tenants. */
  | 'PROVIDERS_OF_DIFFERENT_TENANTS'
  /** The stored tenant attribute names another tenant than the provider's (an IdP asserting a tenant). */
  | 'ASSERTED_TENANT_CONFLICT'
  /** `cognito:user_status` is EXTERNAL_PROVIDER but there is no `identities` attribute. */
  | 'EXTERNAL_USER_WITHOUT_IDENTITIES'
  /** A native user without a tenant attribute (or an empty one). */
  | 'TENANT_ATTRIBUTE_MISSING'
  /** A native user whose tenant attribute is not, exactly, a tenant with native users. */
  | 'TENANT_NOT_NATIVE'
  /** A social identity (Google, Apple) on a user of a tenant: account linking never does that, so someone linked it by hand. */
  | 'SOCIAL_IDENTITY_ON_TENANT_USER';

export type TenantDecision =
  | { readonly tenant: string; readonly basis: TenantBasis }
  /** Tenant-less: the token goes out without the tenant claim (suppressed). */
  | { readonly tenant: null; readonly basis: TenantlessBasis }
  | { readonly reject: RejectReason };

/** Validates `bindings.json` (parsed) and builds the lookup structures. Throws on any doubt. */
export function compileBindings(raw: unknown): CompiledTenantBindings {
  const fail = (what: string): never => {
    throw new Error(`bindings.json: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('must be a JSON object.');
  const value = raw as Record<string, unknown>;
  if (value.version !== BINDINGS_VERSION) fail(`version must be ${BINDINGS_VERSION} (received ${JSON.stringify(value.version)}).`);
  const tenantClaim = value.tenantClaim;
  if (typeof tenantClaim !== 'string' || !TENANT_CLAIM_PATTERN.test(tenantClaim)) fail(`tenantClaim must match ${TENANT_CLAIM_PATTERN.source}.`);
  const nativeTenants = value.nativeTenants;
  if (!Array.isArray(nativeTenants) || !nativeTenants.every((t) => typeof t === 'string' && t !== '')) fail('nativeTenants must be an array of tenant ids.');
  const providers = value.providers;
  if (typeof providers !== 'object' || providers === null || Array.isArray(providers)) return fail('providers must be an object.');
  const providerMap = new Map<string, string>();
  for (const [name, tenant] of Object.entries(providers as Record<string, unknown>)) {
    if (typeof tenant !== 'string' || tenant === '') fail(`providers[${JSON.stringify(name)}] must be a tenant id.`);
    providerMap.set(name, tenant as string);
  }
  const tenantless = value.tenantlessUsers;
  if (tenantless !== undefined && tenantless !== true) fail(`tenantlessUsers must be true or absent (received ${JSON.stringify(tenantless)}).`);
  const defaultRoleName = value.defaultRoleName;
  if (defaultRoleName !== undefined && (typeof defaultRoleName !== 'string' || !/^[\w+=,.@-]{1,64}$/.test(defaultRoleName))) {
    fail(`defaultRoleName must be an IAM role name or absent (received ${JSON.stringify(defaultRoleName)}).`);
  }
  return {
    tenantClaim: tenantClaim as string,
    nativeTenants: new Set(nativeTenants as string[]),
    providers: providerMap,
    tenantlessUsers: tenantless === true,
    ...(defaultRoleName === undefined ? {} : { defaultRoleName: defaultRoleName as string }),
  };
}

function ownString(record: Record<string, unknown>, key: string): string | undefined {
  if (!Object.hasOwn(record, key)) return undefined;
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Provider names of the `identities` attribute, or undefined when it is not what Cognito writes.
 * Shared with the account-linking trigger (it is bundled into both functions).
 */
export function identityProviderNames(identities: string): string[] | undefined {
  let parsed: unknown;
  // Without the catch block's return, parsed stays undefined, which the next line refuses the same
  // way; emptying the try block refuses every federated user (pinned by the federated tests).
  // Stryker disable BlockStatement: see above.
  try {
    parsed = JSON.parse(identities);
  } catch {
    return undefined;
  }
  // Stryker restore BlockStatement
  if (!Array.isArray(parsed) || parsed.length === 0) return undefined;
  const names: string[] = [];
  for (const identity of parsed) {
    // Stryker disable next-line ConditionalExpression: dropping the typeof or Array.isArray test changes nothing (a string or an array has no own providerName, so ownString returns undefined too); the null test, disabled with them, is pinned by the 'null in the array' case.
    if (typeof identity !== 'object' || identity === null || Array.isArray(identity)) return undefined;
    const name = ownString(identity as Record<string, unknown>, 'providerName');
    if (name === undefined || name === '') return undefined;
    names.push(name);
  }
  return names;
}

/**
 * The tenant of the user in a V1_0 pre token generation event, or why there is none. Fail closed:
 * every doubt is a rejection, and nothing falls back to a default tenant.
 *
 * - Federated user (an `identities` attribute, which Cognito maintains and no client can write):
 *   the tenant every identity's provider is bound to. What the IdP asserts is never the source;
 *   an asserted tenant attribute that differs from the bound tenant is a rejection.
 * - Native user: the tenant attribute (immutable and writable by no app client, so only an
 *   administrator set it), and only if it is exactly a tenant with native users.
 * - Social identities (Google, Apple; also on a native user they were linked to) carry no tenant:
 *   a user whose identities are all social is judged like a native user, except that a tenant
 *   attribute beside a social identity is refused (linking never joins a tenant user).
 * - No tenant at all: with `tenantlessUsers`, a token without the tenant claim; otherwise refused.
 *   A tenant attribute that names no (or a removed) tenant is always refused, never tenant-less,
 *   so offboarding a tenant still stops its users.
 */
export function resolveTenant(event: PreTokenGenerationV1Event, bindings: CompiledTenantBindings): TenantDecision {
  if (typeof event?.triggerSource !== 'string' || !event.triggerSource.startsWith(TOKEN_GENERATION_PREFIX)) {
    return { reject: 'UNSUPPORTED_TRIGGER_SOURCE' };
  }
  if (String(event.version) !== '1') return { reject: 'UNSUPPORTED_EVENT_VERSION' };
  const attributes: unknown = event.request?.userAttributes;
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) return { reject: 'MALFORMED_EVENT' };
  const attrs = attributes as Record<string, unknown>;
  const storedTenant = Object.hasOwn(attrs, bindings.tenantClaim) ? attrs[bindings.tenantClaim] : undefined;

  if (Object.hasOwn(attrs, 'identities')) {
    const identities = attrs.identities;
    const names = typeof identities === 'string' ? identityProviderNames(identities) : undefined;
    if (names === undefined) return { reject: 'IDENTITIES_UNPARSABLE' };
    const social = names.filter((name) => SOCIAL_PROVIDER_NAMES.includes(name));
    if (social.length === names.length) {
      // Only social identities: no tenant from the provider, and none may come from an attribute.
      if (storedTenant !== undefined && storedTenant !== '') return { reject: 'SOCIAL_IDENTITY_ON_TENANT_USER' };
      return bindings.tenantlessUsers ? { tenant: null, basis: 'TENANTLESS_USER' } : { reject: 'TENANT_ATTRIBUTE_MISSING' };
    }
    if (social.length > 0) return { reject: 'SOCIAL_IDENTITY_ON_TENANT_USER' };
    const tenants = new Set<string>();
    for (const name of names) {
      const tenant = bindings.providers.get(name);
      if (tenant === undefined) return { reject: 'UNKNOWN_PROVIDER' };
      tenants.add(tenant);
    }
    if (tenants.size !== 1) return { reject: 'PROVIDERS_OF_DIFFERENT_TENANTS' };
    const [tenant] = tenants as unknown as [string];
    if (storedTenant !== undefined && storedTenant !== tenant) return { reject: 'ASSERTED_TENANT_CONFLICT' };
    return { tenant, basis: 'IDENTITY_PROVIDER_BINDING' };
  }

  if (ownString(attrs, 'cognito:user_status') === 'EXTERNAL_PROVIDER') return { reject: 'EXTERNAL_USER_WITHOUT_IDENTITIES' };
  if (storedTenant === undefined || storedTenant === '') return bindings.tenantlessUsers ? { tenant: null, basis: 'TENANTLESS_USER' } : { reject: 'TENANT_ATTRIBUTE_MISSING' };
  if (typeof storedTenant !== 'string') return { reject: 'TENANT_ATTRIBUTE_MISSING' };
  if (!bindings.nativeTenants.has(storedTenant)) return { reject: 'TENANT_NOT_NATIVE' };
  return { tenant: storedTenant, basis: 'NATIVE_TENANT_ATTRIBUTE' };
}

/**
 * The event with the tenant claim set in the V1_0 response. Other response fields stay; the claim is
 * taken out of `claimsToSuppress`, where it would win over the override.
 */
export function withTenantClaim(event: PreTokenGenerationV1Event, tenantClaim: string, tenant: string): PreTokenGenerationV1Event {
  const details: ClaimsOverrideDetails = event.response?.claimsOverrideDetails ?? {};
  const suppress = details.claimsToSuppress?.filter((claim) => claim !== tenantClaim);
  // A claimsToSuppress of undefined is dropped when Lambda serialises the response to JSON, so the
  // condition below is equivalent to always spreading it (this comment stays out of the bundle).
  // Stryker disable ConditionalExpression: see above.
  event.response = {
    ...event.response,
    claimsOverrideDetails: {
      ...details,
      claimsToAddOrOverride: { ...details.claimsToAddOrOverride, [tenantClaim]: tenant },
      ...(suppress === undefined ? {} : { claimsToSuppress: suppress }),
    },
  };
  // Stryker restore ConditionalExpression
  return event;
}

/**
 * The event with the tenant claim taken out of the V1_0 response and suppressed: a tenant-less
 * user's ID token carries no tenant claim at all, so nothing stale or stored reaches the identity
 * pool's principal tag. Other response fields stay.
 */
export function withoutTenantClaim(event: PreTokenGenerationV1Event, tenantClaim: string): PreTokenGenerationV1Event {
  const details: ClaimsOverrideDetails = event.response?.claimsOverrideDetails ?? {};
  const overrides = Object.fromEntries(Object.entries(details.claimsToAddOrOverride ?? {}).filter(([claim]) => claim !== tenantClaim));
  event.response = {
    ...event.response,
    claimsOverrideDetails: {
      ...details,
      ...(details.claimsToAddOrOverride === undefined ? {} : { claimsToAddOrOverride: overrides }),
      claimsToSuppress: [...(details.claimsToSuppress ?? []).filter((claim) => claim !== tenantClaim), tenantClaim],
    },
  };
  return event;
}

/** The one log line per decision: trigger source, outcome and reason code, never user data. */
export function decisionLogRecord(event: PreTokenGenerationV1Event, decision: TenantDecision, role?: 'DEFAULT_ROLE'): Record<string, string> {
  const source = typeof event?.triggerSource === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(event.triggerSource) ? event.triggerSource : 'INVALID';
  return 'reject' in decision
    ? { event: 'tenant-claim', triggerSource: source, outcome: 'rejected', reason: decision.reject }
    : { event: 'tenant-claim', triggerSource: source, outcome: 'allowed', reason: decision.basis, ...(role === undefined ? {} : { role }) };
}

/**
 * The decision of the tenant sign-up trigger (post confirmation), as pure functions: which tenant,
 * if any, a user who has just confirmed their own sign-up joins. Nothing from outside but the event
 * and the bindings; the only dependency is Node's crypto (hashing, constant-time comparison), so it
 * is tested without files or AWS and bundled into the Lambda without dependencies.
 *
 * This file is bundled into the function: it must not import cdktf, the provider or anything with
 * side effects (type-only imports are erased).
 */
import type { CognitoTriggerEventCommon } from '../cognito-trigger/trigger-event';
import { createHash, timingSafeEqual } from 'node:crypto';

/** The only bindings format this code reads. */
export const SIGN_UP_BINDINGS_VERSION = 1;
/** The one trigger source this trigger acts on: a user confirming their own sign-up. */
export const CONFIRM_SIGN_UP_SOURCE = 'PostConfirmation_ConfirmSignUp';
/** The `ClientMetadata` key of ConfirmSignUp that carries the invitation code. */
export const INVITATION_CODE_METADATA_KEY = 'invitationCode';
/** The longest invitation code read; anything longer is refused before hashing. */
export const MAX_INVITATION_CODE_LENGTH = 256;
/** An invitation code as stored in the config and the package: its SHA-256, 64 lowercase hex digits. */
export const INVITATION_CODE_SHA256_PATTERN = /^[0-9a-f]{64}$/;
/**
 * An e-mail domain as the config and the trigger compare it: lowercase labels of letters, digits and
 * inner hyphens, at least two labels, at most 253 characters (RFC 1035 host names).
 */
export const EMAIL_DOMAIN_PATTERN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** A user-pool custom attribute as a claim: `custom:` and 1–20 letters, digits or `_`. */
export const SIGN_UP_ATTRIBUTE_PATTERN = /^custom:[A-Za-z][A-Za-z0-9_]{0,19}$/;

/** `sign-up-bindings.json`, as written by `tenantSignUpBindings` and read by the handler. */
export interface TenantSignUpBindings {
  /** Format version: 1. */
  readonly version: typeof SIGN_UP_BINDINGS_VERSION;
  /** The attribute the trigger writes, `custom:<tenantAttribute>`. */
  readonly tenantAttribute: string;
  /** `[domain, tenant]` pairs, sorted by domain: a verified address at exactly this domain joins this tenant. */
  readonly emailDomains: readonly (readonly [string, string])[];
  /** `[sha256 hex, tenant]` pairs, sorted by hash: an invitation code whose SHA-256 is this joins this tenant. */
  readonly invitationCodes: readonly (readonly [string, string])[];
}

/** Bindings ready for lookups: a `Map` (no key can reach `Object.prototype`) and the hashes as bytes. */
export interface CompiledSignUpBindings {
  readonly tenantAttribute: string;
  readonly emailDomains: ReadonlyMap<string, string>;
  readonly invitationCodes: readonly { readonly hash: Buffer; readonly tenant: string }[];
}

/**
 * The post confirmation event: the common trigger parameters plus this trigger's request.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-confirmation.html
 */
export interface PostConfirmationEvent extends CognitoTriggerEventCommon {
  userName?: string;
  request: { userAttributes: Record<string, string>; clientMetadata?: Record<string, string> };
  response: Record<string, never>;
}

/** Why a tenant was assigned. */
export type SignUpBasis = 'INVITATION_CODE' | 'EMAIL_DOMAIN';

/** Why no tenant was assigned. Logged; never shown to the user. */
export type SignUpSkipReason =
  /** Not PostConfirmation_ConfirmSignUp (a confirmed password reset): nothing to assign. */
  | 'NOT_A_SIGN_UP'
  /** No request.userAttributes object, or no user name / pool id to write to. */
  | 'MALFORMED_EVENT'
  /** The user came through an identity provider: their tenant is their provider's (the tenant-claim trigger). */
  | 'FEDERATED_USER'
  /** The user has a tenant already: it is never overwritten. */
  | 'TENANT_ALREADY_SET'
  /** The e-mail address is not verified (e.g. an administrator confirmed the sign-up with AdminConfirmSignUp). */
  | 'EMAIL_NOT_VERIFIED'
  /** An invitation code was sent but is not a string of 1–256 characters. */
  | 'INVITATION_CODE_MALFORMED'
  /** An invitation code was sent and matches no tenant's code; the e-mail domain is not tried then. */
  | 'INVITATION_CODE_UNKNOWN'
  /** No invitation code, and the verified address's domain belongs to no tenant. */
  | 'NO_MATCHING_EMAIL_DOMAIN';

export type SignUpDecision = { readonly tenant: string; readonly basis: SignUpBasis } | { readonly skip: SignUpSkipReason };

/** SHA-256 of an invitation code, as the config stores it (hex of the UTF-8 bytes, nothing trimmed). */
export function invitationCodeSha256(code: string): string {
  return createHash('sha256')
    .update(
      code,
      // Stryker disable next-line StringLiteral: Hash.update reads a string as UTF-8 when the encoding is empty, too (the other literals of the call stay mutated).
      'utf8',
    )
    .digest('hex');
}

/** Validates `sign-up-bindings.json` (parsed) and builds the lookup structures. Throws on any doubt. */
export function compileSignUpBindings(raw: unknown): CompiledSignUpBindings {
  const fail = (what: string): never => {
    throw new Error(`sign-up-bindings.json: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('must be a JSON object.');
  const value = raw as Record<string, unknown>;
  if (value.version !== SIGN_UP_BINDINGS_VERSION) fail(`version must be ${SIGN_UP_BINDINGS_VERSION} (received ${JSON.stringify(value.version)}).`);
  const tenantAttribute = value.tenantAttribute;
  if (typeof tenantAttribute !== 'string' || !SIGN_UP_ATTRIBUTE_PATTERN.test(tenantAttribute)) fail(`tenantAttribute must match ${SIGN_UP_ATTRIBUTE_PATTERN.source}.`);
  const pairs = (name: string, keyPattern: RegExp): [string, string][] => {
    const list = value[name];
    if (!Array.isArray(list)) return fail(`${name} must be an array of [key, tenant] pairs.`);
    return list.map((pair: unknown, i) => {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || !keyPattern.test(pair[0]) || typeof pair[1] !== 'string' || pair[1] === '') {
        return fail(`${name}[${i}] must be a [key, tenant] pair with a key matching ${keyPattern.source}.`);
      }
      return [pair[0], pair[1]];
    });
  };
  const emailDomains = new Map<string, string>();
  for (const [domain, tenant] of pairs('emailDomains', EMAIL_DOMAIN_PATTERN)) {
    if (emailDomains.has(domain)) fail(`emailDomains lists ${JSON.stringify(domain)} twice.`);
    emailDomains.set(domain, tenant);
  }
  const seen = new Set<string>();
  const invitationCodes = pairs('invitationCodes', INVITATION_CODE_SHA256_PATTERN).map(([hash, tenant]) => {
    if (seen.has(hash)) fail('invitationCodes lists a hash twice.');
    seen.add(hash);
    return { hash: Buffer.from(hash, 'hex'), tenant };
  });
  return { tenantAttribute: tenantAttribute as string, emailDomains, invitationCodes };
}

function ownString(record: Record<string, unknown>, key: string): string | undefined {
  if (!Object.hasOwn(record, key)) return undefined;
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The tenant whose invitation code has this SHA-256, comparing with every stored hash in constant
 * time and without stopping at a match, so the time taken says nothing about which hash, or how
 * much of one, matched.
 */
function tenantOfCode(code: string, bindings: CompiledSignUpBindings): string | undefined {
  const digest = createHash('sha256')
    .update(
      code,
      // Stryker disable next-line StringLiteral: Hash.update reads a string as UTF-8 when the encoding is empty, too (the other literals of the call stay mutated).
      'utf8',
    )
    .digest();
  let found: string | undefined;
  for (const entry of bindings.invitationCodes) {
    if (timingSafeEqual(digest, entry.hash) && found === undefined) found = entry.tenant;
  }
  return found;
}

/**
 * The tenant a user who just confirmed their own sign-up joins, or why none. Fail closed: a doubt is
 * "no tenant", and a user without a tenant is refused at sign-in by the tenant-claim trigger
 * (TENANT_ATTRIBUTE_MISSING), or, where the environment serves tenant-less users, gets no tenant's
 * data.
 *
 * - Only PostConfirmation_ConfirmSignUp of a native user (no `identities`, not EXTERNAL_PROVIDER)
 *   whose tenant attribute is empty and whose e-mail is verified.
 * - An invitation code in the ConfirmSignUp ClientMetadata (`invitationCode`) decides when sent:
 *   its tenant, or none (a wrong code never falls back to the domain).
 * - Otherwise the verified address's domain, exactly (no subdomains), lower-cased.
 */
export function assignTenant(event: PostConfirmationEvent, bindings: CompiledSignUpBindings): SignUpDecision {
  if (event?.triggerSource !== CONFIRM_SIGN_UP_SOURCE) return { skip: 'NOT_A_SIGN_UP' };
  const attributes: unknown = event.request?.userAttributes;
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) return { skip: 'MALFORMED_EVENT' };
  if (typeof event.userName !== 'string' || event.userName === '' || typeof event.userPoolId !== 'string' || event.userPoolId === '') return { skip: 'MALFORMED_EVENT' };
  const attrs = attributes as Record<string, unknown>;
  if (Object.hasOwn(attrs, 'identities') || ownString(attrs, 'cognito:user_status') === 'EXTERNAL_PROVIDER') return { skip: 'FEDERATED_USER' };
  if (Object.hasOwn(attrs, bindings.tenantAttribute) && attrs[bindings.tenantAttribute] !== '') return { skip: 'TENANT_ALREADY_SET' };
  if (ownString(attrs, 'email_verified') !== 'true') return { skip: 'EMAIL_NOT_VERIFIED' };

  const metadata: unknown = event.request.clientMetadata;
  const metadataRecord = typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : {};
  if (Object.hasOwn(metadataRecord, INVITATION_CODE_METADATA_KEY)) {
    const code = metadataRecord[INVITATION_CODE_METADATA_KEY];
    if (typeof code !== 'string' || code.length === 0 || code.length > MAX_INVITATION_CODE_LENGTH) return { skip: 'INVITATION_CODE_MALFORMED' };
    const tenant = tenantOfCode(code, bindings);
    return tenant === undefined ? { skip: 'INVITATION_CODE_UNKNOWN' } : { tenant, basis: 'INVITATION_CODE' };
  }

  const email =
    ownString(attrs, 'email') ??
    // Stryker disable next-line StringLiteral: any fallback without an @ (the mutant's has none) names no domain, so no tenant.
    '';
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  const tenant = email.includes('@') ? bindings.emailDomains.get(domain) : undefined;
  return tenant === undefined ? { skip: 'NO_MATCHING_EMAIL_DOMAIN' } : { tenant, basis: 'EMAIL_DOMAIN' };
}

/** The AdminUpdateUserAttributes request that records the decision: the tenant attribute only. */
export function tenantAttributeUpdate(event: PostConfirmationEvent, bindings: CompiledSignUpBindings, tenant: string): {
  UserPoolId: string;
  Username: string;
  UserAttributes: { Name: string; Value: string }[];
} {
  return { UserPoolId: event.userPoolId, Username: event.userName!, UserAttributes: [{ Name: bindings.tenantAttribute, Value: tenant }] };
}

/** The one log line per decision: trigger source, outcome and reason code, never user data or the tenant. */
export function signUpLogRecord(event: PostConfirmationEvent, decision: SignUpDecision, outcome?: 'write-failed'): Record<string, string> {
  const source = typeof event?.triggerSource === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(event.triggerSource) ? event.triggerSource : 'INVALID';
  if ('skip' in decision) return { event: 'tenant-sign-up', triggerSource: source, outcome: 'no-tenant', reason: decision.skip };
  return { event: 'tenant-sign-up', triggerSource: source, outcome: outcome ?? 'assigned', reason: decision.basis };
}

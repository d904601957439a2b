import { TENANT_ID_PATTERN } from '../tenant-access/tenant-id';
import { EMAIL_DOMAIN_PATTERN, INVITATION_CODE_SHA256_PATTERN, SIGN_UP_ATTRIBUTE_PATTERN, SIGN_UP_BINDINGS_VERSION, TenantSignUpBindings } from './assign-tenant';

/**
 * Domains of public mailbox providers: anyone can get an address there, so binding one to a tenant
 * would let the whole internet join it. Refused as `emailDomains`; an invitation code is the way to
 * let such users in. Not exhaustive: it catches the common mistake, not every free provider.
 */
export const PUBLIC_EMAIL_DOMAINS: readonly string[] = [
  // Relay and alias services hand out addresses on their own domain: Sign in with Apple's private
  // relay (privaterelay.appleid.com), DuckDuckGo (duck.com).
  'aim.com',
  'aol.com',
  'duck.com',
  'fastmail.com',
  'gmail.com',
  'gmx.at',
  'gmx.ch',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'googlemail.com',
  'hey.com',
  'hotmail.com',
  'hotmail.de',
  'icloud.com',
  'live.com',
  'live.de',
  'mail.com',
  'mail.de',
  'mail.ru',
  'mailbox.org',
  'me.com',
  'msn.com',
  'outlook.com',
  'outlook.de',
  'pm.me',
  'posteo.de',
  'privaterelay.appleid.com',
  'proton.me',
  'protonmail.com',
  'qq.com',
  't-online.de',
  'tuta.com',
  'tuta.io',
  'tutanota.com',
  'web.de',
  'yahoo.com',
  'yahoo.de',
  'yandex.com',
  'yandex.ru',
  'ymail.com',
  'zoho.com',
];

/** One tenant's self sign-up settings, as the trigger needs them. */
export interface TenantSignUpBinding {
  /** The tenant id, the value the attribute gets. */
  readonly id: string;
  /** Domains whose verified addresses join this tenant (exact, lowercase). @default - none */
  readonly emailDomains?: readonly string[];
  /** SHA-256 (64 lowercase hex digits) of each invitation code that joins this tenant. @default - none */
  readonly invitationCodeSha256?: readonly string[];
}

export interface TenantSignUpBindingsInput {
  /** The attribute to write, `custom:<tenantAttribute>` (the user pool's `tenantClaim`). */
  readonly tenantAttribute: string;
  /** The tenants that accept self sign-up. */
  readonly tenants: readonly TenantSignUpBinding[];
}

// Stryker disable next-line EqualityOperator,ConditionalExpression: keys are unique (checked), see tenant-claim/bindings.ts.
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Every problem with one e-mail domain, as a phrase after the field name; empty when it is fine. */
export function emailDomainProblems(domain: string): string[] {
  if (domain !== domain.toLowerCase()) return [`must be lowercase: write ${JSON.stringify(domain.toLowerCase())}`];
  if (!EMAIL_DOMAIN_PATTERN.test(domain)) {
    return ['must be a domain name such as acme.example: lowercase labels of letters, digits and inner hyphens, no "@", no wildcard'];
  }
  if (PUBLIC_EMAIL_DOMAINS.includes(domain)) {
    return ['is a public mailbox provider: anyone could join the tenant; give such users an invitation code instead'];
  }
  return [];
}

/** Every problem with the input, one line each; empty when the bindings can be built. */
export function tenantSignUpBindingProblems(input: TenantSignUpBindingsInput): string[] {
  const problems: string[] = [];
  if (!SIGN_UP_ATTRIBUTE_PATTERN.test(input.tenantAttribute)) {
    problems.push(`tenantAttribute must match ${SIGN_UP_ATTRIBUTE_PATTERN.source} (received ${JSON.stringify(input.tenantAttribute)}): pass the user pool's tenantClaim.`);
  }
  if (input.tenants.length === 0) problems.push('tenants must list at least one tenant that accepts self sign-up: with none, the trigger could only refuse.');
  const ids = new Set<string>();
  const domains = new Map<string, string>();
  const hashes = new Map<string, string>();
  input.tenants.forEach((tenant, i) => {
    if (!TENANT_ID_PATTERN.test(tenant.id)) problems.push(`tenants[${i}].id must match ${TENANT_ID_PATTERN.source} (received ${JSON.stringify(tenant.id)}).`);
    if (ids.has(tenant.id)) problems.push(`tenants[${i}].id ${JSON.stringify(tenant.id)} is listed twice.`);
    ids.add(tenant.id);
    const tenantDomains = tenant.emailDomains ?? [];
    const tenantHashes = tenant.invitationCodeSha256 ?? [];
    if (tenantDomains.length === 0 && tenantHashes.length === 0) {
      problems.push(`tenants[${i}] (${tenant.id}) lists neither emailDomains nor invitationCodeSha256: list at least one, or leave the tenant out.`);
    }
    tenantDomains.forEach((domain, j) => {
      for (const problem of emailDomainProblems(domain)) problems.push(`tenants[${i}].emailDomains[${j}] ${problem} (received ${JSON.stringify(domain)}).`);
      const owner = domains.get(domain);
      if (owner !== undefined) problems.push(`tenants[${i}].emailDomains[${j}] ${JSON.stringify(domain)} belongs to tenant ${owner} already: a domain joins one tenant.`);
      else domains.set(domain, tenant.id);
    });
    tenantHashes.forEach((hash, j) => {
      if (!INVITATION_CODE_SHA256_PATTERN.test(hash)) {
        problems.push(`tenants[${i}].invitationCodeSha256[${j}] must be 64 lowercase hex digits, the SHA-256 of the code (received ${hash.length} characters): never the code itself.`);
      }
      const owner = hashes.get(hash);
      if (owner !== undefined) problems.push(`tenants[${i}].invitationCodeSha256[${j}] repeats a code of tenant ${owner}: every code joins one tenant; create another code.`);
      else hashes.set(hash, tenant.id);
    });
  });
  return problems;
}

/**
 * The contents of `sign-up-bindings.json`: domain → tenant and code hash → tenant, sorted by code
 * unit, so the package and its hash change only when the settings do. Throws one error listing every
 * problem.
 */
export function tenantSignUpBindings(input: TenantSignUpBindingsInput): TenantSignUpBindings {
  const problems = tenantSignUpBindingProblems(input);
  if (problems.length > 0) throw new Error(`tenantSignUpBindings:\n  - ${problems.join('\n  - ')}`);
  const emailDomains = input.tenants.flatMap((t) => (t.emailDomains ?? []).map((d) => [d, t.id] as const)).sort((a, b) => byCodeUnit(a[0], b[0]));
  const invitationCodes = input.tenants.flatMap((t) => (t.invitationCodeSha256 ?? []).map((h) => [h, t.id] as const)).sort((a, b) => byCodeUnit(a[0], b[0]));
  return { version: SIGN_UP_BINDINGS_VERSION, tenantAttribute: input.tenantAttribute, emailDomains, invitationCodes };
}

/** `sign-up-bindings.json` as written into the package: compact JSON. */
export function renderSignUpBindings(bindings: TenantSignUpBindings): string {
  return JSON.stringify(bindings);
}

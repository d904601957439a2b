import { RESERVED_PROVIDER_NAMES } from '../saml-federation/saml-federation';
import { TENANT_ID_PATTERN } from '../tenant-access/tenant-id';
import { BINDINGS_VERSION, TENANT_CLAIM_PATTERN, TenantClaimBindings } from './resolve-tenant';
import { ROLE_NAME_PATTERN } from './role-override';

/** One tenant, as the trigger needs to know it. */
export interface TenantBinding {
  /** The tenant id, the value the claim gets. */
  readonly id: string;
  /**
   * The identity provider that signs this tenant's users in. A tenant with a provider is
   * federated-only: its users never sign in with a user-pool password.
   * @default - none: the tenant's users are native users
   */
  readonly providerName?: string;
}

export interface TenantClaimBindingsInput {
  /** The claim to set, `custom:<tenantAttribute>` (the user pool's `tenantClaim`). */
  readonly tenantClaim: string;
  /** Every tenant of the environment. */
  readonly tenants: readonly TenantBinding[];
  /** Users of no tenant get a token without the tenant claim instead of a refusal. @default false */
  readonly tenantlessUsers?: boolean | undefined;
  /** Where groups carry roles: the default authenticated role's name, for users whose groups carry none. @default - none (no role override) */
  readonly defaultRoleName?: string | undefined;
}

/**
 * CreateIdentityProvider's ProviderName: 3–32 characters, `[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+`.
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateIdentityProvider.html
 */
const PROVIDER_NAME_PATTERN = /^[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]{1,30}$/u;

// Stryker disable next-line EqualityOperator,ConditionalExpression: ids and provider names are unique (checked above), so `<=`/`>=` never meet equal keys, and the `a > b` variants only turn 1 into 0 or 0 into 1, which V8's sort treats alike (it only asks whether a result is negative); the variants that break the order, disabled with them, are pinned by 'orders tenants and providers by code unit'.
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Every problem with the input, one line each; empty when the bindings can be built. */
export function tenantClaimBindingProblems(input: TenantClaimBindingsInput): string[] {
  const problems: string[] = [];
  if (!TENANT_CLAIM_PATTERN.test(input.tenantClaim)) {
    problems.push(`tenantClaim must match ${TENANT_CLAIM_PATTERN.source} (received ${JSON.stringify(input.tenantClaim)}): pass the user pool's tenantClaim.`);
  }
  if (input.defaultRoleName !== undefined && !ROLE_NAME_PATTERN.test(input.defaultRoleName)) {
    problems.push(`defaultRoleName must be an IAM role name, ${ROLE_NAME_PATTERN.source} (received ${JSON.stringify(input.defaultRoleName)}).`);
  }
  if (input.tenants.length === 0) problems.push('tenants must list at least one tenant: with none, every sign-in would be refused.');

  const ids = new Map<string, number>();
  input.tenants.forEach((tenant, i) => {
    if (!TENANT_ID_PATTERN.test(tenant.id)) {
      problems.push(`tenants[${i}].id must match ${TENANT_ID_PATTERN.source} (received ${JSON.stringify(tenant.id)}).`);
    }
    const first = ids.get(tenant.id);
    if (first !== undefined) problems.push(`tenants[${i}].id ${JSON.stringify(tenant.id)} repeats tenants[${first}].id: tenant ids must be unique.`);
    else ids.set(tenant.id, i);
  });
  // Case-insensitive, because a reviewer reading "Globex" and "globex" sees one name; the handler
  // itself compares exactly.
  const idsLower = new Map([...ids].map(([id, i]) => [id.toLowerCase(), i]));

  const providers = new Map<string, number>();
  input.tenants.forEach((tenant, i) => {
    const name = tenant.providerName;
    if (name === undefined) return;
    const where = `tenants[${i}].providerName`;
    if (!PROVIDER_NAME_PATTERN.test(name)) {
      problems.push(
        `${where} must be 3–32 characters, not start with "_" and hold no spaces (received ${JSON.stringify(name)}): Cognito's provider-name rule.`,
      );
    }
    const lower = name.toLowerCase();
    const reserved = RESERVED_PROVIDER_NAMES.find((r) => r.toLowerCase() === lower);
    if (reserved !== undefined) {
      problems.push(`${where} ${JSON.stringify(name)} is reserved for ${reserved}: binding it would put every ${reserved} user into tenant ${tenant.id}.`);
    }
    const first = providers.get(lower);
    if (first !== undefined) {
      problems.push(
        // Stryker disable next-line OptionalChaining: first is the index of a tenant already seen, so tenants[first] always exists.
        `${where} ${JSON.stringify(name)} is the same, ignoring case, as tenants[${first}].providerName ${JSON.stringify(input.tenants[first]?.providerName)}: a provider signs users in for one tenant.`,
      );
    } else {
      providers.set(lower, i);
    }
    const other = idsLower.get(lower);
    if (other !== undefined && other !== i) {
      // Stryker disable next-line OptionalChaining: other is the index of an existing tenant (from idsLower), so tenants[other] always exists.
      problems.push(`${where} ${JSON.stringify(name)} equals, ignoring case, the id of tenants[${other}] (${JSON.stringify(input.tenants[other]?.id)}): name a tenant's provider after that tenant.`);
    }
  });
  return problems;
}

/**
 * The contents of `bindings.json`: which tenants have native users, and which provider signs users
 * in for which tenant. Deterministic (keys and lists sorted by code unit), so the package and its
 * hash change only when the tenants do. Throws one error listing every problem.
 */
export function tenantClaimBindings(input: TenantClaimBindingsInput): TenantClaimBindings {
  const problems = tenantClaimBindingProblems(input);
  if (problems.length > 0) throw new Error(`tenantClaimBindings:\n  - ${problems.join('\n  - ')}`);
  const nativeTenants = input.tenants.filter((t) => t.providerName === undefined).map((t) => t.id).sort(byCodeUnit);
  const providers: Record<string, string> = {};
  for (const tenant of [...input.tenants].filter((t) => t.providerName !== undefined).sort((a, b) => byCodeUnit(a.providerName!, b.providerName!))) {
    // defineProperty, not assignment: a name such as "__proto__" must become a key, not a prototype.
    // Stryker disable next-line BooleanLiteral: the object is only serialised (JSON.stringify) and read through Object.entries; writable and configurable change neither.
    Object.defineProperty(providers, tenant.providerName!, { value: tenant.id, enumerable: true, writable: true, configurable: true });
  }
  return { nativeTenants, providers, tenantClaim: input.tenantClaim, version: BINDINGS_VERSION, ...(input.tenantlessUsers === true ? { tenantlessUsers: true as const } : {}), ...(input.defaultRoleName === undefined ? {} : { defaultRoleName: input.defaultRoleName }) };
}

/** `bindings.json` as written into the package: compact JSON, keys in the order built above. */
export function renderBindings(bindings: TenantClaimBindings): string {
  return JSON.stringify(bindings);
}

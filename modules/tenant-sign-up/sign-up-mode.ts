/**
 * What self sign-up means for one environment, decided from its config alone (pure: the loader, the
 * stack, the rule context and the role plan all ask this one function, so they cannot disagree).
 *
 * - `off`: only administrators create users (`selfSignUp.enabled` is not true).
 * - `into-tenant`: at least one tenant lists `selfSignUp.emailDomains` or `invitationCodeSha256`.
 *   Users call SignUp; the post confirmation trigger (this module) writes the tenant attribute of
 *   the users it matches, so the attribute is mutable. A user it matches to no tenant is refused at
 *   sign-in, or, with `tenantlessUsers`, stays a user without a tenant.
 * - `tenantless`: no tenant is open for sign-up (the loader allows this only with
 *   `tenantlessUsers: true`). Users call SignUp, confirm their e-mail and are users without a
 *   tenant. No post confirmation trigger is deployed and nothing writes the tenant attribute, so
 *   its mutability is left as it was.
 */
export type SelfSignUpMode = 'off' | 'into-tenant' | 'tenantless';

/** The part of an environment config the mode depends on (parsed or not). */
export interface SelfSignUpModeInput {
  readonly selfSignUp?: { readonly enabled?: unknown } | undefined;
  readonly tenants?: ReadonlyArray<{ readonly selfSignUp?: unknown }> | undefined;
}

/** The environment's self sign-up mode: see SelfSignUpMode. */
export function selfSignUpMode(config: SelfSignUpModeInput): SelfSignUpMode {
  if (config.selfSignUp?.enabled !== true) return 'off';
  const open = (config.tenants ?? []).some((tenant) => tenant.selfSignUp !== undefined && tenant.selfSignUp !== null);
  return open ? 'into-tenant' : 'tenantless';
}

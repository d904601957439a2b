/**
 * Cognito pre token generation trigger (V1_0 event): sets the ID-token tenant claim
 * (`custom:<tenantAttribute>`) from who authenticated the user, never from what an IdP asserts.
 * The identity pool copies that claim into the `customerName` session tag the IAM policies test.
 *
 * What Cognito documents, and why it matters here
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html):
 * - The V1_0 event ("basic features") adds, overrides or suppresses ID-token claims and is not tied
 *   to a feature plan, so it works on Lite. V2_0 and V3_0 (access-token customization, also for
 *   M2M client credentials) need the Essentials or Plus plan. We only need the ID token: the
 *   identity pool reads its claims.
 * - Some claims cannot be changed: acr, amr, aud, at_hash, auth_time, azp, cognito:username, exp,
 *   iat, identities, iss, jti, nbf, nonce, origin_jti, sub, token_use and `dev:` developer
 *   attributes. `custom:` attributes can, which is what this trigger does.
 * - The trigger runs on every token issue: TokenGeneration_HostedAuth, _Authentication,
 *   _NewPasswordChallenge, _AuthenticateDevice and _RefreshTokens. Because it runs on refresh too,
 *   removing a tenant from the bindings (or unbinding its IdP) stops its users at their next
 *   refresh, not only at their next sign-in: that is what makes offboarding work.
 * - A thrown error fails the sign-in or refresh; Cognito waits at most 5 seconds
 *   (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html).
 *
 * The bindings live in `bindings.json` beside this file in the package, not in environment
 * variables: Lambda caps all environment variables of a function at 4 KB together, too little for
 * thousands of tenants (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html).
 * They are read once per execution environment; a missing or invalid file fails every invocation
 * (fail closed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileBindings, decisionLogRecord, PreTokenGenerationV1Event, resolveTenant, withoutTenantClaim, withTenantClaim } from './resolve-tenant';
import { hasRoleFromGroups, roleArnInAccountOf, withDefaultRole } from './role-override';

const BINDINGS = compileBindings(JSON.parse(fs.readFileSync(path.join(__dirname, 'bindings.json'), 'utf8')));

/** The error message Cognito reports to the client ("PreTokenGeneration failed with error ..."), so it names no reason. */
export const SIGN_IN_REFUSED = 'Sign-in refused by the tenant policy.';

export async function handler(event: PreTokenGenerationV1Event, context?: { readonly invokedFunctionArn?: string }): Promise<PreTokenGenerationV1Event> {
  const decision = resolveTenant(event, BINDINGS);
  // Where groups carry roles, a user whose groups carry none gets the default role in the token
  // (role-override.ts); the ARN comes from this function's own ARN and the role name in the bindings.
  let defaultRole: string | undefined;
  if (!('reject' in decision) && BINDINGS.defaultRoleName !== undefined && !hasRoleFromGroups(event)) {
    try {
      defaultRole = roleArnInAccountOf(context?.invokedFunctionArn, BINDINGS.defaultRoleName);
    } catch {
      console.info({ ...decisionLogRecord(event, decision), outcome: 'rejected', reason: 'DEFAULT_ROLE_UNRESOLVED' });
      throw new Error(SIGN_IN_REFUSED);
    }
  }
  // One structured line per decision (the function logs in JSON format); no token, name or attribute.
  console.info(decisionLogRecord(event, decision, defaultRole === undefined ? undefined : 'DEFAULT_ROLE'));
  if ('reject' in decision) throw new Error(SIGN_IN_REFUSED);
  // A tenant-less user (tenantlessUsers): the claim is suppressed, never left as stored.
  const claimed = decision.tenant === null ? withoutTenantClaim(event, BINDINGS.tenantClaim) : withTenantClaim(event, BINDINGS.tenantClaim, decision.tenant);
  return defaultRole === undefined ? claimed : withDefaultRole(claimed, defaultRole);
}

/**
 * The default role for users whose groups carry no role, as pure functions (bundled into the
 * tenant-claim function: no imports with side effects).
 *
 * Where user-pool groups carry roles (tiers, or a role per tenant), the identity pool picks the role
 * from the ID token (Token role mapping, `ambiguous_role_resolution = "Deny"`, IDP7). A user in no
 * role-bearing group gets a token without `cognito:roles`, and AWS does not say clearly what the
 * identity pool then does: the API reference describes the ambiguous resolution for several roles
 * without a preferred one (https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_RoleMapping.html),
 * the console says that it also applies when the token names no role (no credentials with Deny).
 * We rely on neither reading: such a user's token names the environment's default authenticated
 * role, so the identity pool has exactly one role to hand out.
 *
 * The V1_0 response can replace the groups and roles Cognito writes into the ID token
 * (`cognito:groups`, `cognito:roles`, `cognito:preferred_role`) with
 * `claimsOverrideDetails.groupOverrideDetails { groupsToOverride, iamRolesToOverride, preferredRole }`;
 * the request's `groupConfiguration` holds the same three as Cognito would write them.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
 */
import type { ClaimsOverrideDetails, PreTokenGenerationV1Event } from './resolve-tenant';

/** IAM role names: 1–64 of letters, digits and `+=,.@_-`. https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html */
export const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;

/** A Lambda function's ARN: `arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]`. */
const FUNCTION_ARN = /^arn:(aws(?:-[a-z]+)*):lambda:[a-z0-9-]+:(\d{12}):function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?$/;

/**
 * The ARN of role `roleName` in the partition and account of the function itself (its
 * `context.invokedFunctionArn`): the trigger and the role belong to one stack, so nothing about
 * the role has to reach the package but its name. Throws on an ARN it does not recognise (fail
 * closed: the sign-in is refused rather than a token with a guessed role).
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html
 */
export function roleArnInAccountOf(invokedFunctionArn: unknown, roleName: string): string {
  const match = typeof invokedFunctionArn === 'string' ? FUNCTION_ARN.exec(invokedFunctionArn) : null;
  if (!match) throw new Error('The function ARN of the invocation is not a Lambda function ARN.');
  if (!ROLE_NAME_PATTERN.test(roleName)) throw new Error('The default role name is not an IAM role name.');
  return `arn:${match[1]}:iam::${match[2]}:role/${roleName}`;
}

/** Whether Cognito puts a role from the user's groups into the token: a non-empty `iamRolesToOverride`. */
export function hasRoleFromGroups(event: PreTokenGenerationV1Event): boolean {
  const roles: unknown = event.request?.groupConfiguration?.iamRolesToOverride;
  return Array.isArray(roles) && roles.some((role) => typeof role === 'string' && role !== '');
}

/**
 * The event with `roleArn` as the token's only role and preferred role, and the user's groups as
 * Cognito sent them (the override replaces `cognito:groups` too, so they are passed on unchanged).
 * Other response fields stay.
 */
export function withDefaultRole(event: PreTokenGenerationV1Event, roleArn: string): PreTokenGenerationV1Event {
  const details: ClaimsOverrideDetails = event.response?.claimsOverrideDetails ?? {};
  const groups: unknown = event.request?.groupConfiguration?.groupsToOverride;
  event.response = {
    ...event.response,
    claimsOverrideDetails: {
      ...details,
      groupOverrideDetails: {
        groupsToOverride: Array.isArray(groups) ? groups.filter((group): group is string => typeof group === 'string') : [],
        iamRolesToOverride: [roleArn],
        preferredRole: roleArn,
      },
    },
  };
  return event;
}

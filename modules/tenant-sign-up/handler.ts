/**
 * Cognito post confirmation trigger: a user who has just confirmed their own sign-up joins the
 * tenant of their invitation code, or of their verified e-mail domain, once. The tenant attribute is
 * written with AdminUpdateUserAttributes, the only write this function's role allows, on its own
 * user pool only.
 *
 * What Cognito documents, and why it matters here
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-confirmation.html):
 * - The trigger runs on ConfirmSignUp, AdminConfirmSignUp and ConfirmForgotPassword (and their
 *   managed-login equivalents), never for users an administrator creates. Only
 *   PostConfirmation_ConfirmSignUp assigns a tenant.
 * - The ClientMetadata of ConfirmSignUp reaches this trigger as request.clientMetadata; Cognito
 *   neither stores nor validates it (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ConfirmSignUp.html).
 * - The user is confirmed before the trigger runs: a thrown error fails the client's call but does
 *   not undo the confirmation.
 * - An immutable custom attribute can only be set at SignUp or AdminCreateUser
 *   (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SchemaAttributeType.html),
 *   so pools with self sign-up declare the tenant attribute mutable; no app client can write it (UP1).
 *
 * The bindings live in `sign-up-bindings.json` beside this file; a missing or invalid file fails
 * every invocation (fail closed: the user stays without a tenant).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AdminUpdateUserAttributesCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { compileSignUpBindings } from './assign-tenant';
import { createSignUpHandler } from './sign-up-handler';

const BINDINGS = compileSignUpBindings(JSON.parse(fs.readFileSync(path.join(__dirname, 'sign-up-bindings.json'), 'utf8')));
// The Region and credentials come from the Lambda environment; the SDK is the runtime's copy.
const client = new CognitoIdentityProviderClient({});

export const handler = createSignUpHandler(BINDINGS, (request) => client.send(new AdminUpdateUserAttributesCommand(request)));

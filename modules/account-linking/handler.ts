/**
 * Cognito pre sign-up trigger: links a Google or Apple identity to the existing native user with
 * the same verified e-mail (AdminLinkProviderForUser), so one person stays one user (one `sub`).
 * The decisions are in link-decision.ts, the calls in run-linking.ts; this file only wires the
 * SDK client of the runtime and `linking.json` (read once per execution environment; a missing or
 * invalid file fails every invocation, so every sign-up is refused: fail closed).
 * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-sign-up.html
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { compileLinkingConfig } from './link-decision';
import { cognitoDirectory, createLinkingHandler } from './run-linking';

const CONFIG = compileLinkingConfig(JSON.parse(fs.readFileSync(path.join(__dirname, 'linking.json'), 'utf8')));

export const handler = createLinkingHandler(cognitoDirectory(new CognitoIdentityProviderClient({})), CONFIG);

/**
 * The account-linking trigger with its directory injected: `createLinkingHandler(directory, config)`
 * is the whole handler, tested with a mocked SDK client; `handler.ts` only wires the real client and
 * `linking.json`.
 *
 * This file is bundled into the function. `@aws-sdk/*` stays out of the bundle: the nodejs22.x
 * runtime provides the SDK v3 (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html).
 */
import { AdminLinkProviderForUserCommand, ListUsersCommand, ListUsersCommandOutput } from '@aws-sdk/client-cognito-identity-provider';
import {
  AccountLinkingConfig,
  COGNITO_PROVIDER_NAME,
  decideLink,
  DirectoryUser,
  emailFilter,
  LinkDecision,
  linkLogRecord,
  loggableTriggerSource,
  planLookup,
  PreSignUpEvent,
  SOURCE_ATTRIBUTE_NAME,
} from './link-decision';

/** ListUsers returns at most 60 users a page. https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListUsers.html */
export const LIST_USERS_PAGE_SIZE = 60;
/** Pages read before giving up (300 users with one e-mail is not one person): the sign-up is then refused. */
export const MAX_LIST_USERS_PAGES = 5;

/** The error text Cognito passes to the app ("PreSignUp failed with error …") when a sign-up is refused. */
export const SIGN_UP_REFUSED = 'Sign-up refused by the account policy.';
/** When a native sign-up meets a social user with the same verified e-mail. */
export const USE_SOCIAL_SIGN_IN = 'This e-mail address already signs in with Google or Apple: sign in that way.';
/**
 * After linking, the first federated sign-in ends with an error anyway (Cognito then tries to create
 * the federated user it was about to create, "Already found an entry for username"); this message
 * says what happened, and the next sign-in with the same identity signs in as the linked user.
 */
export const ACCOUNT_LINKED = 'Account linked to your existing account: sign in again.';

/** The two calls the trigger makes on its own pool. */
export interface UserDirectory {
  /** One page of ListUsers with the filter; `next` when there are more. */
  listUsers(userPoolId: string, filter: string, paginationToken?: string): Promise<{ users: DirectoryUser[]; next?: string }>;
  /** AdminLinkProviderForUser: the social identity joins the native user. */
  linkProviderForUser(userPoolId: string, destinationUsername: string, provider: string, providerUserId: string): Promise<void>;
}

/** What `createLinkingHandler` needs from an SDK client: `send`. */
export interface CommandSender {
  send(command: ListUsersCommand | AdminLinkProviderForUserCommand): Promise<unknown>;
}

/** The directory over a Cognito client (`new CognitoIdentityProviderClient({})` in Lambda). */
export function cognitoDirectory(client: CommandSender): UserDirectory {
  return {
    async listUsers(userPoolId, filter, paginationToken) {
      // No AttributesToGet: with it, Cognito fails when a listed user lacks one of them.
      const output = (await client.send(
        new ListUsersCommand({ UserPoolId: userPoolId, Filter: filter, Limit: LIST_USERS_PAGE_SIZE, ...(paginationToken === undefined ? {} : { PaginationToken: paginationToken }) }),
      )) as ListUsersCommandOutput;
      const users = (output.Users ?? []).map((user) => ({
        username: user.Username ?? '',
        status: user.UserStatus ?? '',
        enabled: user.Enabled === true,
        attributes: Object.fromEntries(
          // Stryker disable next-line ArrayDeclaration: for a user without Attributes, any stand-in array holds no element with a Name and a Value, so the flatMap below drops it all and the result is {} either way.
          (user.Attributes ?? [])
            .flatMap((a) => (a.Name === undefined || a.Value === undefined ? [] : [[a.Name, a.Value]])),
        ),
      }));
      return { users, ...(output.PaginationToken ? { next: output.PaginationToken } : {}) };
    },
    async linkProviderForUser(userPoolId, destinationUsername, provider, providerUserId) {
      await client.send(
        new AdminLinkProviderForUserCommand({
          UserPoolId: userPoolId,
          DestinationUser: { ProviderName: COGNITO_PROVIDER_NAME, ProviderAttributeValue: destinationUsername },
          SourceUser: { ProviderName: provider, ProviderAttributeName: SOURCE_ATTRIBUTE_NAME, ProviderAttributeValue: providerUserId },
        }),
      );
    },
  };
}

/** Reads every page (up to `MAX_LIST_USERS_PAGES`); `complete` is false when more remained. */
async function usersWithEmail(directory: UserDirectory, userPoolId: string, email: string): Promise<{ users: DirectoryUser[]; complete: boolean }> {
  const users: DirectoryUser[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_LIST_USERS_PAGES; page++) {
    const result = await directory.listUsers(userPoolId, emailFilter(email), token);
    users.push(...result.users);
    if (result.next === undefined) return { users, complete: true };
    token = result.next;
  }
  // Stryker disable next-line ObjectLiteral: `{}` leaves `complete` undefined, as falsy as false, and decideLink refuses an incomplete lookup before it reads the users.
  return { users, complete: false };
}

/**
 * The pre sign-up handler: decide, link when decided, log one line, and return the event unchanged
 * (no auto-confirm, no auto-verify) or throw. A failing lookup or link throws too (fail closed).
 */
export function createLinkingHandler(directory: UserDirectory, config: AccountLinkingConfig, log: (record: Record<string, string>) => void = console.info) {
  return async (event: PreSignUpEvent): Promise<PreSignUpEvent> => {
    const plan = planLookup(event, config);
    let decision: LinkDecision;
    if ('decided' in plan) {
      decision = plan.decided;
    } else {
      try {
        const { users, complete } = await usersWithEmail(directory, event.userPoolId, plan.email);
        decision = decideLink(plan, users, complete, config);
        if (decision.action === 'link') await directory.linkProviderForUser(event.userPoolId, decision.destinationUsername, decision.provider, decision.providerUserId);
      } catch (error) {
        // The SDK's error name only (AccessDenied, throttling): its message may quote the filter.
        const name = (error as Error)?.name;
        log({
          event: 'account-linking',
          triggerSource: loggableTriggerSource(event),
          outcome: 'failed',
          reason: 'DIRECTORY_ERROR',
          error: typeof name === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(name) ? name : 'Error',
        });
        throw new Error(SIGN_UP_REFUSED);
      }
    }
    log(linkLogRecord(event, decision));
    if (decision.action === 'link') throw new Error(ACCOUNT_LINKED);
    if (decision.action === 'refuse') throw new Error(decision.reason === 'SOCIAL_ACCOUNT_EXISTS' ? USE_SOCIAL_SIGN_IN : SIGN_UP_REFUSED);
    return event;
  };
}

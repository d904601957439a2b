/**
 * The post confirmation handler with its one side effect injected: `writeTenant` is
 * AdminUpdateUserAttributes in Lambda and a fake in tests. Bundled into the function.
 */
import { assignTenant, CompiledSignUpBindings, PostConfirmationEvent, signUpLogRecord, tenantAttributeUpdate } from './assign-tenant';

/** The error message Cognito reports to the client ("PostConfirmation failed with error ..."), so it names no reason. */
export const SIGN_UP_NOT_COMPLETED = 'Sign-up could not be completed: ask your administrator.';

/** Writes the tenant attribute: AdminUpdateUserAttributes with exactly this request. */
export type WriteTenant = (request: ReturnType<typeof tenantAttributeUpdate>) => Promise<unknown>;

/**
 * The handler: decide, write the tenant attribute when one was decided, log one JSON line.
 *
 * - No tenant decided: the event is returned unchanged. The user is confirmed already (Cognito
 *   confirms before it invokes this trigger), so an error would only confuse the client; the user has
 *   no tenant and the tenant-claim trigger refuses their sign-in (fail closed).
 * - The write fails: the error is thrown, so the client's ConfirmSignUp call reports it; the user is
 *   confirmed without a tenant (refused at sign-in) until an administrator sets it.
 */
export function createSignUpHandler(bindings: CompiledSignUpBindings, writeTenant: WriteTenant, log: (record: Record<string, string>) => void = console.info) {
  return async function handler(event: PostConfirmationEvent): Promise<PostConfirmationEvent> {
    const decision = assignTenant(event, bindings);
    if ('skip' in decision) {
      log(signUpLogRecord(event, decision));
      return event;
    }
    try {
      await writeTenant(tenantAttributeUpdate(event, bindings, decision.tenant));
    } catch {
      // The SDK's message may quote the request (the user name); only the reason code is logged.
      log(signUpLogRecord(event, decision, 'write-failed'));
      throw new Error(SIGN_UP_NOT_COMPLETED);
    }
    log(signUpLogRecord(event, decision));
    return event;
  };
}

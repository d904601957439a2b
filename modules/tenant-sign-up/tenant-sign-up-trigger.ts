import * as fs from 'node:fs';
import * as path from 'node:path';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { Construct } from 'constructs';
import { CognitoTrigger, CognitoTriggerProps, validateCognitoTriggerProps } from '../cognito-trigger';
import { TenantSignUpBindings } from './assign-tenant';
import { renderSignUpBindings, TenantSignUpBinding, tenantSignUpBindingProblems, tenantSignUpBindings } from './bindings';

/**
 * The handler this construct ships, as TypeScript source; it reads `sign-up-bindings.json` from its
 * own folder. Like the tenant-claim trigger, the compiled package ships the handler's sources at
 * their source path and bundles those.
 */
export const TENANT_SIGN_UP_HANDLER_FILE = handlerSource(__dirname, 'handler.ts');

function handlerSource(dir: string, file: string): string {
  const candidates = [
    path.join(dir, file),
    path.resolve(dir, '..', '..', '..', 'modules', 'tenant-sign-up', file),
    path.resolve(dir, '..', 'modules', 'tenant-sign-up', file),
  ];
  return candidates.find((candidate) => fs.existsSync(candidate)) ?? candidates[0]!;
}

/** The data file the handler reads. */
export const SIGN_UP_BINDINGS_FILE_NAME = 'sign-up-bindings.json';
/** The one admin action the trigger calls, on its own user pool. */
export const TENANT_SIGN_UP_POOL_ACTIONS: readonly string[] = ['cognito-idp:AdminUpdateUserAttributes'];

export interface TenantSignUpTriggerProps {
  /** Physical name of the function (and its role), 1–64 letters, digits, hyphens and underscores. */
  readonly functionName: string;
  /** The attribute to write, `custom:<tenantAttribute>`: the user pool's `tenantClaim`. */
  readonly tenantAttribute: string;
  /** The tenants that accept self sign-up, with their e-mail domains and invitation-code hashes. */
  readonly tenants: readonly TenantSignUpBinding[];
  /** Days CloudWatch keeps the decisions log. @default 365 */
  readonly logRetentionDays?: number | undefined;
}

/**
 * The post confirmation trigger that puts a user who confirmed their own sign-up into the tenant of
 * their invitation code or verified e-mail domain, once. Wire `functionArn` into the user pool's
 * `lambda_config.post_confirmation` (TenantUserPool's `selfSignUp`) and call `allowInvocationBy`
 * with the pool's ARN: that also grants `cognito-idp:AdminUpdateUserAttributes` on that pool only.
 */
export class TenantSignUpTrigger extends Construct {
  /** ARN of the function, for the user pool's post confirmation trigger. */
  public readonly functionArn: string;
  /** Name of the function. */
  public readonly functionName: string;
  /** The bindings packaged as `sign-up-bindings.json`. */
  public readonly bindings: TenantSignUpBindings;
  /** The generic trigger underneath: role, log group, function, asset. */
  public readonly trigger: CognitoTrigger;

  constructor(scope: Construct, id: string, props: TenantSignUpTriggerProps) {
    super(scope, id);
    const input = { tenantAttribute: props.tenantAttribute, tenants: props.tenants };
    const triggerProps: CognitoTriggerProps = {
      functionName: props.functionName,
      description: `Sets ${props.tenantAttribute} once, from an invitation code or the verified e-mail domain, when a user confirms their own sign-up (post confirmation).`.slice(0, 256),
      handlerFile: TENANT_SIGN_UP_HANDLER_FILE,
      dataFiles: { [SIGN_UP_BINDINGS_FILE_NAME]: '' },
      logRetentionDays: props.logRetentionDays,
      userPoolActions: TENANT_SIGN_UP_POOL_ACTIONS,
    };
    const problems = [...tenantSignUpBindingProblems(input), ...validateCognitoTriggerProps(triggerProps)];
    if (problems.length > 0) throw new Error(`TenantSignUpTrigger ${this.node.path}:\n  - ${problems.join('\n  - ')}`);

    this.bindings = tenantSignUpBindings(input);
    this.trigger = new CognitoTrigger(this, 'Trigger', { ...triggerProps, dataFiles: { [SIGN_UP_BINDINGS_FILE_NAME]: renderSignUpBindings(this.bindings) } });
    this.functionArn = this.trigger.functionArn;
    this.functionName = this.trigger.functionName;
  }

  /** Lets the user pool invoke the trigger, and the trigger write attributes of that pool's users only. */
  public allowInvocationBy(userPoolArn: string): LambdaPermission {
    return this.trigger.allowInvocationBy(userPoolArn);
  }
}

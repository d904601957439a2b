import * as fs from 'node:fs';
import * as path from 'node:path';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { Construct } from 'constructs';
import { CognitoTrigger, CognitoTriggerProps, validateCognitoTriggerProps } from '../cognito-trigger';
import { renderBindings, TenantBinding, tenantClaimBindingProblems, tenantClaimBindings } from './bindings';
import { TenantClaimBindings } from './resolve-tenant';

/**
 * The handler this construct ships, as TypeScript source; it reads `bindings.json` from its own
 * folder. The compiled package (`dist/modules/tenant-claim/*.js`) ships the handler's sources at
 * their source path (`modules/tenant-claim/handler.ts`, `resolve-tenant.ts`) and bundles those, so
 * the package, and its `source_code_hash`, is the same whether the app runs from source, compiled
 * or as the single-file app bundle (`dist/app.js`).
 */
export const TENANT_CLAIM_HANDLER_FILE = handlerSource(__dirname, 'handler.ts');

/** `<dir>/<file>` from source; from `dist/modules/tenant-claim/` or `dist/`, the shipped source beside `dist/`. */
function handlerSource(dir: string, file: string): string {
  const candidates = [
    path.join(dir, file),
    path.resolve(dir, '..', '..', '..', 'modules', 'tenant-claim', file),
    path.resolve(dir, '..', 'modules', 'tenant-claim', file),
  ];
  return candidates.find((candidate) => fs.existsSync(candidate)) ?? candidates[0]!;
}

/** The data file the handler reads. */
export const BINDINGS_FILE_NAME = 'bindings.json';

export interface TenantClaimTriggerProps {
  /** Physical name of the function (and its role), 1–64 letters, digits, hyphens and underscores. */
  readonly functionName: string;
  /** The claim to set, `custom:<tenantAttribute>`: the user pool's `tenantClaim`. */
  readonly tenantClaim: string;
  /** Every tenant of the environment; a tenant with a `providerName` is federated-only. */
  readonly tenants: readonly TenantBinding[];
  /** Users of no tenant (native or social) get a token without the tenant claim instead of a refusal. @default false */
  readonly tenantlessUsers?: boolean | undefined;
  /**
   * Where user-pool groups carry roles (tiers, role per tenant): the NAME of the default
   * authenticated role, which the trigger puts into the token of a user whose groups carry no role
   * (`groupOverrideDetails`). A name, not an ARN: the function builds the ARN from its own ARN at run
   * time, so the package holds no Terraform reference. @default - no role override
   */
  readonly defaultRoleName?: string | undefined;
  /** Days CloudWatch keeps the decisions log. @default 365 */
  readonly logRetentionDays?: number | undefined;
}

/**
 * The pre-token-generation trigger (V1_0) that sets the tenant claim of every ID token from who
 * authenticated the user: the tenant bound to their identity provider, or, for a native user, the
 * administrator-set tenant attribute if that tenant has native users. Wire `functionArn` into the
 * user pool's `pre_token_generation_config` (lambda_version V1_0) and call `allowInvocationBy` with
 * the pool's ARN.
 */
export class TenantClaimTrigger extends Construct {
  /** ARN of the function, for the user pool's pre token generation config. */
  public readonly functionArn: string;
  /** Name of the function. */
  public readonly functionName: string;
  /** The claim the trigger sets. */
  public readonly tenantClaim: string;
  /** The bindings packaged as `bindings.json`. */
  public readonly bindings: TenantClaimBindings;
  /** The generic trigger underneath: role, log group, function, asset. */
  public readonly trigger: CognitoTrigger;

  constructor(scope: Construct, id: string, props: TenantClaimTriggerProps) {
    super(scope, id);
    const input = { tenantClaim: props.tenantClaim, tenants: props.tenants, tenantlessUsers: props.tenantlessUsers, defaultRoleName: props.defaultRoleName };
    const triggerProps: CognitoTriggerProps = {
      functionName: props.functionName,
      description: `Sets ${props.tenantClaim} in ID tokens from the identity provider or the administrator-set attribute (pre token generation V1_0).`.slice(0, 256),
      handlerFile: TENANT_CLAIM_HANDLER_FILE,
      // Placeholder for validation: the names matter, the content is built once the input is valid.
      dataFiles: { [BINDINGS_FILE_NAME]: '' },
      logRetentionDays: props.logRetentionDays,
    };
    const problems = [...tenantClaimBindingProblems(input), ...validateCognitoTriggerProps(triggerProps)];
    if (problems.length > 0) throw new Error(`TenantClaimTrigger ${this.node.path}:\n  - ${problems.join('\n  - ')}`);

    this.bindings = tenantClaimBindings(input);
    this.tenantClaim = props.tenantClaim;
    this.trigger = new CognitoTrigger(this, 'Trigger', { ...triggerProps, dataFiles: { [BINDINGS_FILE_NAME]: renderBindings(this.bindings) } });
    this.functionArn = this.trigger.functionArn;
    this.functionName = this.trigger.functionName;
  }

  /** Lets the user pool invoke the trigger (`aws_lambda_permission` with `source_arn` = the pool). */
  public allowInvocationBy(userPoolArn: string): LambdaPermission {
    return this.trigger.allowInvocationBy(userPoolArn);
  }
}

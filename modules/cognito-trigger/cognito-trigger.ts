import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { AssetType, TerraformAsset, Token } from 'cdktf';
import { Construct } from 'constructs';
import { PolicyDocument, policyDocument, renderPolicy } from '../iam-policy';
import { ZIP_ENTRY_NAME_PATTERN } from './deterministic-zip';
import { BUNDLE_FILE_NAME, packageTrigger, TriggerPackage, writePackage } from './trigger-package';

/** The principal Cognito user pools invoke their triggers as. */
export const COGNITO_IDP_PRINCIPAL = 'cognito-idp.amazonaws.com';
/** Node.js 22 on Amazon Linux 2023; Lambda deprecates it on 2027-04-30. https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html */
export const TRIGGER_RUNTIME = 'nodejs22.x';
/**
 * The retention periods CloudWatch Logs accepts, in days (0, "never expire", is left out on purpose).
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
export const LOG_RETENTION_DAYS: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
/**
 * Cognito invokes triggers synchronously and waits at most 5 seconds (then retries, three attempts
 * in all); that limit cannot be changed, so a longer Lambda timeout only bills time nobody waits for.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html
 */
export const COGNITO_TRIGGER_MAX_SECONDS = 5;

export type TriggerArchitecture = 'arm64' | 'x86_64';

export interface CognitoTriggerProps {
  /** Physical name of the function (and of its role), 1–64 letters, digits, hyphens and underscores. */
  readonly functionName: string;
  /** What the function does, shown in the Lambda console (at most 256 characters). */
  readonly description: string;
  /** Absolute path of the TypeScript handler file; it must export `handler`. */
  readonly handlerFile: string;
  /**
   * Files packaged beside `index.js` (name → UTF-8 content), read by the handler from `__dirname`,
   * e.g. `{ 'bindings.json': ... }`. Names are flat: letters, digits, `.`, `_`, `-`.
   * @default - none
   */
  readonly dataFiles?: Readonly<Record<string, string>>;
  /** Days CloudWatch keeps the function's logs; one of `LOG_RETENTION_DAYS`. @default 365 */
  readonly logRetentionDays?: number | undefined;
  /** Memory in MB, 128–10240. @default 256 */
  readonly memorySize?: number;
  /** Lambda timeout in seconds, 1–5 (Cognito waits 5 seconds at most). @default 5 */
  readonly timeoutSeconds?: number;
  /** Instruction set of the function. @default 'arm64' */
  readonly architecture?: TriggerArchitecture;
  /** Concurrent executions reserved for (and capped at) this function, at least 1. @default - none: the account's unreserved pool */
  readonly reservedConcurrency?: number;
  /**
   * `cognito-idp:` actions the function may call on the one user pool that invokes it (for
   * example `['cognito-idp:AdminLinkProviderForUser']`), granted by `allowInvocationBy` on that
   * pool's ARN only. No wildcards.
   * @default - none: the function only writes its logs
   */
  readonly userPoolActions?: readonly string[];
}

/**
 * Every problem with the props, one line each (empty when they are fine). `CognitoTrigger` throws
 * them; constructs that wrap it (`TenantClaimTrigger`) add them to their own list so a user sees
 * every problem in one error.
 */
export function validateCognitoTriggerProps(props: CognitoTriggerProps): string[] {
  const problems: string[] = [];
  for (const action of props.userPoolActions ?? []) {
    if (!/^cognito-idp:[A-Z][A-Za-z]+$/.test(action)) {
      problems.push(`userPoolActions has ${JSON.stringify(action)}; list cognito-idp actions by full name, such as cognito-idp:AdminLinkProviderForUser (no wildcards).`);
    }
  }
  const known = (value: string): boolean => !Token.isUnresolved(value);
  // https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html#lambda-CreateFunction-request-FunctionName
  if (known(props.functionName) && !/^[A-Za-z0-9_-]{1,64}$/.test(props.functionName)) {
    problems.push(`functionName must be 1–64 letters, digits, hyphens or underscores (received ${JSON.stringify(props.functionName)}): it also names the role, whose limit is 64.`);
  }
  if (known(props.description) && props.description.length > 256) {
    problems.push(`description must be at most 256 characters (received ${props.description.length}): Lambda's limit.`);
  }
  if (!path.isAbsolute(props.handlerFile) || !props.handlerFile.endsWith('.ts')) {
    problems.push(`handlerFile must be an absolute path to a .ts file (received ${JSON.stringify(props.handlerFile)}): use path.join(__dirname, 'handler.ts').`);
  } else if (!fs.existsSync(props.handlerFile) || !fs.statSync(props.handlerFile).isFile()) {
    problems.push(`handlerFile ${JSON.stringify(props.handlerFile)} does not exist.`);
  }
  for (const name of Object.keys(props.dataFiles ?? {})) {
    if (!ZIP_ENTRY_NAME_PATTERN.test(name)) {
      problems.push(`dataFiles name ${JSON.stringify(name)} must match ${ZIP_ENTRY_NAME_PATTERN.source}: a flat file name, no folders or "..".`);
    } else if (name.toLowerCase() === BUNDLE_FILE_NAME) {
      problems.push(`dataFiles must not contain ${JSON.stringify(name)}: that is the bundled handler.`);
    }
  }
  const retention = props.logRetentionDays ?? 365;
  if (!LOG_RETENTION_DAYS.includes(retention)) {
    problems.push(`logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')} (received ${retention}): the values CloudWatch Logs accepts.`);
  }
  const memory = props.memorySize ?? 256;
  if (!Number.isInteger(memory) || memory < 128 || memory > 10240) {
    problems.push(`memorySize must be a whole number of MB from 128 to 10240 (received ${memory}).`);
  }
  const timeout = props.timeoutSeconds ?? COGNITO_TRIGGER_MAX_SECONDS;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > COGNITO_TRIGGER_MAX_SECONDS) {
    problems.push(`timeoutSeconds must be a whole number from 1 to ${COGNITO_TRIGGER_MAX_SECONDS} (received ${timeout}): Cognito stops waiting for a trigger after 5 seconds.`);
  }
  const architecture = props.architecture ?? 'arm64';
  if (architecture !== 'arm64' && architecture !== 'x86_64') {
    problems.push(`architecture must be "arm64" or "x86_64" (received ${JSON.stringify(architecture)}).`);
  }
  const reserved = props.reservedConcurrency;
  if (reserved !== undefined && (!Number.isInteger(reserved) || reserved < 1)) {
    problems.push(`reservedConcurrency must be a whole number of at least 1 (received ${reserved}): 0 would throttle every sign-in.`);
  }
  return problems;
}

/**
 * One Lambda function for one Cognito user-pool trigger: the handler bundled at synth into a
 * reproducible zip, its own log group with a retention, a role that may only write to that log
 * group, and (with `allowInvocationBy`) the permission for one user pool to invoke it.
 */
export class CognitoTrigger extends Construct {
  /** ARN of the function, for the user pool's `lambda_config`. */
  public readonly functionArn: string;
  /** Name of the function. */
  public readonly functionName: string;
  /** ARN of the execution role. */
  public readonly roleArn: string;
  /** `/aws/lambda/<functionName>`. */
  public readonly logGroupName: string;
  /** SHA-256 (hex) of the deployment package: the same inputs always give the same hash. */
  public readonly assetHash: string;
  /** SHA-256 (base64) of the deployment package, as `source_code_hash`. */
  public readonly sourceCodeHash: string;
  /** Size of the deployment package in bytes. */
  public readonly packageSizeBytes: number;
  /** The role's trust policy, as a typed document (before escaping). */
  public readonly trustPolicy: PolicyDocument;
  /** The role's permissions, as a typed document (before escaping). */
  public readonly permissionsPolicy: PolicyDocument;
  /** The underlying function, for overrides. */
  public readonly lambdaFunction: LambdaFunction;
  /** The underlying execution role, for overrides. */
  public readonly role: IamRole;
  /** The underlying inline policy of the role, for overrides. */
  public readonly rolePolicy: IamRolePolicy;
  /** The underlying log group, for overrides. */
  public readonly logGroup: CloudwatchLogGroup;
  /** The package as a Terraform asset. */
  public readonly asset: TerraformAsset;
  private permission?: LambdaPermission;
  private readonly userPoolActions: readonly string[];
  /** The inline policy that grants `userPoolActions` on the invoking pool, once `allowInvocationBy` has run. */
  public poolAccessPolicy?: IamRolePolicy;

  constructor(scope: Construct, id: string, props: CognitoTriggerProps) {
    super(scope, id);
    const problems = validateCognitoTriggerProps(props);
    if (problems.length > 0) throw new Error(`CognitoTrigger ${this.node.path}:\n  - ${problems.join('\n  - ')}`);
    this.userPoolActions = [...new Set(props.userPoolActions ?? [])].sort();

    let pkg: TriggerPackage;
    try {
      pkg = packageTrigger(props.handlerFile, props.dataFiles);
    } catch (error) {
      throw new Error(`CognitoTrigger ${this.node.path}: bundling ${path.basename(props.handlerFile)} failed: ${(error as Error).message}`);
    }
    this.assetHash = pkg.sha256Hex;
    this.sourceCodeHash = pkg.sha256Base64;
    this.packageSizeBytes = pkg.zip.length;
    this.asset = new TerraformAsset(this, 'Asset', { path: writePackage(pkg), type: AssetType.FILE, assetHash: pkg.sha256Hex });

    // Created by us, not by Lambda on first invocation: it gets a retention, and the role needs no
    // logs:CreateLogGroup. https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
    this.logGroup = new CloudwatchLogGroup(this, 'LogGroup', {
      name: `/aws/lambda/${props.functionName}`,
      retentionInDays: props.logRetentionDays ?? 365,
    });

    // The Lambda service assumes the role for functions it was passed to (iam:PassRole in this
    // account). No aws:SourceAccount condition: Lambda does not document sending it when it assumes
    // an execution role, and a condition that never matches would stop every sign-in.
    // https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
    this.trustPolicy = policyDocument([
      { Sid: 'LambdaService', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    // Log streams and events of its own log group, nothing else. The provider's log-group `arn`
    // has no trailing `:*`; stream-level actions need it.
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html
    this.permissionsPolicy = policyDocument([
      {
        Sid: 'WriteOwnLogGroup',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `${this.logGroup.arn}:*`,
      },
    ]);
    this.role = new IamRole(this, 'Role', {
      name: props.functionName,
      description:
        this.userPoolActions.length === 0
          ? `Execution role of the ${props.functionName} Cognito trigger: writes its own logs only.`
          : `Execution role of the ${props.functionName} Cognito trigger: writes its own logs and calls ${this.userPoolActions.length} admin action(s) on its user pool.`,
      assumeRolePolicy: renderPolicy(this.trustPolicy),
    });
    this.rolePolicy = new IamRolePolicy(this, 'Policy', {
      name: 'write-own-logs',
      role: this.role.id,
      policy: renderPolicy(this.permissionsPolicy),
    });

    this.lambdaFunction = new LambdaFunction(this, 'Function', {
      functionName: props.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: TRIGGER_RUNTIME,
      handler: `${path.basename(BUNDLE_FILE_NAME, '.js')}.handler`,
      architectures: [props.architecture ?? 'arm64'],
      memorySize: props.memorySize ?? 256,
      timeout: props.timeoutSeconds ?? COGNITO_TRIGGER_MAX_SECONDS,
      // Stryker disable next-line ConditionalExpression: spreading { reservedConcurrentExecutions: undefined } synthesizes the same JSON (cdktf drops undefined).
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
      filename: this.asset.path,
      sourceCodeHash: pkg.sha256Base64,
      // JSON lines with a level, into the log group above.
      // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html#monitoring-cloudwatchlogs-advanced
      loggingConfig: { logFormat: 'JSON', logGroup: this.logGroup.name, applicationLogLevel: 'INFO', systemLogLevel: 'WARN' },
      // The log group must exist (or Lambda creates one without retention) and the role must be
      // allowed to write to it before the first invocation.
      dependsOn: [this.logGroup, this.rolePolicy],
    });
    this.functionArn = this.lambdaFunction.arn;
    this.functionName = this.lambdaFunction.functionName;
    this.roleArn = this.role.arn;
    this.logGroupName = this.logGroup.name;
  }

  /** The invoke permission, once `allowInvocationBy` has run. */
  public get invokePermission(): LambdaPermission | undefined {
    return this.permission;
  }

  /**
   * Lets one user pool invoke the function: `aws_lambda_permission` for `cognito-idp.amazonaws.com`
   * with `source_arn` = the pool. The pool's `lambda_config` names the function and this permission
   * names the pool, so there is no cycle as long as the function itself never refers to the pool.
   * May be called once.
   * https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
   */
  public allowInvocationBy(userPoolArn: string): LambdaPermission {
    const problems: string[] = [];
    if (this.permission) problems.push('allowInvocationBy was called already: a trigger serves one user pool.');
    if (!Token.isUnresolved(userPoolArn) && !/^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/[\w-]+_[0-9a-zA-Z]+$/.test(userPoolArn)) {
      problems.push(`userPoolArn must be a user pool ARN (received ${JSON.stringify(userPoolArn)}): pass the user pool's arn attribute.`);
    }
    if (problems.length > 0) throw new Error(`CognitoTrigger ${this.node.path}:\n  - ${problems.join('\n  - ')}`);
    this.permission = new LambdaPermission(this, 'InvokePermission', {
      statementId: 'AllowCognitoUserPool',
      action: 'lambda:InvokeFunction',
      functionName: this.lambdaFunction.functionName,
      principal: COGNITO_IDP_PRINCIPAL,
      sourceArn: userPoolArn,
    });
    if (this.userPoolActions.length > 0) {
      // The function knows its pool from the event (userPoolId); the policy names the pool, the
      // pool names the function, and the function names only the role: no reference cycle.
      // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncognitouserpools.html
      this.poolAccessPolicy = new IamRolePolicy(this, 'PoolAccessPolicy', {
        name: 'own-user-pool-admin-actions',
        role: this.role.id,
        policy: renderPolicy(policyDocument([{ Sid: 'OwnUserPool', Effect: 'Allow', Action: [...this.userPoolActions], Resource: userPoolArn }])),
      });
    }
    return this.permission;
  }
}

import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { IAM_ROLE_ARN_PATTERN, PolicyDocument, policyDocument, renderPolicy } from '../iam-policy';

export interface DataKeyProps {
  /** Alias name without the `alias/` prefix, e.g. `acme-prod-uploads`. */
  readonly aliasName: string;
  /** What the key protects. */
  readonly description: string;
  /**
   * A protected key gets a 30-day deletion window and `prevent_destroy`.
   * @default false
   */
  readonly protected?: boolean;
  /** Waiting period before deletion, 7–30 days. @default - 30 when protected, 7 otherwise */
  readonly deletionWindowInDays?: number;
  /** The account whose IAM policies may administer and use the key. @default - looked up with `aws_caller_identity` */
  readonly accountId?: string;
  /** The Region of the bucket the key encrypts: data-key use is allowed only through `s3.<region>.amazonaws.com`. */
  readonly region: string;
  /**
   * An IAM role that may use the key directly, outside S3 (incident response, a restore). Every
   * other principal, the account root included, can use the key for data only through S3.
   * @default - none: nobody uses the key outside S3
   */
  readonly breakGlassPrincipalArn?: string | undefined;
  /**
   * Services besides S3, in the key's Region, that may use the key for data: `dynamodb` (a table
   * encrypted with it) and `secretsmanager` (secrets encrypted with it). Direct use stays denied.
   * @default - none: S3 only
   */
  readonly dataServices?: readonly KeyDataService[];
}

/** A service other than S3 that may use the data key for the resources it encrypts. */
export type KeyDataService = 'dynamodb' | 'secretsmanager';
export const KEY_DATA_SERVICES: readonly KeyDataService[] = ['dynamodb', 'secretsmanager'];

/**
 * What each service asks KMS for on a caller's behalf. DynamoDB: a grant and the key's metadata
 * when a table is created, the table key's encryption and decryption afterwards (the key policy
 * DynamoDB documents). Secrets Manager: a data key per secret version, and its decryption.
 * https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html#dynamodb-customer-cmk-policy
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html#security-encryption-authz
 */
export const SERVICE_KEY_ACTIONS: Readonly<Record<KeyDataService, readonly string[]>> = {
  dynamodb: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:DescribeKey'],
  secretsmanager: ['kms:GenerateDataKey', 'kms:Decrypt'],
};

/**
 * KMS operations that touch data (or hand out the right to), as opposed to key administration.
 * https://docs.aws.amazon.com/kms/latest/developerguide/kms-cryptography.html#cryptographic-operations
 */
export const KEY_DATA_ACTIONS: readonly string[] = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant'];
/** What S3 asks KMS for on the caller's behalf: a data key on upload, its decryption on UploadPart and GetObject. */
export const S3_KEY_ACTIONS: readonly string[] = ['kms:GenerateDataKey', 'kms:Decrypt'];


/**
 * A customer-managed KMS key with rotation on, whose key policy separates administration from use:
 * IAM in this account administers the key (so it can never become unmanageable), and data
 * operations are possible only through S3 in the key's Region, for every principal, unless a
 * named break-glass role is used.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
 */
export class DataKey extends Construct {
  /** ARN of the key (S3 needs the full ARN; an alias resolves in the caller's account). */
  public readonly keyArn: string;
  /** Id of the key. */
  public readonly keyId: string;
  /** `alias/<aliasName>`. */
  public readonly aliasName: string;
  /** The key policy, as a typed document (before escaping). */
  public readonly keyPolicy: PolicyDocument;
  /** The partition of the account (`aws`, `aws-cn`, ...), looked up once, for ARNs built beside the key. */
  public readonly partition: string;
  /** The underlying key, for overrides. */
  public readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: DataKeyProps) {
    super(scope, id);
    const protectedKey = props.protected ?? false;
    const window = props.deletionWindowInDays ?? (protectedKey ? 30 : 7);
    const problems: string[] = [];
    if (!Number.isInteger(window) || window < 7 || window > 30) {
      problems.push(`deletionWindowInDays must be an integer from 7 to 30 (received ${window}).`);
    }
    if (protectedKey && window !== 30) {
      problems.push(`deletionWindowInDays must be 30 for a protected key (received ${window}).`);
    }
    if (!Token.isUnresolved(props.aliasName) && (!/^[a-zA-Z0-9/_-]{1,250}$/.test(props.aliasName) || props.aliasName.startsWith('aws'))) {
      problems.push(`aliasName must be 1–250 characters of letters, digits, /_- and not start with "aws" (received ${JSON.stringify(props.aliasName)}).`);
    }
    if (!Token.isUnresolved(props.region) && !/^[a-z]{2}(?:-[a-z]+)+-\d$/.test(props.region)) {
      problems.push(`region must be an AWS Region code such as eu-central-1 (received ${JSON.stringify(props.region)}).`);
    }
    if (props.breakGlassPrincipalArn !== undefined && !Token.isUnresolved(props.breakGlassPrincipalArn) && !IAM_ROLE_ARN_PATTERN.test(props.breakGlassPrincipalArn)) {
      problems.push(`breakGlassPrincipalArn must be an IAM role ARN such as arn:aws:iam::123456789012:role/incident-response (received ${JSON.stringify(props.breakGlassPrincipalArn)}).`);
    }
    const services = props.dataServices ?? [];
    for (const service of services) {
      if (!KEY_DATA_SERVICES.includes(service)) problems.push(`dataServices has ${JSON.stringify(service)}; allowed: ${KEY_DATA_SERVICES.join(', ')}.`);
    }
    if (problems.length > 0) throw new Error(`DataKey ${this.node.path}:\n  - ${problems.join('\n  - ')}`);

    const accountId = props.accountId ?? new DataAwsCallerIdentity(this, 'Account').accountId;
    const partition = new DataAwsPartition(this, 'Partition');
    this.partition = partition.partition;
    const root = `arn:${partition.partition}:iam::${accountId}:root`;
    const viaS3 = `s3.${props.region}.amazonaws.com`;
    const breakGlass = props.breakGlassPrincipalArn;
    const serviceHosts = [...new Set(services)].sort().map((service) => ({ service, host: `${service}.${props.region}.amazonaws.com` }));
    this.keyPolicy = policyDocument([
      // The account root must stay in the key policy, or nobody (not even the account) can change
      // it again. Administration only: data operations are granted below, through S3 only.
      // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
      { Sid: 'KeyAdministrationThroughIam', Effect: 'Allow', Principal: { AWS: root }, NotAction: KEY_DATA_ACTIONS, Resource: '*' },
      {
        Sid: 'KeyUseThroughS3',
        Effect: 'Allow',
        Principal: { AWS: root },
        Action: S3_KEY_ACTIONS,
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': viaS3, 'kms:CallerAccount': accountId } },
      },
      ...serviceHosts.map(({ service, host }) => ({
        Sid: service === 'dynamodb' ? 'KeyUseThroughDynamoDb' : 'KeyUseThroughSecretsManager',
        Effect: 'Allow' as const,
        Principal: { AWS: root },
        Action: SERVICE_KEY_ACTIONS[service],
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': host, 'kms:CallerAccount': accountId } },
      })),
      // DynamoDB itself reads the key's metadata to report an unusable key on the table.
      // https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html#dynamodb-customer-cmk-policy
      ...(services.includes('dynamodb')
        ? [{ Sid: 'DynamoDbReadsKeyMetadata', Effect: 'Allow' as const, Principal: { Service: 'dynamodb.amazonaws.com' }, Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'], Resource: '*' }]
        : []),
      ...(breakGlass ? [{ Sid: 'BreakGlassDirectUse', Effect: 'Allow' as const, Principal: { AWS: breakGlass }, Action: KEY_DATA_ACTIONS, Resource: '*' }] : []),
      // An explicit Deny also binds IAM policies with kms:* and grants: outside S3, the data key is
      // unusable for everyone but the break-glass role.
      // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
      {
        Sid: 'DenyKeyUseOutsideS3',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: KEY_DATA_ACTIONS,
        Resource: '*',
        Condition: {
          StringNotEquals: { 'kms:ViaService': serviceHosts.length === 0 ? viaS3 : [viaS3, ...serviceHosts.map((s) => s.host)] },
          ...(breakGlass ? { ArnNotEquals: { 'aws:PrincipalArn': breakGlass } } : {}),
        },
      },
    ]);
    this.key = new KmsKey(this, 'Key', {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: window,
      policy: renderPolicy(this.keyPolicy),
      ...(protectedKey ? { lifecycle: { preventDestroy: true } } : {}),
    });
    new KmsAlias(this, 'Alias', { name: `alias/${props.aliasName}`, targetKeyId: this.key.keyId });
    this.keyArn = this.key.arn;
    this.keyId = this.key.keyId;
    this.aliasName = `alias/${props.aliasName}`;
  }
}

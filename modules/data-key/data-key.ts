import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { PolicyDocument, policyDocument, renderPolicy } from '../iam-policy';

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
  /** The account whose IAM policies may use the key. @default - looked up with `aws_caller_identity` */
  readonly accountId?: string;
}

/**
 * A customer-managed KMS key with rotation on. The key policy only delegates to IAM in this
 * account (the default key policy); who may use the key is decided by identity policies.
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
    if (problems.length > 0) throw new Error(`DataKey ${this.node.path}:\n  - ${problems.join('\n  - ')}`);

    const accountId = props.accountId ?? new DataAwsCallerIdentity(this, 'Account').accountId;
    const partition = new DataAwsPartition(this, 'Partition');
    this.keyPolicy = policyDocument([
      {
        Sid: 'EnableIamPoliciesOfThisAccount',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition.partition}:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ]);
    this.key = new KmsKey(this, 'Key', {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: window,
      policy: renderPolicy(this.keyPolicy),
      lifecycle: protectedKey ? { preventDestroy: true } : undefined,
    });
    new KmsAlias(this, 'Alias', { name: `alias/${props.aliasName}`, targetKeyId: this.key.keyId });
    this.keyArn = this.key.arn;
    this.keyId = this.key.keyId;
    this.aliasName = `alias/${props.aliasName}`;
  }
}

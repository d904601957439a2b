import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketCorsConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-cors-configuration';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { PolicyDocument, policyDocument, PolicyStatement, renderPolicy } from '../iam-policy';

/** Methods a browser needs for direct and multipart uploads, downloads and deletes. */
export const DEFAULT_CORS_METHODS: readonly string[] = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'];

export interface UploadBucketProps {
  /** Physical bucket name (3–63 characters). */
  readonly bucketName: string;
  /** ARN of the KMS key for default encryption. Must be the full key ARN, not an alias. */
  readonly kmsKeyArn: string;
  /** Exact origins allowed to call the bucket from a browser (no wildcard). */
  readonly corsAllowedOrigins: readonly string[];
  /** CORS methods. @default DEFAULT_CORS_METHODS */
  readonly corsAllowedMethods?: readonly string[];
  /**
   * S3 Bucket Keys. They change the KMS encryption context from the object ARN to the bucket ARN,
   * which breaks binding the key to a tenant prefix, so they are off by default.
   * @default false
   */
  readonly bucketKeyEnabled?: boolean;
  /**
   * Also deny uploads that do not name the KMS key (`x-amz-server-side-encryption-aws-kms-key-id`).
   * Off by default because UploadPart requests of a multipart upload never carry SSE headers, so
   * this denies every multipart upload (botocore issue #471, "Cannot add x-amz-server-side-encryption
   * header to S3 upload part"); objects uploaded without headers still get the default SSE-KMS key.
   * https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html
   * @default false
   */
  readonly requireEncryptionHeaders?: boolean;
  /** Days after which an incomplete multipart upload is aborted (1–7). @default 7 */
  readonly abortIncompleteMultipartUploadDays?: number;
  /** Days a noncurrent object version is kept. @default 30 */
  readonly noncurrentVersionExpirationDays?: number;
  /** Protected buckets get `prevent_destroy`. @default false */
  readonly protected?: boolean;
  /**
   * The only IAM principals (role ARNs, matched as `aws:PrincipalArn`) that may read, write or
   * delete object data. Every other principal of the account, an administrator with `s3:*` and
   * `kms:*` included, is denied by the bucket policy. Bucket configuration and listing are not
   * affected, so Terraform and plans keep working. An ARN may end in a role-name prefix with `*`
   * (`arn:aws:iam::111122223333:role/up-prod-tenant.*`): the policy then stays the same size however
   * many tenant roles there are, and every role whose name starts so is inside the perimeter.
   * @default - no restriction: any principal whose IAM policy allows it
   */
  readonly dataAccessPrincipalArns?: readonly string[];
}

/** Object-data actions: what `dataAccessPrincipalArns` keeps to the named principals. */
export const OBJECT_DATA_ACTIONS: readonly string[] = [
  's3:GetObject*',
  's3:PutObject*',
  's3:DeleteObject*',
  's3:RestoreObject',
  's3:ReplicateObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
];

/**
 * The bucket browsers upload into: private, TLS-only, SSE-KMS with one key, versioned, with
 * lifecycle clean-up of abandoned multipart uploads and old versions.
 */
export class UploadBucket extends Construct {
  public readonly bucketName: string;
  public readonly bucketArn: string;
  /** The bucket policy, as a typed document (before escaping). */
  public readonly bucketPolicy: PolicyDocument;
  /** The underlying bucket, for overrides. */
  public readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: UploadBucketProps) {
    super(scope, id);
    const abortDays = props.abortIncompleteMultipartUploadDays ?? 7;
    const noncurrentDays = props.noncurrentVersionExpirationDays ?? 30;
    const methods = props.corsAllowedMethods ?? DEFAULT_CORS_METHODS;
    const problems: string[] = [];
    if (!Token.isUnresolved(props.bucketName) && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.bucketName)) {
      problems.push(`bucketName must be 3–63 lowercase letters, digits, dots and hyphens (received ${JSON.stringify(props.bucketName)}).`);
    }
    if (!Token.isUnresolved(props.kmsKeyArn) && !/^arn:[^:]+:kms:[^:]+:\d{12}:key\/.+$/.test(props.kmsKeyArn)) {
      problems.push(`kmsKeyArn must be a full key ARN; an alias or key id resolves in the caller's account (received ${JSON.stringify(props.kmsKeyArn)}).`);
    }
    if (props.corsAllowedOrigins.length === 0) problems.push('corsAllowedOrigins must list at least one origin.');
    if (props.dataAccessPrincipalArns !== undefined && props.dataAccessPrincipalArns.length === 0) {
      problems.push('dataAccessPrincipalArns must name at least one principal, or be left out: an empty list would deny every object to everyone.');
    }
    for (const origin of props.corsAllowedOrigins) {
      if (origin.includes('*')) problems.push(`corsAllowedOrigins must not contain a wildcard (received ${JSON.stringify(origin)}).`);
    }
    for (const method of methods) {
      if (!['GET', 'HEAD', 'PUT', 'POST', 'DELETE'].includes(method)) {
        problems.push(`corsAllowedMethods has ${JSON.stringify(method)}; S3 allows GET, HEAD, PUT, POST, DELETE.`);
      }
    }
    if (!Number.isInteger(abortDays) || abortDays < 1 || abortDays > 7) {
      problems.push(`abortIncompleteMultipartUploadDays must be an integer from 1 to 7 (received ${abortDays}).`);
    }
    if (!Number.isInteger(noncurrentDays) || noncurrentDays < 1) {
      problems.push(`noncurrentVersionExpirationDays must be a positive integer (received ${noncurrentDays}).`);
    }
    if (problems.length > 0) throw new Error(`UploadBucket ${this.node.path}:\n  - ${problems.join('\n  - ')}`);

    const protectedBucket = props.protected ?? false;
    this.bucket = new S3Bucket(this, 'Bucket', {
      bucket: props.bucketName,
      forceDestroy: false,
      ...(protectedBucket ? { lifecycle: { preventDestroy: true } } : {}),
    });
    const bucket = this.bucket.id;
    new S3BucketPublicAccessBlock(this, 'PublicAccessBlock', {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'OwnershipControls', { bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    const versioning = new S3BucketVersioningA(this, 'Versioning', { bucket, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'Encryption', {
      bucket,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.kmsKeyArn },
          bucketKeyEnabled: props.bucketKeyEnabled ?? false,
        },
      ],
    });
    // Browsers read each part's ETag to complete a multipart upload.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/ManageCorsUsing.html
    new S3BucketCorsConfiguration(this, 'Cors', {
      bucket,
      corsRule: [
        {
          allowedOrigins: [...props.corsAllowedOrigins],
          allowedMethods: [...methods],
          allowedHeaders: ['*'],
          exposeHeaders: ['ETag'],
          maxAgeSeconds: 3000,
        },
      ],
    });
    new S3BucketLifecycleConfiguration(this, 'Lifecycle', {
      bucket,
      dependsOn: [versioning],
      rule: [
        {
          id: 'abort-incomplete-multipart-uploads',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: abortDays }],
        },
        {
          id: 'expire-noncurrent-versions',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays }],
        },
      ],
    });

    const objects = `${this.bucket.arn}/*`;
    const statements: PolicyStatement[] = [
      // https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-5
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [this.bucket.arn, objects],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      // S3 takes the encryption from the request when one is given; only ours may be. Each deny
      // applies only when its header is present (Null = false): a request without SSE headers,
      // which every UploadPart is, gets the default key. `...IfExists` would do the opposite: an
      // absent key makes it true, and the deny would hit every multipart upload.
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
      // Refuses SSE-S3 (`AES256`) and dual-layer SSE-KMS (`aws:kms:dsse`) as well.
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-dsse-encryption.html
      {
        Sid: 'DenyOtherEncryption',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: objects,
        Condition: {
          StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
          Null: { 's3:x-amz-server-side-encryption': 'false' },
        },
      },
      {
        // Also catches `aws:kms` without a key id, which would use the AWS managed aws/s3 key.
        Sid: 'DenyOtherKmsKey',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: objects,
        Condition: {
          StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': props.kmsKeyArn },
          Null: { 's3:x-amz-server-side-encryption': 'false' },
        },
      },
      {
        // Customer-provided keys (SSE-C) bypass KMS entirely: S3 encrypts with a key the caller
        // sends, so neither the data key nor its tenant binding applies. Every request of an SSE-C
        // upload, UploadPart included, carries this header; SSE-KMS requests never do.
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-s3-c-encryption.html
        Sid: 'DenyCustomerProvidedKeys',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: objects,
        Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
      },
    ];
    if (props.dataAccessPrincipalArns !== undefined) {
      // A data perimeter on the bucket itself: an IAM policy elsewhere in the account (kms:* and
      // s3:* on "*", or a role some automation created) cannot read tenant data. The principals
      // keep everything else; whoever may change the bucket policy can still lift this (logged).
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
      statements.push({
        Sid: 'DenyObjectDataToOtherPrincipals',
        Effect: 'Deny',
        Principal: '*',
        Action: OBJECT_DATA_ACTIONS,
        Resource: objects,
        // ArnNotLike for a role-name pattern; the exact list keeps ArnNotEquals (AWS matches both alike).
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
        Condition: {
          [props.dataAccessPrincipalArns.some((arn) => arn.includes('*')) ? 'ArnNotLike' : 'ArnNotEquals']: { 'aws:PrincipalArn': [...props.dataAccessPrincipalArns] },
        },
      });
    }
    if (props.requireEncryptionHeaders) {
      statements.push({
        Sid: 'DenyMissingKmsHeader',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: objects,
        Condition: { Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' } },
      });
    }
    this.bucketPolicy = policyDocument(statements);
    new S3BucketPolicy(this, 'Policy', { bucket, policy: renderPolicy(this.bucketPolicy) });
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
  }
}

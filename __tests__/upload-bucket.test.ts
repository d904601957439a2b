import { UploadBucket, UploadBucketProps } from '../modules/upload-bucket';
import { onlyResource, parsePolicy, statement, synthModule } from './helpers/module-stack';

const KEY = 'arn:aws:kms:eu-central-1:111111111111:key/k';

function synthBucket(props: Partial<UploadBucketProps> = {}) {
  const json = synthModule(
    (scope) =>
      new UploadBucket(scope, 'UploadBucket', {
        bucketName: 'up-dev-uploads',
        kmsKeyArn: KEY,
        corsAllowedOrigins: ['https://app.example.com'],
        ...props,
      }),
  );
  const one = (type: string) => onlyResource(json, type);
  return { json, one, policy: parsePolicy(one('aws_s3_bucket_policy').policy) };
}

describe('UploadBucket', () => {
  it('blocks every kind of public access (S3-1)', () => {
    expect(synthBucket().one('aws_s3_bucket_public_access_block')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it('disables ACLs with BucketOwnerEnforced (S3-2)', () => {
    expect(synthBucket().one('aws_s3_bucket_ownership_controls').rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
  });

  it('versions objects', () => {
    expect(synthBucket().one('aws_s3_bucket_versioning').versioning_configuration).toEqual({ status: 'Enabled' });
  });

  it('encrypts by default with the key’s full ARN and Bucket Keys off, so the context stays the object ARN', () => {
    expect(synthBucket().one('aws_s3_bucket_server_side_encryption_configuration').rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: KEY }, bucket_key_enabled: false },
    ]);
  });

  it('denies every request without TLS (S3-3)', () => {
    expect(statement(synthBucket().policy, 'DenyInsecureTransport')).toEqual({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [expect.stringMatching(/^\$\{aws_s3_bucket\.\w+\.arn\}$/), expect.stringMatching(/^\$\{aws_s3_bucket\.\w+\.arn\}\/\*$/)],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });

  it('denies uploads that name another encryption type or another KMS key (S3-4)', () => {
    const { policy } = synthBucket();
    expect(statement(policy, 'DenyOtherEncryption').Condition).toEqual({
      StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
      Null: { 's3:x-amz-server-side-encryption': 'false' },
    });
    expect(statement(policy, 'DenyOtherKmsKey').Condition).toEqual({
      StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': KEY },
      Null: { 's3:x-amz-server-side-encryption': 'false' },
    });
  });

  it('leaves header-less uploads (multipart parts) to default encryption unless headers are required', () => {
    expect(synthBucket().policy.Statement.map((s: any) => s.Sid)).not.toContain('DenyMissingKmsHeader');
    expect(statement(synthBucket({ requireEncryptionHeaders: true }).policy, 'DenyMissingKmsHeader').Condition).toEqual({
      Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' },
    });
  });

  it('allows CORS from the listed origins only, with the upload methods, exposing ETag (S3-6)', () => {
    expect(synthBucket().one('aws_s3_bucket_cors_configuration').cors_rule).toEqual([
      {
        allowed_origins: ['https://app.example.com'],
        allowed_methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'],
        allowed_headers: ['*'],
        expose_headers: ['ETag'],
        max_age_seconds: 3000,
      },
    ]);
  });

  it('aborts incomplete multipart uploads within 7 days and expires noncurrent versions (S3-5)', () => {
    const rules = synthBucket().one('aws_s3_bucket_lifecycle_configuration').rule;
    expect(rules).toEqual([
      { id: 'abort-incomplete-multipart-uploads', status: 'Enabled', filter: [{ prefix: '' }], abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] },
      { id: 'expire-noncurrent-versions', status: 'Enabled', filter: [{ prefix: '' }], noncurrent_version_expiration: [{ noncurrent_days: 30 }] },
    ]);
  });

  it('never force-destroys, and prevents destroy when protected (ST2)', () => {
    expect(synthBucket().one('aws_s3_bucket')).toMatchObject({ force_destroy: false });
    expect(synthBucket().one('aws_s3_bucket').lifecycle).toBeUndefined();
    expect(synthBucket({ protected: true }).one('aws_s3_bucket').lifecycle).toEqual({ prevent_destroy: true });
  });

  it('rejects a wildcard origin, an alias for the key and a long multipart window before creating anything', () => {
    expect(() => synthBucket({ corsAllowedOrigins: ['*'], kmsKeyArn: 'arn:aws:kms:eu-central-1:111111111111:alias/uploads', abortIncompleteMultipartUploadDays: 30 })).toThrow(
      /kmsKeyArn must be a full key ARN[\s\S]*must not contain a wildcard[\s\S]*from 1 to 7/,
    );
  });
});

import { TerraformVariable } from 'cdktf';
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

  it('denies customer-provided keys (SSE-C) on every upload request, UploadPart included', () => {
    expect(statement(synthBucket().policy, 'DenyCustomerProvidedKeys')).toEqual({
      Sid: 'DenyCustomerProvidedKeys',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: expect.stringMatching(/^\$\{aws_s3_bucket\.\w+\.arn\}\/\*$/),
      Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
    });
  });

  it('applies every upload Deny to everyone, on the objects', () => {
    const { policy } = synthBucket({ requireEncryptionHeaders: true });
    const uploadDenies = policy.Statement.filter((s: any) => s.Action === 's3:PutObject');
    expect(uploadDenies.map((s: any) => s.Sid)).toEqual(['DenyOtherEncryption', 'DenyOtherKmsKey', 'DenyCustomerProvidedKeys', 'DenyMissingKmsHeader']);
    for (const s of uploadDenies) expect(s).toMatchObject({ Effect: 'Deny', Principal: '*', Resource: expect.stringMatching(/\.arn\}\/\*$/) });
    expect(policy.Statement.every((s: any) => s.Effect === 'Deny')).toBe(true);
  });

  it('turns Bucket Keys on only when asked, and uses the methods and lifetimes it is given', () => {
    expect(synthBucket({ bucketKeyEnabled: true }).one('aws_s3_bucket_server_side_encryption_configuration').rule[0].bucket_key_enabled).toBe(true);
    const { one } = synthBucket({ corsAllowedMethods: ['GET', 'PUT'], abortIncompleteMultipartUploadDays: 1, noncurrentVersionExpirationDays: 1 });
    expect(one('aws_s3_bucket_cors_configuration').cors_rule[0].allowed_methods).toEqual(['GET', 'PUT']);
    const [abort, expire] = one('aws_s3_bucket_lifecycle_configuration').rule;
    expect(abort.abort_incomplete_multipart_upload).toEqual([{ days_after_initiation: 1 }]);
    expect(expire.noncurrent_version_expiration).toEqual([{ noncurrent_days: 1 }]);
  });

  it('configures the lifecycle after versioning (noncurrent expiration needs it)', () => {
    expect(synthBucket().one('aws_s3_bucket_lifecycle_configuration').depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_versioning\./)]);
  });

  it('leaves a bucket name and key ARN that are unresolved tokens to Terraform', () => {
    const json = synthModule((scope) => {
      const name = new TerraformVariable(scope, 'Name', { type: 'string' }).stringValue;
      const key = new TerraformVariable(scope, 'Key', { type: 'string' }).stringValue;
      new UploadBucket(scope, 'B', { bucketName: name, kmsKeyArn: key, corsAllowedOrigins: ['https://app.example.com'] });
    });
    expect(onlyResource(json, 'aws_s3_bucket').bucket).toBe('${var.Name}');
  });

  describe('validation, at each limit and one past it', () => {
    const bucket = (props: Partial<UploadBucketProps>) => () => synthBucket(props);

    it('accepts a bucket name of 3 and of 63 characters, and refuses 2, 64, upper case and a leading or trailing dot or hyphen', () => {
      expect(bucket({ bucketName: 'a-1' })).not.toThrow();
      expect(bucket({ bucketName: `a${'.b'.repeat(31)}` })).not.toThrow();
      for (const bad of ['ab', 'a'.repeat(64), 'Up-dev', '-up', 'up-', '.up', 'up.', 'up_dev']) {
        expect(bucket({ bucketName: bad })).toThrow(`bucketName must be 3–63 lowercase letters, digits, dots and hyphens (received ${JSON.stringify(bad)}).`);
      }
    });

    it('accepts only a full key ARN with a 12-digit account', () => {
      expect(bucket({ kmsKeyArn: 'arn:aws-cn:kms:cn-north-1:111111111111:key/abc' })).not.toThrow();
      for (const bad of ['k', 'alias/uploads', 'arn:aws:kms:eu-central-1:11111111111:key/k', 'arn:aws:kms:eu-central-1:111111111111:key/', 'arn:aws:kms:eu-central-1:111111111111:alias/k', 'x arn:aws:kms:eu-central-1:111111111111:key/k', 'arn:aws:kms::111111111111:key/k']) {
        expect(bucket({ kmsKeyArn: bad })).toThrow(`kmsKeyArn must be a full key ARN; an alias or key id resolves in the caller's account (received ${JSON.stringify(bad)}).`);
      }
    });

    it('refuses a key ARN split over two lines', () => {
      expect(bucket({ kmsKeyArn: `${KEY}\nx` })).toThrow(/kmsKeyArn must be a full key ARN/);
    });

    it('refuses no origin, and a wildcard anywhere in an origin', () => {
      expect(bucket({ corsAllowedOrigins: [] })).toThrow('corsAllowedOrigins must list at least one origin.');
      expect(bucket({ corsAllowedOrigins: ['https://app.example.com', 'https://*.example.com'] })).toThrow('corsAllowedOrigins must not contain a wildcard (received "https://*.example.com").');
    });

    it('refuses a CORS method S3 does not allow', () => {
      expect(bucket({ corsAllowedMethods: ['GET', 'PATCH'] })).toThrow('corsAllowedMethods has "PATCH"; S3 allows GET, HEAD, PUT, POST, DELETE.');
      expect(bucket({ corsAllowedMethods: ['get'] })).toThrow(/corsAllowedMethods has "get"/);
    });

    it('bounds the multipart window at 1 to 7 whole days and noncurrent versions at 1 day or more', () => {
      for (const bad of [0, 8, 1.5]) expect(bucket({ abortIncompleteMultipartUploadDays: bad })).toThrow(`abortIncompleteMultipartUploadDays must be an integer from 1 to 7 (received ${bad}).`);
      expect(bucket({ abortIncompleteMultipartUploadDays: 7 })).not.toThrow();
      for (const bad of [0, 2.5]) expect(bucket({ noncurrentVersionExpirationDays: bad })).toThrow(`noncurrentVersionExpirationDays must be a positive integer (received ${bad}).`);
    });

    it('reports every problem together, under the construct path', () => {
      expect(bucket({ bucketName: 'A', corsAllowedOrigins: [], noncurrentVersionExpirationDays: 0 })).toThrow(
        /^UploadBucket test\/UploadBucket:\n {2}- bucketName must be[^\n]*\n {2}- corsAllowedOrigins must list[^\n]*\n {2}- noncurrentVersionExpirationDays must be[^\n]*$/,
      );
    });
  });

  it('rejects a wildcard origin, an alias for the key and a long multipart window before creating anything', () => {
    expect(() => synthBucket({ corsAllowedOrigins: ['*'], kmsKeyArn: 'arn:aws:kms:eu-central-1:111111111111:alias/uploads', abortIncompleteMultipartUploadDays: 30 })).toThrow(
      /kmsKeyArn must be a full key ARN[\s\S]*must not contain a wildcard[\s\S]*from 1 to 7/,
    );
  });
});

describe('UploadBucket data perimeter', () => {
  const ROLE = 'arn:aws:iam::111111111111:role/up-dev-authenticated';

  it('denies object data to every principal but the named ones, and leaves configuration and listing alone', () => {
    expect(statement(synthBucket({ dataAccessPrincipalArns: [ROLE] }).policy, 'DenyObjectDataToOtherPrincipals')).toEqual({
      Sid: 'DenyObjectDataToOtherPrincipals',
      Effect: 'Deny',
      Principal: '*',
      Action: ['s3:GetObject*', 's3:PutObject*', 's3:DeleteObject*', 's3:RestoreObject', 's3:ReplicateObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: expect.stringMatching(/\.arn\}\/\*$/),
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': [ROLE] } },
    });
  });

  it('matches a role-name pattern with ArnNotLike, so tier and tenant roles enter by name prefix', () => {
    const pattern = 'arn:aws:iam::111111111111:role/up-dev-tenant-*';
    expect(statement(synthBucket({ dataAccessPrincipalArns: [ROLE, pattern] }).policy, 'DenyObjectDataToOtherPrincipals').Condition).toEqual({
      ArnNotLike: { 'aws:PrincipalArn': [ROLE, pattern] },
    });
  });

  it('adds no data perimeter unless asked, and refuses an empty list (it would deny everyone)', () => {
    expect(synthBucket().policy.Statement.map((s: { Sid: string }) => s.Sid)).not.toContain('DenyObjectDataToOtherPrincipals');
    expect(() => synthBucket({ dataAccessPrincipalArns: [] })).toThrow(/dataAccessPrincipalArns must name at least one principal/);
  });
});

import { conditionEntries, conditionKeyCount, grantsAction, isEveryone, parsePolicy, Statement, wildcardMatch } from '../policy';
import { attachedTo, block, blocks, interpolation, pointsAt, resourceAt, resourcesOf, soleReference, StackJson, StackResource, strings } from '../stack-json';
import { Finding, SecurityRule } from '../types';

const S3_CONTROLS = 'https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html';

/** Methods a browser needs for direct and multipart uploads, downloads and deletes. */
export const ALLOWED_CORS_METHODS: readonly string[] = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'];

/** Sub-resources of a bucket (`aws_s3_bucket_policy`, ...), by their `bucket` argument. */
function bucketParts(stack: StackJson, type: string, bucket: StackResource): StackResource[] {
  return attachedTo(stack, type, 'bucket', bucket, 'bucket');
}

/** The ARN strings a policy may use for the bucket: the reference, and the literal ARN when the name is literal. */
function bucketArns(bucket: StackResource): string[] {
  const arns = [interpolation(bucket.address, 'arn')];
  const name = bucket.config.bucket;
  if (typeof name === 'string' && !name.includes('${')) arns.push(`arn:aws:s3:::${name}`);
  return arns;
}

/** The parsed statements of the bucket's policies. */
function bucketPolicyStatements(stack: StackJson, bucket: StackResource): Statement[] {
  return bucketParts(stack, 'aws_s3_bucket_policy', bucket).flatMap((p) =>
    typeof p.config.policy === 'string' ? parsePolicy(p.config.policy).document?.statements ?? [] : [],
  );
}

/** Whether a statement's Resource list covers `resource` (as Terraform-level text). */
function coversResource(statement: Statement, resource: string): boolean {
  return statement.resources.some((pattern) => wildcardMatch(pattern, resource));
}

/** A Deny for everyone, of `action`, on the bucket's objects. */
function deniesObjects(statement: Statement, bucket: StackResource, action: string): boolean {
  return (
    statement.effect === 'Deny' &&
    isEveryone(statement.principal) &&
    !statement.notResources &&
    grantsAction(statement, action) &&
    bucketArns(bucket).some((arn) => coversResource(statement, `${arn}/*`))
  );
}

export const S3_1: SecurityRule = {
  id: 'S3-1',
  level: 'error',
  description: 'Every bucket has a public access block with block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets all true.',
  reason: 'A policy or ACL mistake must never make tenant uploads public (Security Hub S3.1 / S3.8).',
  docUrl: `${S3_CONTROLS}#s3-8`,
  fix: 'Add aws_s3_bucket_public_access_block with all four settings true (UploadBucket does).',
  check(stack) {
    const settings = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'];
    const findings: Finding[] = [];
    for (const bucket of resourcesOf(stack, 'aws_s3_bucket')) {
      const blocksOfBucket = bucketParts(stack, 'aws_s3_bucket_public_access_block', bucket);
      const complete = blocksOfBucket.some((b) => settings.every((s) => b.config[s] === true));
      if (!complete) {
        const off = blocksOfBucket.length === 0 ? 'none exists' : settings.filter((s) => blocksOfBucket[0]!.config[s] !== true).join(', ') + ' not true';
        findings.push({ address: bucket.address, fix: `add an aws_s3_bucket_public_access_block with all four settings true (${off}).` });
      }
    }
    return findings;
  },
};

export const S3_2: SecurityRule = {
  id: 'S3-2',
  level: 'error',
  description: 'Every bucket sets object_ownership = "BucketOwnerEnforced" (ACLs off).',
  reason: 'With ACLs off, the bucket owner owns every object and only policies decide access (Security Hub S3.12).',
  docUrl: `${S3_CONTROLS}#s3-12`,
  fix: 'Add aws_s3_bucket_ownership_controls with object_ownership = "BucketOwnerEnforced" (UploadBucket does).',
  check(stack) {
    return resourcesOf(stack, 'aws_s3_bucket')
      .filter((bucket) => !bucketParts(stack, 'aws_s3_bucket_ownership_controls', bucket).some((o) => block(o.config.rule)?.object_ownership === 'BucketOwnerEnforced'))
      .map((bucket) => ({ address: bucket.address, fix: 'add aws_s3_bucket_ownership_controls with rule.object_ownership = "BucketOwnerEnforced".' }));
  },
};

export const S3_3: SecurityRule = {
  id: 'S3-3',
  level: 'error',
  description: 'Every bucket policy denies s3:* to everyone on the bucket and its objects when aws:SecureTransport is false.',
  reason: 'Uploads and their credentials must never travel in clear text (Security Hub S3.5).',
  docUrl: `${S3_CONTROLS}#s3-5`,
  fix: 'Add a Deny of s3:* on the bucket and its objects when aws:SecureTransport is "false" to the bucket policy (UploadBucket does).',
  check(stack) {
    const findings: Finding[] = [];
    for (const bucket of resourcesOf(stack, 'aws_s3_bucket')) {
      const ok = bucketPolicyStatements(stack, bucket).some(
        (s) =>
          s.effect === 'Deny' &&
          isEveryone(s.principal) &&
          s.actions.some((a) => a === 's3:*' || a === '*') &&
          bucketArns(bucket).some((arn) => coversResource(s, arn) && coversResource(s, `${arn}/*`)) &&
          conditionKeyCount(s) === 1 &&
          conditionEntries(s, 'aws:SecureTransport').some((e) => e.operator === 'Bool' && e.values.length === 1 && e.values[0] === 'false'),
      );
      if (!ok) {
        findings.push({
          address: bucket.address,
          fix: `add to its bucket policy a Deny of "s3:*" for Principal "*" on ["${interpolation(bucket.address, 'arn')}", "${interpolation(bucket.address, 'arn')}/*"] with "Bool": { "aws:SecureTransport": "false" }.`,
        });
      }
    }
    return findings;
  },
};

/** Why a default-encryption key id is not a full key ARN of this stack, or undefined when it is. */
function keyArnProblem(stack: StackJson, keyId: unknown): string | undefined {
  if (typeof keyId !== 'string' || keyId === '') return 'kms_master_key_id is missing, so S3 uses the AWS managed key';
  const ref = soleReference(keyId);
  if (ref) {
    const target = resourceAt(stack, ref.address);
    if (target?.type === 'aws_kms_alias') return `${keyId} is an alias, which resolves in the caller's account`;
    if (target?.type !== 'aws_kms_key') return `${keyId} is not a key of this stack`;
    if (ref.attribute !== 'arn') return `${keyId} is a key id, not the key ARN`;
    return undefined;
  }
  if (/^arn:[^:]+:kms:[^:]+:\d{12}:key\/[\w-]+$/.test(keyId)) return undefined;
  if (keyId.includes('alias/')) return `${JSON.stringify(keyId)} is an alias, which resolves in the caller's account`;
  return `${JSON.stringify(keyId)} is not a full key ARN`;
}

/** The header that says whether a request asks for server-side encryption at all. */
const SSE_HEADER = 's3:x-amz-server-side-encryption';

/**
 * Whether a Deny tests only `key` against `value`: `StringNotEquals` (or `...IfExists`) on it, and
 * optionally `Null: { "s3:x-amz-server-side-encryption": "false" }`.
 *
 * Negated and IfExists operators are true when the key is absent, so the test alone also denies
 * requests without SSE headers, which every multipart UploadPart is. The Null limiter on the SSE
 * header narrows the deny to requests that ask for encryption; requests without headers get the
 * default key. The limiter must be on the SSE header, not the key-id header: otherwise
 * `aws:kms` without a key id passes and S3 uses the AWS managed key. Any other key is ANDed in and
 * would let a request that is wrong in this header through.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
 */
function deniesOtherValue(statement: Statement, key: string, value: string): boolean {
  const entries = Object.entries(statement.conditions).flatMap(([operator, byKey]) =>
    Object.entries(byKey).map(([k, values]) => ({ operator, key: k.toLowerCase(), values })),
  );
  const tests = entries.filter((e) => e.key === key.toLowerCase() && (e.operator === 'StringNotEquals' || e.operator === 'StringNotEqualsIfExists'));
  const limiters = entries.filter((e) => !tests.includes(e));
  return (
    tests.length === 1 &&
    tests[0]!.values.length === 1 &&
    tests[0]!.values[0] === value &&
    limiters.every((e) => e.operator === 'Null' && e.key === SSE_HEADER && e.values.length === 1 && e.values[0] === 'false')
  );
}

export const S3_4: SecurityRule = {
  id: 'S3-4',
  level: 'error',
  description:
    'Default encryption is aws:kms with the full ARN of a key (not an alias), and the bucket policy denies PutObject with another encryption type and with another KMS key.',
  reason:
    'An alias resolves in the caller\'s account (Security Hub S3.17); a request naming another key or SSE-S3 must not reach the bucket. Requests without SSE headers may be allowed (UploadPart never carries them; such objects get the default key).',
  docUrl: `${S3_CONTROLS}#s3-17`,
  fix: 'Set default encryption to aws:kms with ${aws_kms_key.<key>.arn} and deny PutObject with another encryption type or key in the bucket policy (UploadBucket with a DataKey does).',
  check(stack) {
    const findings: Finding[] = [];
    for (const bucket of resourcesOf(stack, 'aws_s3_bucket')) {
      const defaults = bucketParts(stack, 'aws_s3_bucket_server_side_encryption_configuration', bucket).flatMap((c) =>
        blocks(c.config.rule).map((r) => block(r.apply_server_side_encryption_by_default)),
      );
      const keyIds: string[] = [];
      if (defaults.length === 0) findings.push({ address: bucket.address, fix: 'add aws_s3_bucket_server_side_encryption_configuration with sse_algorithm = "aws:kms" and the key ARN.' });
      for (const d of defaults) {
        if (d?.sse_algorithm !== 'aws:kms') {
          findings.push({ address: bucket.address, fix: `set default encryption sse_algorithm = "aws:kms" (found ${JSON.stringify(d?.sse_algorithm)}).` });
          continue;
        }
        const problem = keyArnProblem(stack, d.kms_master_key_id);
        if (problem) findings.push({ address: bucket.address, fix: `set kms_master_key_id to \${aws_kms_key.<key>.arn}: ${problem}.` });
        else keyIds.push(d.kms_master_key_id as string);
      }
      const statements = bucketPolicyStatements(stack, bucket).filter((s) => deniesObjects(s, bucket, 's3:PutObject'));
      const deniesOtherType = statements.some((s) => deniesOtherValue(s, SSE_HEADER, 'aws:kms'));
      if (!deniesOtherType) {
        findings.push({
          address: bucket.address,
          fix: 'add to its bucket policy a Deny of s3:PutObject on "<bucket arn>/*" for Principal "*" with only "StringNotEqualsIfExists": { "s3:x-amz-server-side-encryption": "aws:kms" }.',
        });
      }
      for (const keyId of keyIds.length > 0 ? keyIds : ['${aws_kms_key.<key>.arn}']) {
        const deniesOtherKey = statements.some((s) => deniesOtherValue(s, 's3:x-amz-server-side-encryption-aws-kms-key-id', keyId));
        if (!deniesOtherKey) {
          findings.push({
            address: bucket.address,
            fix: `add to its bucket policy a Deny of s3:PutObject on "<bucket arn>/*" for Principal "*" with "StringNotEquals": { "s3:x-amz-server-side-encryption-aws-kms-key-id": "${keyId}" } (the full key ARN, not an alias), limited if at all by "Null": { "s3:x-amz-server-side-encryption": "false" } (a limiter on the key-id header lets aws:kms without a key id through, which uses the AWS managed key), and no other condition key.`,
          });
        }
      }
    }
    return findings;
  },
};

/** A lifecycle rule that applies to the whole bucket: no filter, or an empty prefix and nothing else. */
function appliesToWholeBucket(rule: Readonly<Record<string, unknown>>): boolean {
  if (typeof rule.prefix === 'string' && rule.prefix !== '') return false;
  const filter = block(rule.filter);
  if (!filter) return true;
  return Object.entries(filter).every(([key, value]) => key === 'prefix' && value === '');
}

export const S3_5: SecurityRule = {
  id: 'S3-5',
  level: 'error',
  description: 'Versioning is enabled, and an enabled whole-bucket lifecycle rule aborts incomplete multipart uploads within 7 days and another expires noncurrent versions.',
  reason: 'Versions protect against overwrite and delete (Security Hub S3.14); abandoned parts and old versions cost money forever without lifecycle (S3.13, S3.10).',
  docUrl: `${S3_CONTROLS}#s3-14`,
  fix: 'Enable versioning and add lifecycle rules that abort incomplete multipart uploads within 7 days and expire noncurrent versions (UploadBucket does).',
  check(stack) {
    const findings: Finding[] = [];
    for (const bucket of resourcesOf(stack, 'aws_s3_bucket')) {
      const versioned = bucketParts(stack, 'aws_s3_bucket_versioning', bucket).some((v) => block(v.config.versioning_configuration)?.status === 'Enabled');
      if (!versioned) findings.push({ address: bucket.address, fix: 'add aws_s3_bucket_versioning with versioning_configuration.status = "Enabled".' });
      const rules = bucketParts(stack, 'aws_s3_bucket_lifecycle_configuration', bucket)
        .flatMap((l) => blocks(l.config.rule))
        .filter((r) => r.status === 'Enabled' && appliesToWholeBucket(r));
      const aborts = rules.some((r) => {
        const days = Number(block(r.abort_incomplete_multipart_upload)?.days_after_initiation);
        return days >= 1 && days <= 7;
      });
      if (!aborts) findings.push({ address: bucket.address, fix: 'add an enabled lifecycle rule for the whole bucket with abort_incomplete_multipart_upload.days_after_initiation ≤ 7.' });
      const expires = rules.some((r) => Number(block(r.noncurrent_version_expiration)?.noncurrent_days) >= 1);
      if (!expires) findings.push({ address: bucket.address, fix: 'add an enabled lifecycle rule for the whole bucket with noncurrent_version_expiration.noncurrent_days.' });
    }
    return findings;
  },
};

export const S3_6: SecurityRule = {
  id: 'S3-6',
  level: 'error',
  description: `CORS rules list explicit origins (no *), only ${ALLOWED_CORS_METHODS.join('/')} methods, and expose the ETag header.`,
  reason: 'A wildcard origin lets any site drive uploads with a user\'s credentials; browsers need each part\'s ETag to complete a multipart upload.',
  docUrl: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/ManageCorsUsing.html',
  fix: 'List exact origins and only GET/HEAD/PUT/POST/DELETE in the CORS rules, and expose ETag (UploadBucket does, from cors.allowedOrigins).',
  check(stack) {
    const findings: Finding[] = [];
    for (const cors of resourcesOf(stack, 'aws_s3_bucket_cors_configuration')) {
      blocks(cors.config.cors_rule).forEach((rule, i) => {
        const problems: string[] = [];
        const origins = strings(rule.allowed_origins);
        if (origins.length === 0) problems.push('list the allowed origins');
        const wild = origins.filter((o) => o.includes('*'));
        if (wild.length > 0) problems.push(`replace ${JSON.stringify(wild)} with exact origins`);
        const methods = strings(rule.allowed_methods).filter((m) => !ALLOWED_CORS_METHODS.includes(m));
        if (methods.length > 0) problems.push(`remove methods ${JSON.stringify(methods)}`);
        if (!strings(rule.expose_headers).some((h) => h.toLowerCase() === 'etag')) problems.push('expose the ETag header');
        if (problems.length > 0) findings.push({ address: cors.address, fix: `cors_rule[${i}]: ${problems.join('; ')}.` });
      });
    }
    return findings;
  },
};

export const S3_7: SecurityRule = {
  id: 'S3-7',
  level: 'warning',
  description: 'Buckets log server access to a separate bucket.',
  reason: 'Access logs show who read or wrote which tenant\'s objects (Security Hub S3.9); a logging bucket is a cost and retention decision per environment.',
  docUrl: `${S3_CONTROLS}#s3-9`,
  fix: 'Add aws_s3_bucket_logging to a separate log bucket, or acknowledge S3-7 in the environment config with the reason.',
  check(stack) {
    const findings: Finding[] = [];
    for (const bucket of resourcesOf(stack, 'aws_s3_bucket')) {
      const targets = [...bucketParts(stack, 'aws_s3_bucket_logging', bucket).map((l) => l.config.target_bucket), ...blocks(bucket.config.logging).map((l) => l.target_bucket)];
      // The log bucket of another bucket need not log itself.
      const isTarget = resourcesOf(stack, 'aws_s3_bucket_logging').some(
        (l) => pointsAt(l.config.target_bucket, bucket, 'bucket') && !pointsAt(l.config.bucket, bucket, 'bucket'),
      );
      if (isTarget) continue;
      if (targets.length === 0) {
        findings.push({ address: bucket.address, fix: 'add aws_s3_bucket_logging to a separate log bucket, or acknowledge S3-7 in the environment config with the reason.' });
      } else if (targets.some((t) => pointsAt(t, bucket, 'bucket'))) {
        findings.push({ address: bucket.address, fix: 'log to a separate bucket: a bucket logging into itself logs its own log writes.' });
      }
    }
    return findings;
  },
};

/** The header every request of an SSE-C upload carries, UploadPart included. */
const SSE_C_HEADER = 's3:x-amz-server-side-encryption-customer-algorithm';

export const S3_8: SecurityRule = {
  id: 'S3-8',
  level: 'error',
  description:
    'The bucket policy refuses every encryption but SSE-KMS: a Deny of s3:PutObject when s3:x-amz-server-side-encryption is present and not "aws:kms" (SSE-S3 and DSSE-KMS), and a Deny when the SSE-C header s3:x-amz-server-side-encryption-customer-algorithm is present; neither may deny requests without SSE headers.',
  reason:
    'A customer-provided key (SSE-C) bypasses KMS, and with it the tenant binding of the data key; DSSE-KMS and SSE-S3 are other keys. Requests without SSE headers must pass, because UploadPart never carries them (the default key applies).',
  docUrl: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-s3-c-encryption.html',
  fix: 'Deny PutObject when s3:x-amz-server-side-encryption is present and not aws:kms, and when the SSE-C algorithm header is present, each limited by Null = false (UploadBucket does).',
  check(stack) {
    const findings: Finding[] = [];
    for (const bucket of resourcesOf(stack, 'aws_s3_bucket')) {
      const statements = bucketPolicyStatements(stack, bucket).filter((s) => deniesObjects(s, bucket, 's3:PutObject'));
      const deniesSseC = statements.some((s) => {
        const nulls = conditionEntries(s, SSE_C_HEADER);
        return conditionKeyCount(s) === 1 && nulls.length === 1 && nulls[0]!.operator === 'Null' && nulls[0]!.values.length === 1 && nulls[0]!.values[0] === 'false';
      });
      if (!deniesSseC) {
        findings.push({
          address: bucket.address,
          fix: `add to its bucket policy a Deny of s3:PutObject on "<bucket arn>/*" for Principal "*" with only "Null": { "${SSE_C_HEADER}": "false" } (customer-provided keys).`,
        });
      }
      const deniesOtherType = statements.some((s) => deniesOtherValue(s, SSE_HEADER, 'aws:kms') && conditionEntries(s, SSE_HEADER).some((e) => e.operator === 'Null'));
      if (!deniesOtherType) {
        findings.push({
          address: bucket.address,
          fix: `add to its bucket policy a Deny of s3:PutObject with "StringNotEquals": { "${SSE_HEADER}": "aws:kms" } limited by "Null": { "${SSE_HEADER}": "false" }, so SSE-S3 and DSSE-KMS are refused and requests without SSE headers (every UploadPart) still pass.`,
        });
      }
    }
    return findings;
  },
};

export const S3_RULES: readonly SecurityRule[] = [S3_1, S3_2, S3_3, S3_4, S3_5, S3_6, S3_7, S3_8];

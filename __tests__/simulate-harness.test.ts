/**
 * Self-test of the access-matrix harness (temporary): hand-written policies in the exact shape the
 * stack emits into cdk.tf.json (Terraform-escaped, with references) are resolved with
 * terraform-refs.ts and evaluated by iam-simulate through simulate.ts.
 *
 * Every "denied" expectation is paired with an "allowed" one for the rightful owner, so a deny can't
 * come from a broken harness.
 */
import { fakeRefsFor, resolvePolicyDocument, resolveTerraformString, TerraformStackJson } from './helpers/terraform-refs';
import { simulate, simulateTrust, SimRequest, SimOptions, SimResult, TrustRequest } from './helpers/simulate';

const REGION = 'eu-central-1';

/** A policy JSON string as it appears inside cdk.tf.json (after JSON-parsing the stack file). */
const tf = (doc: unknown): string => JSON.stringify(doc);

const IDENTITY_POLICY = tf({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'TenantObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: '${aws_s3_bucket.B.arn}/$${aws:PrincipalTag/customerName}/*',
    },
    {
      Sid: 'TenantList',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: '${aws_s3_bucket.B.arn}',
      Condition: { StringLike: { 's3:prefix': ['$${aws:PrincipalTag/customerName}/', '$${aws:PrincipalTag/customerName}/*'] } },
    },
    {
      Sid: 'IdentityObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: '${aws_s3_bucket.B.arn}/private/$${cognito-identity.amazonaws.com:sub}/*',
    },
    { Sid: 'DenyWithoutTenantTag', Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { Null: { 'aws:PrincipalTag/customerName': 'true' } } },
    { Sid: 'DenyEmptyTenantTag', Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/customerName': '' } } },
    {
      Sid: 'TenantDataKey',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: '${aws_kms_key.K.arn}',
      Condition: {
        StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': ['${aws_s3_bucket.B.arn}/$${aws:PrincipalTag/customerName}/*'] },
      },
    },
  ],
});

const BUCKET_POLICY = tf({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: ['${aws_s3_bucket.B.arn}', '${aws_s3_bucket.B.arn}/*'],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ],
});

const KEY_POLICY = tf({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'EnableIamPolicies',
      Effect: 'Allow',
      Principal: { AWS: 'arn:${data.aws_partition.Partition.partition}:iam::${data.aws_caller_identity.Account.account_id}:root' },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
});

const TRUST_POLICY = tf({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'CognitoAuthenticated',
      Effect: 'Allow',
      Principal: { Federated: 'cognito-identity.amazonaws.com' },
      Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
      Condition: {
        StringEquals: { 'cognito-identity.amazonaws.com:aud': '${aws_cognito_identity_pool.Pool.id}' },
        'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
      },
    },
  ],
});

/** The relevant slice of a synthesized cdk.tf.json. */
const STACK: TerraformStackJson = {
  provider: { aws: [{ region: REGION }] },
  data: {
    aws_caller_identity: { Account: {} },
    aws_partition: { Partition: {} },
  },
  resource: {
    aws_s3_bucket: { B: { bucket: 'b', '//': { metadata: { path: 'stack/B' } } } },
    aws_s3_bucket_policy: { BP: { bucket: '${aws_s3_bucket.B.id}', policy: BUCKET_POLICY } },
    aws_kms_key: { K: { policy: KEY_POLICY } },
    aws_cognito_identity_pool: { Pool: { identity_pool_name: 'pool' } },
    aws_iam_role: { TenantRole: { name: 'TenantRole', assume_role_policy: TRUST_POLICY } },
    aws_iam_role_policy: { TenantAccess: { role: '${aws_iam_role.TenantRole.id}', policy: IDENTITY_POLICY } },
  },
};

const refs = fakeRefsFor(STACK);
/** Read back from the stack, as the access-matrix suite will. */
const stackPolicy = (type: string, name: string, field: string): string => STACK.resource![type][name][field] as string;
const identityPolicy = resolvePolicyDocument(stackPolicy('aws_iam_role_policy', 'TenantAccess', 'policy'), refs);
const bucketPolicy = resolvePolicyDocument(stackPolicy('aws_s3_bucket_policy', 'BP', 'policy'), refs);
const keyPolicy = resolvePolicyDocument(stackPolicy('aws_kms_key', 'K', 'policy'), refs);
const trustPolicy = resolvePolicyDocument(stackPolicy('aws_iam_role', 'TenantRole', 'assume_role_policy'), refs);

const BUCKET = refs['aws_s3_bucket.B.arn'];
const KEY = refs['aws_kms_key.K.arn'];
const POOL_ID = refs['aws_cognito_identity_pool.Pool.id'];
const ROLE = refs['aws_iam_role.TenantRole.arn'];
const SUB = `${REGION}:0f0e0d0c-0b0a-0908-0706-050403020100`;
const OTHER_SUB = `${REGION}:99999999-8888-7777-6666-555555555555`;

const tenant = (name: string | undefined, extra: Record<string, string | string[]> = {}) =>
  name === undefined ? { ...extra } : { 'aws:PrincipalTag/customerName': name, ...extra };

async function decide(action: string, resource: string, context: SimRequest['context'], opts: SimOptions = {}, withResourcePolicy?: object): Promise<SimResult> {
  return simulate({ action, resource, identityPolicies: [identityPolicy], resourcePolicy: withResourcePolicy, context }, opts);
}
const put = (key: string, context: SimRequest['context'], opts?: SimOptions) => decide('s3:PutObject', `${BUCKET}/${key}`, context, opts);

describe('terraform-refs: reading policies back from cdk.tf.json', () => {
  it('replaces references and un-escapes $${ into IAM policy variables', () => {
    expect(resolveTerraformString('${aws_s3_bucket.B.arn}/$${aws:PrincipalTag/customerName}/*', refs)).toBe(
      'arn:aws:s3:::b/${aws:PrincipalTag/customerName}/*',
    );
    expect(identityPolicy.Statement).toEqual(expect.arrayContaining([expect.objectContaining({ Resource: 'arn:aws:s3:::b/${aws:PrincipalTag/customerName}/*' })]));
  });

  it('treats $${x} as an escape even when x is a known reference (left-to-right scan)', () => {
    expect(resolveTerraformString('$${aws_s3_bucket.B.arn}', refs)).toBe('${aws_s3_bucket.B.arn}');
    expect(resolveTerraformString('$$${aws_s3_bucket.B.arn}', refs)).toBe('$${aws_s3_bucket.B.arn}');
    expect(resolveTerraformString('100%%{x} $ } {', refs)).toBe('100%{x} $ } {');
  });

  it('throws on an unknown reference, naming it and listing the known refs', () => {
    expect(() => resolveTerraformString('${aws_s3_bucket.Nope.arn}/*', refs)).toThrow(/unknown reference \$\{aws_s3_bucket\.Nope\.arn\}[\s\S]*aws_s3_bucket\.B\.arn/);
    expect(() => resolveTerraformString('${aws_s3_bucket_policy.BP.id}', refs)).toThrow(/unknown reference/);
  });

  it('throws on function calls, template directives, nested braces and unterminated interpolations', () => {
    expect(() => resolveTerraformString('${jsonencode(aws_s3_bucket.B.arn)}', refs)).toThrow(/not a plain reference/);
    expect(() => resolveTerraformString('${var.bucket}', refs)).toThrow(/not a plain reference/);
    expect(() => resolveTerraformString('${aws_s3_bucket.B.tags.Name}', refs)).toThrow(/not a plain reference/);
    expect(() => resolveTerraformString('%{ if true }x%{ endif }', refs)).toThrow(/template directive/);
    expect(() => resolveTerraformString('${ {a = 1} }', refs)).toThrow(/nested braces/);
    expect(() => resolveTerraformString('${aws_s3_bucket.B.arn', refs)).toThrow(/unterminated/);
  });

  it('makes deterministic fake values per resource type, with the provider region', () => {
    expect(refs).toMatchObject({
      'aws_s3_bucket.B.arn': 'arn:aws:s3:::b',
      'aws_s3_bucket.B.id': 'b',
      'data.aws_caller_identity.Account.account_id': '111111111111',
      'data.aws_partition.Partition.partition': 'aws',
      'aws_iam_role.TenantRole.arn': 'arn:aws:iam::111111111111:role/TenantRole',
    });
    expect(KEY).toMatch(/^arn:aws:kms:eu-central-1:111111111111:key\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(POOL_ID).toMatch(/^eu-central-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(fakeRefsFor(STACK)).toEqual(refs);
    expect(keyPolicy).toMatchObject({ Statement: [{ Principal: { AWS: 'arn:aws:iam::111111111111:root' } }] });

    const other = fakeRefsFor({
      provider: { aws: [{ region: 'eu-west-1' }] },
      data: { aws_caller_identity: { Account: {} } },
      resource: {
        aws_s3_bucket: { Up: { bucket: 'acme-dev-uploads-${data.aws_caller_identity.Account.account_id}' } },
        aws_cognito_user_pool: { Users: {} },
      },
    });
    expect(other['aws_s3_bucket.Up.arn']).toBe('arn:aws:s3:::acme-dev-uploads-111111111111');
    expect(other['aws_cognito_user_pool.Users.id']).toMatch(/^eu-west-1_[A-Za-z0-9]{9}$/);
    expect(() => fakeRefsFor({ resource: {} })).toThrow(/region/);
  });
});

describe('tenant prefix isolation (checked entry point)', () => {
  it('tenant acme may put under acme/ but not under globex/; globex may put under globex/', async () => {
    expect((await put('acme/x', tenant('acme'))).decision).toBe('Allowed');
    expect((await put('globex/x', tenant('acme'))).decision).toBe('ImplicitlyDenied');
    expect((await put('globex/x', tenant('globex'))).decision).toBe('Allowed');
  });

  it('a prefix twin "ac" cannot reach acme/ (the trailing slash in the policy matters)', async () => {
    expect((await put('acme/x', tenant('ac'))).decision).toBe('ImplicitlyDenied');
    expect((await put('ac/x', tenant('ac'))).decision).toBe('Allowed');
  });

  it('a session without the tenant tag, or with an empty one, is explicitly denied; acme is not', async () => {
    const none = await put('acme/x', tenant(undefined));
    expect(none.decision).toBe('ExplicitlyDenied');
    expect(none.matched?.deny).toEqual(['identity:DenyWithoutTenantTag']);
    const empty = await put('acme/x', tenant(''));
    expect(empty.decision).toBe('ExplicitlyDenied');
    expect(empty.matched?.deny).toEqual(['identity:DenyEmptyTenantTag']);
    expect((await put('acme/x', tenant('acme'))).matched).toEqual({ allow: ['identity:TenantObjects'], deny: [] });
  });

  it('ListBucket is limited to the own prefix', async () => {
    const list = (prefix: string | undefined, who: string) =>
      decide('s3:ListBucket', BUCKET, tenant(who, prefix === undefined ? {} : { 's3:prefix': prefix }));
    expect((await list('acme/', 'acme')).decision).toBe('Allowed');
    expect((await list('acme/2024/', 'acme')).decision).toBe('Allowed');
    expect((await list('globex/', 'acme')).decision).toBe('ImplicitlyDenied');
    expect((await list('globex/', 'globex')).decision).toBe('Allowed');
    expect((await list('acme', 'acme')).decision).toBe('ImplicitlyDenied');
    expect((await list(undefined, 'acme')).decision).toBe('ImplicitlyDenied');
  });

  it('characterization: a tag value is substituted literally (no wildcard, no path normalization)', async () => {
    expect((await put('acme/x', tenant('*'))).decision).toBe('ImplicitlyDenied');
    expect((await put('acme/x', tenant('acm?'))).decision).toBe('ImplicitlyDenied');
    // The simulator matches the key string as given; S3 keys are not normalized either, so a tag
    // "x/.." only reaches keys that literally start with "x/../". Tag values must still be validated.
    expect((await put('x/../acme/y', tenant('x/..'))).decision).toBe('Allowed');
    expect((await put('acme/y', tenant('x/..'))).decision).toBe('ImplicitlyDenied');
  });
});

describe('bucket policy', () => {
  it('denies a request without TLS, even for the owning tenant; allows it with TLS', async () => {
    const insecure = await decide('s3:PutObject', `${BUCKET}/acme/x`, tenant('acme', { 'aws:SecureTransport': 'false' }), {}, bucketPolicy);
    expect(insecure.decision).toBe('ExplicitlyDenied');
    expect(insecure.matched?.deny).toEqual(['resource:DenyInsecureTransport']);
    const secure = await decide('s3:PutObject', `${BUCKET}/acme/x`, tenant('acme', { 'aws:SecureTransport': 'true' }), {}, bucketPolicy);
    expect(secure.decision).toBe('Allowed');
  });
});

describe('identity-scoped prefix private/${cognito-identity.amazonaws.com:sub}/ (needs unsafe mode)', () => {
  const ctx = (sub: string) => tenant('acme', { 'cognito-identity.amazonaws.com:sub': sub });

  it('the checked entry point drops the sub on S3 actions, and the harness refuses to use that result', async () => {
    await expect(put(`private/${SUB}/x`, ctx(SUB))).rejects.toThrow(/dropped cognito-identity\.amazonaws\.com:sub/);
    const characterized = await put(`private/${SUB}/x`, ctx(SUB), { tolerateDroppedKeys: true });
    expect(characterized.ignoredContextKeys).toEqual(['cognito-identity.amazonaws.com:sub']);
    expect(characterized.decision).toBe('ImplicitlyDenied'); // wrong: the owner is denied
  });

  it('unsafe mode: the identity may use its own folder but not another identity’s', async () => {
    const own = await put(`private/${SUB}/x`, ctx(SUB), { unsafe: true });
    expect(own).toMatchObject({ decision: 'Allowed', mode: 'unsafe', ignoredContextKeys: [], droppedByCheckedEntryPoint: ['cognito-identity.amazonaws.com:sub'] });
    expect((await put(`private/${OTHER_SUB}/x`, ctx(SUB), { unsafe: true })).decision).toBe('ImplicitlyDenied');
    expect((await put(`private/${OTHER_SUB}/x`, ctx(OTHER_SUB), { unsafe: true })).decision).toBe('Allowed');
  });
});

describe('KMS data key bound to the tenant prefix by encryption context (needs unsafe mode)', () => {
  const gdk = (objectArn: string, who: string, extra: Record<string, string> = {}, policy: object | null = keyPolicy, opts: SimOptions = { unsafe: true }) =>
    decide('kms:GenerateDataKey', KEY, tenant(who, { 'kms:ViaService': `s3.${REGION}.amazonaws.com`, 'kms:EncryptionContext:aws:s3:arn': objectArn, ...extra }), opts, policy ?? undefined);

  it('the checked entry point drops kms:EncryptionContext:aws:s3:arn, and the harness refuses that result', async () => {
    await expect(gdk(`${BUCKET}/acme/x`, 'acme', {}, keyPolicy, {})).rejects.toThrow(/dropped kms:EncryptionContext:aws:s3:arn/);
  });

  it('unsafe mode: acme gets a data key for acme/ objects, not for globex/ objects; globex does', async () => {
    expect((await gdk(`${BUCKET}/acme/x`, 'acme')).decision).toBe('Allowed');
    expect((await gdk(`${BUCKET}/globex/x`, 'acme')).decision).toBe('ImplicitlyDenied');
    expect((await gdk(`${BUCKET}/globex/x`, 'globex')).decision).toBe('Allowed');
  });

  it('unsafe mode: Decrypt follows the same binding; calls not via S3 are denied', async () => {
    const decrypt = (obj: string, who: string, via: string) =>
      decide('kms:Decrypt', KEY, tenant(who, { 'kms:ViaService': via, 'kms:EncryptionContext:aws:s3:arn': obj }), { unsafe: true }, keyPolicy);
    expect((await decrypt(`${BUCKET}/acme/x`, 'acme', `s3.${REGION}.amazonaws.com`)).decision).toBe('Allowed');
    expect((await decrypt(`${BUCKET}/acme/x`, 'acme', `dynamodb.${REGION}.amazonaws.com`)).decision).toBe('ImplicitlyDenied');
  });

  it('the key policy must enable IAM policies: without it even the owner is denied', async () => {
    expect((await gdk(`${BUCKET}/acme/x`, 'acme', {}, null)).decision).toBe('ImplicitlyDenied');
  });

  it('characterization: with S3 Bucket Keys the context is the bucket ARN, which this condition never matches', async () => {
    expect((await gdk(BUCKET, 'acme')).decision).toBe('ImplicitlyDenied');
  });
});

describe('role trust policy for Cognito identity-pool web identities', () => {
  const AMR = ['authenticated', `cognito-idp.${REGION}.amazonaws.com/${REGION}_AbCdEfGhI`, `cognito-idp.${REGION}.amazonaws.com/${REGION}_AbCdEfGhI:CognitoSignIn:sub`];
  const trust = (action: TrustRequest['action'], context: TrustRequest['context'], opts: SimOptions = { unsafe: true }) =>
    simulateTrust({ action, roleArn: ROLE, trustPolicy, context }, opts);
  const web = (aud: string, amr: string[]) => ({ 'cognito-identity.amazonaws.com:aud': aud, 'cognito-identity.amazonaws.com:amr': amr });

  it('an authenticated identity of our pool may assume the role; another pool or an unauthenticated one may not', async () => {
    expect((await trust('sts:AssumeRoleWithWebIdentity', web(POOL_ID, AMR))).decision).toBe('Allowed');
    expect((await trust('sts:AssumeRoleWithWebIdentity', web(`${REGION}:00000000-0000-0000-0000-000000000000`, AMR))).decision).toBe('ImplicitlyDenied');
    expect((await trust('sts:AssumeRoleWithWebIdentity', web(POOL_ID, ['unauthenticated']))).decision).toBe('ImplicitlyDenied');
  });

  it('checked mode would cut amr to its first value, so the harness refuses a multi-valued amr there', async () => {
    await expect(trust('sts:AssumeRoleWithWebIdentity', web(POOL_ID, AMR), {})).rejects.toThrow(/multi-valued.*unsafe/);
    expect((await trust('sts:AssumeRoleWithWebIdentity', web(POOL_ID, ['authenticated']), {})).decision).toBe('Allowed');
  });

  it('sts:TagSession: checked mode drops aud/amr (refused); unsafe mode allows our pool and denies another', async () => {
    const tags = { 'aws:RequestTag/customerName': 'acme', 'aws:TagKeys': ['customerName'] };
    await expect(trust('sts:TagSession', { ...web(POOL_ID, ['authenticated']), ...tags }, {})).rejects.toThrow(/dropped cognito-identity/);
    expect((await trust('sts:TagSession', { ...web(POOL_ID, AMR), ...tags })).decision).toBe('Allowed');
    expect((await trust('sts:TagSession', { ...web('other', AMR), ...tags })).decision).toBe('ImplicitlyDenied');
  });
});

describe('the harness fails loudly instead of deciding', () => {
  it('reports, without throwing, dropped keys that no statement for the action relies on', async () => {
    const r = await put('acme/x', tenant('acme', { 'kms:EncryptionContext:aws:s3:arn': `${BUCKET}/acme/x`, 's3:prefix': 'acme/' }));
    expect(r.decision).toBe('Allowed');
    expect(r.ignoredContextKeys).toEqual(['kms:EncryptionContext:aws:s3:arn', 's3:prefix']);
  });

  it('on an unresolved Terraform reference or a short-ARN resource in a policy', async () => {
    const raw = JSON.parse(IDENTITY_POLICY) as object;
    await expect(simulate({ action: 's3:PutObject', resource: `${BUCKET}/acme/x`, identityPolicies: [raw], context: tenant('acme') })).rejects.toThrow(
      /Terraform/,
    );
    const short = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: 'b/*' }] };
    await expect(simulate({ action: 's3:PutObject', resource: `${BUCKET}/acme/x`, identityPolicies: [short], context: {} })).rejects.toThrow(/full ARN/);
  });

  it('on an invalid action, an invalid policy, an unknown context key or a wildcard request resource', async () => {
    await expect(decide('s3:PutObjekt', `${BUCKET}/acme/x`, tenant('acme'))).rejects.toThrow(/invalid\.action/);
    const bad = { Version: '2012-10-17', Statement: [{ Effect: 'Alow', Action: 's3:*', Resource: '*' }] };
    await expect(simulate({ action: 's3:PutObject', resource: `${BUCKET}/acme/x`, identityPolicies: [bad], context: {} })).rejects.toThrow(/Effect/);
    await expect(put('acme/x', tenant('acme', { 'aws:PrincipalTags/customerName': 'acme' }))).rejects.toThrow(/unknown to iam-simulate/);
    await expect(put('acme/*', tenant('acme'))).rejects.toThrow(/contains "\*"/);
  });
});

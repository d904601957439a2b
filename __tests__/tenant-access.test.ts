import {
  compileAccessRules,
  compileRoleAccess,
  DEFAULT_ACCESS_RULES,
  DEFAULT_SECRET_ACCESS_RULES,
  DEFAULT_TABLE_ACCESS_RULES,
  endUserTrustPolicy,
  ruleGroups,
  rulesForGroups,
  malformedTenantTagPatterns,
  reservedTenantIds,
  StorageAccessRule,
  AccessRule,
  TENANT_ID_PATTERN,
  TenantAccess,
  validateAccessRules,
} from '../modules/tenant-access';
import { TerraformVariable } from 'cdktf';
import { escapeForTerraform } from '../modules/iam-policy';
import { onlyResource, parsePolicy, statement, synthModule } from './helpers/module-stack';

const BUCKET = 'arn:aws:s3:::bucket';
const KEY = 'arn:aws:kms:eu-central-1:111111111111:key/k';
const ctx = { bucketArn: BUCKET, keyArn: KEY, region: 'eu-central-1', tenantTagKey: 'customerName', bindKeyToPrefix: true };
const TENANT = '${aws:PrincipalTag/customerName}';
const IDENTITY = '${cognito-identity.amazonaws.com:sub}';

function synthAccess(overrides: Partial<ConstructorParameters<typeof TenantAccess>[2]> = {}) {
  const json = synthModule(
    (scope) =>
      new TenantAccess(scope, 'Access', {
        roleName: 'up-dev-authenticated',
        identityPoolId: 'eu-central-1:pool',
        bucketArn: BUCKET,
        keyArn: KEY,
        region: 'eu-central-1',
        ...overrides,
      }),
  );
  return {
    role: onlyResource(json, 'aws_iam_role'),
    trust: parsePolicy(onlyResource(json, 'aws_iam_role').assume_role_policy),
    policy: parsePolicy(onlyResource(json, 'aws_iam_role_policy').policy),
  };
}

describe('access rules', () => {
  it('reproduces documents 000 and 001 by default: a tenant prefix and a per-identity prefix', () => {
    expect(DEFAULT_ACCESS_RULES.map((r) => r.pattern)).toEqual(['{tenant}/*', 'private/{identity}/*']);
    const statements = compileAccessRules(DEFAULT_ACCESS_RULES, ctx);
    expect(statement({ Statement: statements }, 'TenantObjects').Resource).toBe(`${BUCKET}/${TENANT}/*`);
    expect(statement({ Statement: statements }, 'PrivateIdentityObjects').Resource).toBe(`${BUCKET}/private/${IDENTITY}/*`);
  });

  it('compiles write to PutObject with the multipart actions beside it', () => {
    const [objects] = compileAccessRules([{ pattern: '{tenant}/*', principal: 'authenticated', actions: ['write'] }], ctx);
    expect(objects.Action).toEqual(['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts']);
  });

  it('compiles read and delete to GetObject and DeleteObject only', () => {
    const [objects] = compileAccessRules([{ pattern: '{tenant}/*', principal: 'authenticated', actions: ['read', 'delete'] }], ctx);
    expect(objects.Action).toEqual(['s3:GetObject', 's3:DeleteObject']);
  });

  it('scopes ListBucket by s3:prefix to "<p>/" and "<p>/*", with the slash', () => {
    const list = statement({ Statement: compileAccessRules(DEFAULT_ACCESS_RULES, ctx) }, 'TenantList');
    expect(list).toEqual({
      Sid: 'TenantList',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: BUCKET,
      Condition: { StringLike: { 's3:prefix': [`${TENANT}/`, `${TENANT}/*`] } },
    });
  });

  it('grants the data key only through S3 in this Region and only for the caller’s own prefixes', () => {
    const kms = statement({ Statement: compileAccessRules(DEFAULT_ACCESS_RULES, ctx) }, 'DataKeyThroughS3');
    expect(kms.Action).toEqual(['kms:GenerateDataKey', 'kms:Decrypt']);
    expect(kms.Resource).toBe(KEY);
    expect(kms.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' },
      StringLike: { 'kms:EncryptionContext:aws:s3:arn': [`${BUCKET}/${TENANT}/*`, `${BUCKET}/private/${IDENTITY}/*`] },
    });
  });

  it('drops the encryption-context binding only when asked (Bucket Keys on)', () => {
    const kms = statement({ Statement: compileAccessRules(DEFAULT_ACCESS_RULES, { ...ctx, bindKeyToPrefix: false }) }, 'DataKeyThroughS3');
    expect(kms.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } });
  });

  it('denies everything on the bucket and key when the tenant tag is absent, empty or malformed', () => {
    const statements = { Statement: compileAccessRules(DEFAULT_ACCESS_RULES, ctx) };
    const guarded = [BUCKET, `${BUCKET}/*`, KEY];
    expect(statement(statements, 'DenyWithoutTenantTag')).toMatchObject({
      Effect: 'Deny',
      Resource: guarded,
      Condition: { Null: { 'aws:PrincipalTag/customerName': 'true' } },
    });
    expect(statement(statements, 'DenyEmptyTenantTag')).toMatchObject({
      Effect: 'Deny',
      Resource: guarded,
      Condition: { StringEquals: { 'aws:PrincipalTag/customerName': '' } },
    });
    expect(statement(statements, 'DenyMalformedTenantTag').Condition.StringLike['aws:PrincipalTag/customerName']).toEqual(expect.arrayContaining(['*${*}*', '*${?}*', '*/*', '*:*']));
    expect(statement(statements, 'DenyReservedTenantTag')).toMatchObject({
      Effect: 'Deny',
      Resource: guarded,
      Condition: { StringEqualsIgnoreCase: { 'aws:PrincipalTag/customerName': ['private'] } },
    });
  });

  it('never allows a bucket-wide object ARN or a wildcard action', () => {
    for (const s of compileAccessRules(DEFAULT_ACCESS_RULES, ctx).filter((s) => s.Effect === 'Allow')) {
      expect(s.Resource).not.toBe(`${BUCKET}/*`);
      expect([s.Action].flat().some((a) => a?.includes('*'))).toBe(false);
    }
  });

  it.each<[string, StorageAccessRule, RegExp]>([
    ['a pattern without a trailing /*', { pattern: '{tenant}', principal: 'authenticated', actions: ['read'] }, /must end with "\/\*"/],
    ['a pattern without a token', { pattern: 'public/*', principal: 'authenticated', actions: ['read'] }, /must contain \{tenant\} or \{identity\}/],
    ['an IAM wildcard in a segment', { pattern: '{tenant}/up*/*', principal: 'authenticated', actions: ['read'] }, /IAM wildcards are not allowed/],
    ['a bucket-wide pattern', { pattern: '*', principal: 'authenticated', actions: ['read'] }, /must end with/],
    ['no actions', { pattern: '{tenant}/*', principal: 'authenticated', actions: [] }, /at least one of/],
    ['an unknown action', { pattern: '{tenant}/*', principal: 'authenticated', actions: ['admin' as never] }, /allowed: read, write, delete, list/],
  ])('rejects %s', (_name, rule, message) => {
    expect(validateAccessRules([rule]).join('\n')).toMatch(message);
    expect(() => compileAccessRules([rule], ctx)).toThrow(message);
  });

  const rule = (pattern: string, actions: StorageAccessRule['actions'] = ['read']): StorageAccessRule => ({ pattern, principal: 'authenticated', actions });
  const sids = (statements: { Sid?: string }[]) => statements.map((s) => s.Sid);

  it('grants a list-only rule ListBucket under its prefix and nothing else: no object action, no data key', () => {
    const statements = compileAccessRules([rule('{tenant}/*', ['list'])], ctx);
    expect(sids(statements.filter((s) => s.Effect === 'Allow'))).toEqual(['TenantList']);
    expect(statements.flatMap((s) => [s.Action].flat()).filter((a) => a?.startsWith('s3:') && a !== 's3:*')).toEqual(['s3:ListBucket']);
    expect(statements.some((s) => s.Effect === 'Allow' && [s.Action].flat().some((a) => a?.startsWith('kms:')))).toBe(false);
  });

  it('grants a write-only rule the upload actions and the data key for its prefix, and no listing', () => {
    const statements = compileAccessRules([rule('{tenant}/*', ['write'])], ctx);
    expect(sids(statements.filter((s) => s.Effect === 'Allow'))).toEqual(['TenantObjects', 'DataKeyThroughS3']);
    expect(statements.flatMap((s) => [s.Action].flat())).not.toContain('s3:ListBucket');
    expect(statement({ Statement: statements }, 'DataKeyThroughS3').Condition.StringLike).toEqual({ 'kms:EncryptionContext:aws:s3:arn': [`${BUCKET}/${TENANT}/*`] });
  });

  it('binds the data key only to the prefixes of rules with object actions, not to list-only ones', () => {
    const statements = compileAccessRules([rule('{tenant}/*', ['list']), rule('private/{identity}/*', ['read'])], ctx);
    expect(statement({ Statement: statements }, 'DataKeyThroughS3').Condition.StringLike).toEqual({ 'kms:EncryptionContext:aws:s3:arn': [`${BUCKET}/private/${IDENTITY}/*`] });
  });

  it('names statements after the pattern, in PascalCase with only letters and digits (stable Terraform diffs, valid IAM Sids)', () => {
    const statements = compileAccessRules([rule('team-data/v1.2/{tenant}/*', ['read', 'list']), rule('my_area/{identity}/*', ['write'])], ctx);
    expect(sids(statements.filter((s) => s.Effect === 'Allow'))).toEqual(['TeamdataV12TenantObjects', 'TeamdataV12TenantList', 'MyareaIdentityObjects', 'DataKeyThroughS3']);
  });

  it('keeps literal segments and expands each token, at any depth', () => {
    const [objects, list] = compileAccessRules([rule('data/{tenant}/in/{identity}/*', ['read', 'list'])], ctx);
    expect(objects.Resource).toBe(`${BUCKET}/data/${TENANT}/in/${IDENTITY}/*`);
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': [`data/${TENANT}/in/${IDENTITY}/`, `data/${TENANT}/in/${IDENTITY}/*`] } });
  });

  it('uses the configured tenant tag key in the grants and in every Deny', () => {
    const statements = compileAccessRules(DEFAULT_ACCESS_RULES, { ...ctx, tenantTagKey: 'org' });
    expect(statement({ Statement: statements }, 'TenantObjects').Resource).toBe(`${BUCKET}/\${aws:PrincipalTag/org}/*`);
    for (const sid of ['DenyWithoutTenantTag', 'DenyEmptyTenantTag', 'DenyMalformedTenantTag', 'DenyReservedTenantTag']) {
      expect(Object.values(statement({ Statement: statements }, sid).Condition).flatMap((c) => Object.keys(c as object))).toEqual(['aws:PrincipalTag/org']);
    }
  });

  it('grants authenticated users every action on the tenant prefix and on their own identity folder by default', () => {
    expect(DEFAULT_ACCESS_RULES).toEqual([
      { pattern: '{tenant}/*', principal: 'authenticated', actions: ['read', 'write', 'delete', 'list'] },
      { pattern: 'private/{identity}/*', principal: 'authenticated', actions: ['read', 'write', 'delete', 'list'] },
    ]);
  });

  it('denies all of S3 and KMS on the bucket, its objects and the key to a session with no, an empty or a malformed tenant tag', () => {
    const statements = { Statement: compileAccessRules([rule('{tenant}/*', ['read'])], ctx) };
    const deny = (Sid: string, Condition: object) => ({ Sid, Effect: 'Deny', Action: ['s3:*', 'kms:*'], Resource: [BUCKET, `${BUCKET}/*`, KEY], Condition });
    expect(statement(statements, 'DenyWithoutTenantTag')).toEqual(deny('DenyWithoutTenantTag', { Null: { 'aws:PrincipalTag/customerName': 'true' } }));
    expect(statement(statements, 'DenyEmptyTenantTag')).toEqual(deny('DenyEmptyTenantTag', { StringEquals: { 'aws:PrincipalTag/customerName': '' } }));
    expect(statement(statements, 'DenyMalformedTenantTag')).toEqual(deny('DenyMalformedTenantTag', { StringLike: { 'aws:PrincipalTag/customerName': malformedTenantTagPatterns() } }));
    expect(statement(statements, 'DataKeyThroughS3').Effect).toBe('Allow');
  });

  it('refuses to compile invalid rules, listing every problem', () => {
    expect(() => compileAccessRules([rule('a/*', []), rule('{tenant}')], ctx)).toThrow(
      /^Invalid access rules:\n {2}- accessRules\[0\]\.pattern must contain[^\n]*\n {2}- accessRules\[0\]\.actions must list[^\n]*\n {2}- accessRules\[1\]\.pattern must end with[^\n]*$/,
    );
  });

  it('reserves nothing for an identity folder beside a tenant folder inside it, and sorts what it reserves', () => {
    expect(reservedTenantIds([rule('{identity}/*'), rule('{identity}/{tenant}/*')])).toStrictEqual([]);
    expect(reservedTenantIds([rule('{identity}/{tenant}/*'), rule('{identity}/*')])).toStrictEqual([]);
    expect(reservedTenantIds([rule('{tenant}/*'), rule('zeta/{identity}/*'), rule('alpha/{identity}/*'), rule('mid/{identity}/*')])).toEqual(['alpha', 'mid', 'zeta']);
  });

  describe('validation of custom rules', () => {
    const problems = (...rules: StorageAccessRule[]) => validateAccessRules(rules);

    it('accepts the defaults and each valid shape: list-only, write-only, tokens at any depth, literals with . _ - and digits', () => {
      expect(problems(...DEFAULT_ACCESS_RULES)).toEqual([]);
      expect(problems(rule('{tenant}/*', ['list']))).toEqual([]);
      expect(problems(rule('{identity}/*', ['write']))).toEqual([]);
      expect(problems(rule('data/{tenant}/in/{identity}/*', ['read', 'write', 'delete', 'list']))).toEqual([]);
      expect(problems(rule('0v1.2_b-c/{tenant}/*'))).toEqual([]);
    });

    it('rejects an empty rule set', () => {
      expect(problems()).toEqual(['accessRules must hold at least one rule.']);
    });

    it('rejects a pattern listed twice, naming the second', () => {
      expect(problems(rule('{tenant}/*', ['read']), rule('{tenant}/*', ['write']))).toEqual([
        'accessRules[1].pattern "{tenant}/*" is listed twice: merge the actions into one rule.',
      ]);
      expect(problems(rule('{tenant}/*'), rule('{identity}/*'), rule('{tenant}/*'))).toEqual([expect.stringMatching(/^accessRules\[2\]\.pattern .* listed twice/)]);
    });

    it.each(['{tenant}/{tenant}/*', 'a/{identity}/b/{identity}/*', '{tenant}/{identity}/{tenant}/*'])('rejects the repeated token in %s', (pattern) => {
      expect(problems(rule(pattern))).toEqual([`accessRules[0].pattern repeats a token (received ${JSON.stringify(pattern)}).`]);
    });

    it.each(['*', '*up', 'up*', 'u*p', '?', '?up', 'up?', 'u?p', '**'])('rejects the wildcard segment %j wherever the wildcard stands', (segment) => {
      expect(problems(rule(`${segment}/{tenant}/*`))).toEqual([expect.stringContaining(`accessRules[0].pattern segment ${JSON.stringify(segment)} must be {tenant}, {identity} or a literal`)]);
      expect(problems(rule(`{tenant}/${segment}/*`))).toEqual([expect.stringContaining(`segment ${JSON.stringify(segment)}`)]);
    });

    it.each(['', '.', '..', '.hidden', '-a', '_a', 'Up', 'uP', 'a b', '{tenant}x', 'x{identity}', '{TENANT}'])('rejects the literal segment %j (empty, dot-first, upper case, spaces, half tokens)', (segment) => {
      expect(problems(rule(`{tenant}/${segment}/*`))).toEqual([expect.stringContaining(`segment ${JSON.stringify(segment)} must be`)]);
    });

    it('rejects a pattern without a token, and one ending without "/*" (no further checks then)', () => {
      expect(problems(rule('a/b/*'))).toEqual(['accessRules[0].pattern must contain {tenant} or {identity}; a rule without one would grant every user the same keys (received "a/b/*").']);
      expect(problems(rule('{tenant}/*x'), rule('{tenant}'))).toEqual([
        'accessRules[0].pattern must end with "/*" so the grant stops at a folder boundary (received "{tenant}/*x").',
        'accessRules[1].pattern must end with "/*" so the grant stops at a folder boundary (received "{tenant}").',
      ]);
    });

    it('reports every problem of every rule together, each with its index', () => {
      expect(problems(rule('{tenant}/*', []), rule('up*/{tenant}/{tenant}/*', ['read', 'admin' as never]))).toEqual([
        'accessRules[0].actions must list at least one of read, write, delete, list.',
        'accessRules[1].pattern repeats a token (received "up*/{tenant}/{tenant}/*").',
        expect.stringContaining('accessRules[1].pattern segment "up*"'),
        'accessRules[1].actions has "admin"; allowed: read, write, delete, list.',
      ]);
    });
  });

  it('takes tenant ids of 2 to 63 lowercase letters, digits and hyphens, starting with a letter or digit', () => {
    for (const id of ['ab', '0a', 'a-', `a${'-1'.repeat(31)}`]) expect({ id, ok: TENANT_ID_PATTERN.test(id) }).toEqual({ id, ok: true });
    for (const id of ['a', 'x'.repeat(64), '-ab', 'aB', 'Ab', 'a_b', 'a b', ' ab', 'ab ', 'ab\n']) expect({ id, ok: TENANT_ID_PATTERN.test(id) }).toEqual({ id, ok: false });
  });

  it('reserves the fixed folders of the default rules so no tenant can own them', () => {
    expect(reservedTenantIds(DEFAULT_ACCESS_RULES)).toEqual(['private']);
  });

  it.each<[string, string[], string[]]>([
    ['a fixed folder beside a tenant folder at depth 2', ['data/{tenant}/*', 'data/shared/{identity}/*'], ['shared']],
    ['a tenant rule under a fixed folder, beside a top-level tenant rule', ['{tenant}/*', 'archive/{tenant}/*'], ['archive']],
    ['several fixed folders', ['{tenant}/*', 'private/{identity}/*', 'public/{identity}/*'], ['private', 'public']],
    ['disjoint literal prefixes', ['uploads/{tenant}/*', 'private/{identity}/*'], []],
    ['tenant beside identity at the same depth (identity ids contain ":")', ['{tenant}/*', '{identity}/*'], []],
    ['an identity folder inside the tenant folder', ['{tenant}/*', '{tenant}/{identity}/*'], []],
  ])('reserves what a tenant id could reach for %s', (_name, patterns, reserved) => {
    expect(reservedTenantIds(patterns.map((pattern) => ({ pattern, principal: 'authenticated' as const, actions: ['read' as const] })))).toEqual(reserved);
  });

  it('denies every tenant tag value that names a fixed folder or is no tenant id, whatever the rules (IAM9)', () => {
    const rules: StorageAccessRule[] = [
      { pattern: 'data/{tenant}/*', principal: 'authenticated', actions: ['read'] },
      { pattern: 'data/shared/{identity}/*', principal: 'authenticated', actions: ['read'] },
    ];
    const statements = compileAccessRules(rules, ctx);
    const guarded = [BUCKET, `${BUCKET}/*`, KEY];
    expect(statement({ Statement: statements }, 'DenyReservedTenantTag')).toEqual({
      Sid: 'DenyReservedTenantTag',
      Effect: 'Deny',
      Action: ['s3:*', 'kms:*'],
      Resource: guarded,
      Condition: { StringEqualsIgnoreCase: { 'aws:PrincipalTag/customerName': ['shared'] } },
    });
    expect(statement({ Statement: statements }, 'DenyMalformedTenantTag').Condition).toEqual({ StringLike: { 'aws:PrincipalTag/customerName': malformedTenantTagPatterns() } });
  });

  it('matches, with its tag patterns, every ASCII value that is no tenant id: case twins, separators, wildcards, one character, 64 or more', () => {
    // IAM's StringLike: `*` any run, `?` one character, `${*}` and `${?}` the literal characters.
    const toRegExp = (pattern: string) =>
      new RegExp(
        `^${pattern
          .replace(/\$\{\*\}/g, '\u0001')
          .replace(/\$\{\?\}/g, '\u0002')
          .replace(/[.+^${}()|[\]\\/]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')
          .replace(/\u0001/g, '\\*')
          .replace(/\u0002/g, '\\?')}$`,
        's',
      );
    const patterns = malformedTenantTagPatterns().map(toRegExp);
    const matched = (value: string) => patterns.some((p) => p.test(value));
    for (const hostile of ['ACME', 'Acme', 'PRIVATE', 'a', 'acme/', 'acme/..', '..', '.', 'a:b', 'eu-central-1:0000', 'a b', 'a_b', 'a=b', 'a+b', 'a@b', '*', '?', '-acme', 'x'.repeat(64), 'x'.repeat(256)]) {
      expect({ hostile, matched: matched(hostile) }).toEqual({ hostile, matched: true });
    }
    for (const tenant of ['acme', 'ac', 'a1', 'initech', 'x'.repeat(63), 'acme-archive']) {
      expect({ tenant, matched: matched(tenant) }).toEqual({ tenant, matched: false });
    }
  });
});

describe('TenantAccess', () => {
  it('trusts only authenticated identities of this identity pool, with sts:TagSession for the principal tags', () => {
    const { trust } = synthAccess();
    expect(trust.Statement[0]).toEqual({
      Sid: 'AuthenticatedIdentitiesOfThisPool',
      Effect: 'Allow',
      Principal: { Federated: 'cognito-identity.amazonaws.com' },
      Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
      Condition: {
        StringEquals: { 'cognito-identity.amazonaws.com:aud': 'eu-central-1:pool' },
        'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
      },
    });
    expect(trust.Statement.filter((s: { Effect: string }) => s.Effect === 'Allow')).toHaveLength(1);
  });

  it('refuses at sts:TagSession any tag key but the tenant tag, and tenant values that are empty, malformed or a fixed folder (IDP11)', () => {
    const { trust } = synthAccess();
    const cognito = { Federated: 'cognito-identity.amazonaws.com' };
    expect(trust.Statement.slice(1)).toEqual([
      { Sid: 'DenyUnexpectedSessionTagKeys', Effect: 'Deny', Principal: cognito, Action: 'sts:TagSession', Condition: { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['customerName'] } } },
      // As synthesized: `${*}` reaches Terraform escaped as `$${*}`.
      { Sid: 'DenyMalformedTenantTagValues', Effect: 'Deny', Principal: cognito, Action: 'sts:TagSession', Condition: { StringLike: { 'aws:RequestTag/customerName': ['', ...malformedTenantTagPatterns().map(escapeForTerraform)] } } },
      { Sid: 'DenyReservedTenantTagValues', Effect: 'Deny', Principal: cognito, Action: 'sts:TagSession', Condition: { StringEqualsIgnoreCase: { 'aws:RequestTag/customerName': ['private'] } } },
    ]);
  });

  it('reserves at sts:TagSession the fixed folders of custom rules too, and none when the rules have none', () => {
    const custom = synthAccess({ rules: [{ pattern: 'data/{tenant}/*', principal: 'authenticated', actions: ['read'] }, { pattern: 'data/shared/{identity}/*', principal: 'authenticated', actions: ['read'] }] });
    expect(statement(custom.trust, 'DenyReservedTenantTagValues').Condition).toEqual({ StringEqualsIgnoreCase: { 'aws:RequestTag/customerName': ['shared'] } });
    const tenantOnly = synthAccess({ rules: [{ pattern: '{tenant}/*', principal: 'authenticated', actions: ['read'] }] });
    expect(tenantOnly.trust.Statement.map((s: { Sid: string }) => s.Sid)).not.toContain('DenyReservedTenantTagValues');
    expect(tenantOnly.policy.Statement.map((s: { Sid: string }) => s.Sid)).not.toContain('DenyReservedTenantTag');
  });

  it('has exactly the trust statements it needs when the rules reserve nothing', () => {
    const { trust } = synthAccess({ rules: [{ pattern: '{tenant}/*', principal: 'authenticated', actions: ['read'] }] });
    expect(trust.Statement.map((s: { Sid: string }) => s.Sid)).toStrictEqual(['AuthenticatedIdentitiesOfThisPool', 'DenyUnexpectedSessionTagKeys', 'DenyMalformedTenantTagValues']);
  });

  it('attaches the compiled rules as the role’s inline policy, escaped for Terraform', () => {
    const { policy, role } = synthAccess();
    expect(role.name).toBe('up-dev-authenticated');
    expect(role.max_session_duration).toBe(3600);
    expect(statement(policy, 'TenantObjects').Resource).toBe(`${BUCKET}/$${TENANT}/*`);
  });

  it('accepts a role name of 1 and of 64 IAM characters, and refuses 65, an empty one and other characters', () => {
    expect(synthAccess({ roleName: 'r' }).role.name).toBe('r');
    expect(synthAccess({ roleName: `Ab9+=,.@_-${'x'.repeat(54)}` }).role.name).toHaveLength(64);
    for (const bad of ['', 'x'.repeat(65), 'a/b', 'a:b', 'ä']) {
      expect(() => synthAccess({ roleName: bad })).toThrow(`roleName must be 1–64 characters of letters, digits and +=,.@_- (received ${JSON.stringify(bad)}).`);
    }
  });

  it('accepts a session of 3600 to 43200 whole seconds, and refuses 3599, 43201 and fractions', () => {
    expect(synthAccess({ maxSessionDuration: 3600 }).role.max_session_duration).toBe(3600);
    expect(synthAccess({ maxSessionDuration: 43200 }).role.max_session_duration).toBe(43200);
    for (const bad of [3599, 43201, 3600.5]) {
      expect(() => synthAccess({ maxSessionDuration: bad })).toThrow(`maxSessionDuration must be a whole number of seconds from 3600 to 43200 (received ${bad}).`);
    }
  });

  it('reports invalid rules with the role problems, under the construct path', () => {
    expect(() => synthAccess({ roleName: '', rules: [] })).toThrow(/^TenantAccess test\/Access:\n {2}- accessRules must hold at least one rule\.\n {2}- roleName must be/);
  });

  it('uses the configured tenant tag key in the trust policy and the permissions', () => {
    const { trust, policy } = synthAccess({ tenantTagKey: 'org' });
    expect(statement(trust, 'DenyUnexpectedSessionTagKeys').Condition).toEqual({ 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['org'] } });
    expect(Object.keys(statement(trust, 'DenyMalformedTenantTagValues').Condition.StringLike)).toEqual(['aws:RequestTag/org']);
    expect(Object.keys(statement(trust, 'DenyReservedTenantTagValues').Condition.StringEqualsIgnoreCase)).toEqual(['aws:RequestTag/org']);
    expect(statement(policy, 'TenantObjects').Resource).toBe(`${BUCKET}/$\${aws:PrincipalTag/org}/*`);
  });

  it('binds the data key to the prefixes by default, and not when asked (Bucket Keys on)', () => {
    expect(statement(synthAccess().policy, 'DataKeyThroughS3').Condition.StringLike).toBeDefined();
    expect(statement(synthAccess({ bindKeyToPrefix: false }).policy, 'DataKeyThroughS3').Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } });
  });

  it('names the inline policy and describes the role', () => {
    const json = synthModule((scope) => new TenantAccess(scope, 'Access', { roleName: 'r', identityPoolId: 'p', bucketArn: BUCKET, keyArn: KEY, region: 'eu-central-1' }));
    expect(onlyResource(json, 'aws_iam_role_policy').name).toBe('tenant-scoped-storage');
    expect(onlyResource(json, 'aws_iam_role').description).toMatch(/scoped by principal tag and identity id/);
  });

  it('leaves a role name that is an unresolved token to Terraform', () => {
    const json = synthModule((scope) => {
      const name = new TerraformVariable(scope, 'Name', { type: 'string' }).stringValue;
      new TenantAccess(scope, 'Access', { roleName: name, identityPoolId: 'p', bucketArn: BUCKET, keyArn: KEY, region: 'eu-central-1' });
    });
    expect(onlyResource(json, 'aws_iam_role').name).toBe('${var.Name}');
  });

  it('rejects an invalid role name and session duration before creating anything', () => {
    expect(() => synthAccess({ roleName: 'a role', maxSessionDuration: 60 })).toThrow(/roleName must be[\s\S]*maxSessionDuration must be a whole number of seconds from 3600 to 43200/);
  });
});

describe('compileRoleAccess: one compiler per end-user role', () => {
  const TIER_RULES: StorageAccessRule[] = [
    { pattern: 'users/{identity}/free/*', principal: { groups: ['free', 'paid'] }, actions: ['write'] },
    { pattern: 'users/{identity}/premium/*', principal: { groups: ['paid'] }, actions: ['write'] },
  ];
  const RULES = [...DEFAULT_ACCESS_RULES, ...TIER_RULES];
  const sids = (statements: readonly { Sid?: string }[]) => statements.map((s) => s.Sid);

  it('compiles the shared role exactly as compileAccessRules, and leaves group rules out of it', () => {
    expect(compileRoleAccess(DEFAULT_ACCESS_RULES, ctx, { tenant: { principalTag: 'customerName' } })).toEqual(compileAccessRules(DEFAULT_ACCESS_RULES, ctx));
    expect(sids(compileRoleAccess(RULES, ctx, { tenant: { principalTag: 'customerName' } })).filter((s) => s?.startsWith('Users'))).toEqual([]);
  });

  it("adds a tier's rules to its role, and only its own", () => {
    expect(sids(compileRoleAccess(RULES, ctx, { tenant: { principalTag: 'customerName' }, groups: ['free'] }))).toContain('UsersIdentityFreeObjects');
    expect(sids(compileRoleAccess(RULES, ctx, { tenant: { principalTag: 'customerName' }, groups: ['free'] }))).not.toContain('UsersIdentityPremiumObjects');
    expect(sids(compileRoleAccess(RULES, ctx, { tenant: { principalTag: 'customerName' }, groups: ['paid'] }))).toEqual(expect.arrayContaining(['UsersIdentityFreeObjects', 'UsersIdentityPremiumObjects']));
    expect(rulesForGroups(RULES, [])).toEqual(DEFAULT_ACCESS_RULES);
    expect(ruleGroups(RULES)).toEqual(['free', 'paid']);
  });

  it("compiles a tenant's role with its literal id and binds it to that tenant's tag", () => {
    const statements = compileRoleAccess(DEFAULT_ACCESS_RULES, ctx, { tenant: { tenantId: 'acme' } });
    expect(statement({ Statement: statements }, 'TenantObjects').Resource).toBe(`${BUCKET}/acme/*`);
    expect(statement({ Statement: statements }, 'TenantList').Condition).toEqual({ StringLike: { 's3:prefix': ['acme/', 'acme/*'] } });
    expect(statement({ Statement: statements }, 'DenyTagOfAnotherTenant')).toEqual({
      Sid: 'DenyTagOfAnotherTenant',
      Effect: 'Deny',
      Action: ['s3:*', 'kms:*'],
      Resource: [BUCKET, `${BUCKET}/*`, KEY],
      Condition: { StringNotEquals: { 'aws:PrincipalTag/customerName': 'acme' } },
    });
    expect(JSON.stringify(statements)).not.toContain(TENANT.slice(0, 20) + '}/*');
  });

  it('leaves every {tenant} rule out of a role without a tenant (the default role in role-per-tenant mode)', () => {
    const statements = compileRoleAccess(DEFAULT_ACCESS_RULES, ctx, {});
    expect(sids(statements).filter((s) => s?.startsWith('Tenant'))).toEqual([]);
    expect(sids(statements)).toContain('PrivateIdentityObjects');
    expect(sids(statements)).not.toContain('DenyTagOfAnotherTenant');
  });

  it('scopes the absent-tag Denies to everything but the per-user and tier folders when tenant-less users are served', () => {
    const statements = compileRoleAccess(RULES, ctx, { tenant: { principalTag: 'customerName' }, groups: ['paid'], tenantlessUsers: true });
    expect(sids(statements)).not.toContain('DenyWithoutTenantTag');
    const absent = { Null: { 'aws:PrincipalTag/customerName': 'true' } };
    expect(statement({ Statement: statements }, 'DenyTenantObjectsWithoutTenantTag')).toEqual({
      Sid: 'DenyTenantObjectsWithoutTenantTag',
      Effect: 'Deny',
      Action: 's3:*',
      NotResource: [BUCKET, `${BUCKET}/private/*/*`, `${BUCKET}/users/*/free/*`, `${BUCKET}/users/*/premium/*`],
      Condition: absent,
    });
    expect(statement({ Statement: statements }, 'DenyTenantListingWithoutTenantTag')).toEqual({
      Sid: 'DenyTenantListingWithoutTenantTag',
      Effect: 'Deny',
      Action: 's3:*',
      Resource: BUCKET,
      Condition: {
        ...absent,
        StringNotLike: { 's3:prefix': ['private/*/', 'private/*/*', 'users/*/free/', 'users/*/free/*', 'users/*/premium/', 'users/*/premium/*'] },
      },
    });
    expect(statement({ Statement: statements }, 'DenyTenantDataKeyWithoutTenantTag')).toEqual({
      Sid: 'DenyTenantDataKeyWithoutTenantTag',
      Effect: 'Deny',
      Action: 'kms:*',
      Resource: KEY,
      Condition: { ...absent, StringNotLike: { 'kms:EncryptionContext:aws:s3:arn': [`${BUCKET}/private/*/*`, `${BUCKET}/users/*/free/*`, `${BUCKET}/users/*/premium/*`] } },
    });
    // The empty, malformed and reserved tags stay denied everything.
    expect(statement({ Statement: statements }, 'DenyEmptyTenantTag').Resource).toEqual([BUCKET, `${BUCKET}/*`, KEY]);
  });

  it('keeps the whole-bucket absent-tag Deny for a tenant-less role with nothing but tenant rules', () => {
    const statements = compileRoleAccess([{ pattern: '{tenant}/*', principal: 'authenticated', actions: ['read'] }], ctx, { tenant: { principalTag: 'customerName' }, tenantlessUsers: true });
    expect(statement({ Statement: statements }, 'DenyWithoutTenantTag')).toEqual({
      Sid: 'DenyWithoutTenantTag',
      Effect: 'Deny',
      Action: ['s3:*', 'kms:*'],
      Resource: [BUCKET, `${BUCKET}/*`, KEY],
      Condition: { Null: { 'aws:PrincipalTag/customerName': 'true' } },
    });
    expect(sids(statements)).not.toContain('DenyTenantObjectsWithoutTenantTag');
  });

  describe('the table and the secrets, with the same scope as the bucket', () => {
    const TABLE = 'arn:aws:dynamodb:eu-central-1:111111111111:table/up-dev-tenant-data';
    const SECRETS = 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:up-dev/tenant/';
    const data = { ...ctx, table: { tableArn: TABLE, tableName: 'up-dev-tenant-data' }, secretArnPrefix: SECRETS };
    const ALL = [...RULES, ...DEFAULT_TABLE_ACCESS_RULES, ...DEFAULT_SECRET_ACCESS_RULES];
    const doc = (statements: ReturnType<typeof compileRoleAccess>) => ({ Statement: statements });

    it("gives a tenant's role its own literal table keys and its own secret, and binds every target to its tag", () => {
      const statements = compileRoleAccess(ALL, data, { tenant: { tenantId: 'acme' } });
      expect(statement(doc(statements), 'TableTenantPrefixItems').Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['acme#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } });
      expect(statement(doc(statements), 'TenantSecretRead')).toMatchObject({ Resource: `${SECRETS}acme/secret-??????`, Condition: { StringEquals: { 'secretsmanager:ResourceTag/customerName': 'acme' } } });
      expect(statement(doc(statements), 'DataKeyThroughSecretsManager').Condition).toMatchObject({ StringLike: { 'kms:EncryptionContext:SecretARN': `${SECRETS}acme/secret-??????` } });
      expect(statement(doc(statements), 'DenyTagOfAnotherTenant')).toEqual({
        Sid: 'DenyTagOfAnotherTenant',
        Effect: 'Deny',
        Action: ['s3:*', 'kms:*', 'dynamodb:*', 'secretsmanager:*'],
        Resource: [BUCKET, `${BUCKET}/*`, KEY, TABLE, `${SECRETS}*`],
        Condition: { StringNotEquals: { 'aws:PrincipalTag/customerName': 'acme' } },
      });
      expect(JSON.stringify(statements)).not.toContain('${aws:PrincipalTag');
    });

    it("gives the exact-key layout the tenant's id as its one key", () => {
      const statements = compileRoleAccess([...DEFAULT_ACCESS_RULES, { target: 'table', pattern: '{tenant}', principal: 'authenticated', actions: ['read'] }], data, { tenant: { tenantId: 'acme' } });
      expect(statement(doc(statements), 'TableTenantKeyItems').Condition).toMatchObject({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['acme'] } });
    });

    it('gives the default role of role-per-tenant mode nothing of any tenant: no table or secret grant, the guards stay', () => {
      const statements = compileRoleAccess(ALL, data, {});
      const allows = statements.filter((s) => s.Effect === 'Allow');
      expect(JSON.stringify(allows)).not.toMatch(/dynamodb|secretsmanager|TenantSecret|Table/);
      expect(sids(statements)).toEqual(expect.arrayContaining(['DenyTenantDataWithoutTenantTag', 'DenyMalformedTenantTag']));
      expect(statement(doc(statements), 'DenyMalformedTenantTag').Resource).toEqual([BUCKET, `${BUCKET}/*`, KEY, TABLE, `${SECRETS}*`]);
    });

    it('gives a tier role the same tenant data grants as the shared role, and keeps the absent-tag data Deny whole for tenant-less users', () => {
      const shared = compileRoleAccess(ALL, data, { tenant: { principalTag: 'customerName' } });
      const tier = compileRoleAccess(ALL, data, { tenant: { principalTag: 'customerName' }, groups: ['paid'], tenantlessUsers: true });
      for (const sid of ['TableTenantPrefixItems', 'DataKeyThroughDynamoDb', 'TenantSecretRead', 'DataKeyThroughSecretsManager', 'DenyTenantSecretChanges', 'DenyTenantDataWithoutTenantTag']) {
        expect(statement(doc(tier), sid)).toEqual(statement(doc(shared), sid));
      }
      expect(statement(doc(tier), 'DenyTenantDataWithoutTenantTag')).toEqual({
        Sid: 'DenyTenantDataWithoutTenantTag',
        Effect: 'Deny',
        Action: ['dynamodb:*', 'secretsmanager:*'],
        Resource: [TABLE, `${SECRETS}*`],
        Condition: { Null: { 'aws:PrincipalTag/customerName': 'true' } },
      });
    });

    it('refuses table or secret rules without the table or the secrets', () => {
      expect(() => compileRoleAccess(ALL, ctx, { tenant: { principalTag: 'customerName' } })).toThrow(
        'Invalid access rules:\n  - 1 table rule(s) but no table: pass ctx.table or drop the table rules.\n  - 1 secret rule(s) but no tenant secrets: pass ctx.secretArnPrefix or drop the secret rules.',
      );
    });

    it("gives a tier role its groups' table and secret rules, and a role of no group none of them", () => {
      const GROUP_DATA: AccessRule[] = [
        ...DEFAULT_ACCESS_RULES,
        { target: 'table', pattern: '{tenant}#*', principal: { groups: ['paid'] }, actions: ['read'] },
        { target: 'secret', principal: { groups: ['paid'] }, actions: ['read'] },
      ];
      const paid = compileRoleAccess(GROUP_DATA, data, { tenant: { principalTag: 'customerName' }, groups: ['paid'] });
      expect(sids(paid)).toEqual(expect.arrayContaining(['TableTenantPrefixItems', 'DataKeyThroughDynamoDb', 'TenantSecretRead', 'DataKeyThroughSecretsManager']));
      expect(JSON.stringify(compileRoleAccess(GROUP_DATA, data, { tenant: { principalTag: 'customerName' }, groups: ['free'] }))).not.toMatch(/TableTenant|TenantSecretRead/);
      // A role of no group gets none, whatever the group is called: compileRoleAccess does not check
      // the group names of table and secret rules, and "Stryker was here" is the one mutation testing
      // puts into the role's empty group list.
      for (const group of ['paid', 'Stryker was here']) {
        const rules = GROUP_DATA.map((r) => (r.principal === 'authenticated' ? r : { ...r, principal: { groups: [group] } }));
        const shared = compileRoleAccess(rules, data, { tenant: { principalTag: 'customerName' } });
        expect(JSON.stringify(shared.filter((s) => s.Effect === 'Allow'))).not.toMatch(/dynamodb|secretsmanager/);
      }
    });
  });

  it('rejects a group-scoped rule without groups or with a bad group name', () => {
    expect(validateAccessRules([{ pattern: 'u/{identity}/*', principal: { groups: [] }, actions: ['read'] }]).join('\n')).toMatch(/principal\.groups must name at least one group/);
    expect(validateAccessRules([{ pattern: 'u/{identity}/*', principal: { groups: ['Paid Tier'] }, actions: ['read'] }]).join('\n')).toMatch(/"Paid Tier"; a group name must match/);
  });
});

describe('endUserTrustPolicy: the trust of every end-user role', () => {
  const base = { identityPoolId: 'eu-central-1:pool', tenantTagKey: 'customerName', reservedTenantIds: ['private'] };

  it('is the trust TenantAccess writes for the shared role', () => {
    // TenantAccess's pool id is a plain string here, so the two documents are the same text.
    expect(synthAccess().trust).toEqual(JSON.parse(JSON.stringify(endUserTrustPolicy(base)).replaceAll('${', () => '$${')));
  });

  it("refuses any tenant tag but its own on a tenant's role", () => {
    const doc = { Statement: [...endUserTrustPolicy({ ...base, tenantId: 'acme' }).Statement] };
    expect(statement(doc, 'DenyTagOfAnotherTenant')).toEqual({
      Sid: 'DenyTagOfAnotherTenant',
      Effect: 'Deny',
      Principal: { Federated: 'cognito-identity.amazonaws.com' },
      Action: 'sts:TagSession',
      Condition: { StringNotEquals: { 'aws:RequestTag/customerName': 'acme' } },
    });
    expect(endUserTrustPolicy(base).Statement.map((x) => x.Sid)).not.toContain('DenyTagOfAnotherTenant');
    expect(endUserTrustPolicy({ ...base, reservedTenantIds: [] }).Statement.map((x) => x.Sid)).not.toContain('DenyReservedTenantTagValues');
  });
});

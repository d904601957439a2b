/**
 * The tenant table and the tenant secrets as targets of the access model (documents 003 and 004):
 * the compilers, for both scopes (the caller's principal tag, a literal tenant id), the guards, and
 * what TenantAccess puts in the role policy.
 */
import {
  allTenantSecretsArn,
  compileRoleAccess,
  DEFAULT_ACCESS_RULES,
  compileSecretAccessRules,
  compileTableAccessRules,
  compileTenantDataGuards,
  DEFAULT_SECRET_ACCESS_RULES,
  DEFAULT_TABLE_ACCESS_RULES,
  leadingKeyPattern,
  malformedTenantTagPatterns,
  rulesByTarget,
  SECRET_DENIED_ACTIONS,
  TABLE_ITEM_ACTIONS,
  TableAccessRule,
  tableActionsFor,
  TenantAccess,
  tenantSecretArn,
  validateSecretAccessRules,
  validateTableAccessRules,
} from '../modules/tenant-access';
import { parsePolicy, resources, statement, synthModule } from './helpers/module-stack';

const TABLE = 'arn:aws:dynamodb:eu-central-1:111111111111:table/up-dev-tenant-data';
const KEY = 'arn:aws:kms:eu-central-1:111111111111:key/k';
const SECRETS = 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:up-dev/tenant/';
const TAG = { principalTag: 'customerName' } as const;
const TENANT = '${aws:PrincipalTag/customerName}';
const tableCtx = { tableArn: TABLE, tableName: 'up-dev-tenant-data', keyArn: KEY, region: 'eu-central-1', scope: TAG };
const secretCtx = { secretArnPrefix: SECRETS, keyArn: KEY, region: 'eu-central-1', tenantTagKey: 'customerName', scope: TAG };
const rule = (pattern: string, actions: TableAccessRule['actions'] = ['read']): TableAccessRule => ({ target: 'table', pattern, principal: 'authenticated', actions });

describe('table rules', () => {
  it('compile the default rule into item actions on the table only, confined by ForAllValues:StringLike to "<tenant>#*" and Null = false', () => {
    const [items] = compileTableAccessRules(DEFAULT_TABLE_ACCESS_RULES, tableCtx);
    expect(items).toEqual({
      Sid: 'TableTenantPrefixItems',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
      Resource: TABLE,
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${TENANT}#*`] }, Null: { 'dynamodb:LeadingKeys': 'false' } },
    });
  });

  it('compile an exact-key rule into ForAllValues:StringEquals on the tenant itself', () => {
    const [items] = compileTableAccessRules([rule('{tenant}', ['read'])], tableCtx);
    expect(items?.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [TENANT] }, Null: { 'dynamodb:LeadingKeys': 'false' } });
    expect(items?.Action).toEqual(TABLE_ITEM_ACTIONS.read);
  });

  it('compile the same rules for one tenant by its literal id (role per tenant)', () => {
    expect(leadingKeyPattern('{tenant}#*', { tenantId: 'acme' })).toBe('acme#*');
    expect(leadingKeyPattern('{tenant}#*', TAG)).toBe(`${TENANT}#*`);
    const [items] = compileTableAccessRules(DEFAULT_TABLE_ACCESS_RULES, { ...tableCtx, scope: { tenantId: 'acme' } });
    expect(items?.Condition?.['ForAllValues:StringLike']).toEqual({ 'dynamodb:LeadingKeys': ['acme#*'] });
  });

  it('grant BatchWriteItem (puts and deletes in one action) only with both write and delete', () => {
    expect(tableActionsFor(['write'])).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(tableActionsFor(['delete', 'read'])).toEqual([...TABLE_ITEM_ACTIONS.read, 'dynamodb:DeleteItem']);
    expect(tableActionsFor(['delete', 'write'])).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']);
  });

  it('never grant Scan, PartiQL, an index, a stream or any table-level action', () => {
    const statements = compileTableAccessRules([rule('{tenant}#*', ['read', 'write', 'delete'])], tableCtx);
    const actions = statements.flatMap((s) => [s.Action ?? []].flat());
    expect(actions.filter((a) => a.startsWith('dynamodb:') && ![...Object.values(TABLE_ITEM_ACTIONS).flat(), 'dynamodb:BatchWriteItem'].includes(a))).toEqual([]);
    expect(statements.flatMap((s) => [s.Resource ?? []].flat()).filter((r) => r.includes('/index') || r.includes('/stream'))).toEqual([]);
  });

  it('let users decrypt the table key only through DynamoDB, for this table', () => {
    expect(statement({ Statement: compileTableAccessRules(DEFAULT_TABLE_ACCESS_RULES, tableCtx) }, 'DataKeyThroughDynamoDb')).toEqual({
      Sid: 'DataKeyThroughDynamoDb',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: KEY,
      Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-central-1.amazonaws.com', 'kms:EncryptionContext:aws:dynamodb:tableName': 'up-dev-tenant-data' } },
    });
    expect(compileTableAccessRules([], tableCtx)).toEqual([]);
  });

  it('refuse patterns that do not start at the tenant and stop at the separator, and report every problem', () => {
    const problems = validateTableAccessRules([rule('{tenant}*'), rule('*'), rule('{tenant}#*', []), rule('{tenant}#*'), { ...rule('{identity}#*'), actions: ['scan' as never] }]);
    expect(problems).toEqual([
      expect.stringMatching(/^tableRules\[0\]\.pattern must be "\{tenant\}" or "\{tenant\}#\*".*received "\{tenant\}\*"/),
      expect.stringMatching(/^tableRules\[1\]\.pattern must be/),
      expect.stringMatching(/^tableRules\[2\]\.actions must list at least one/),
      expect.stringMatching(/^tableRules\[3\]\.pattern "\{tenant\}#\*" is listed twice/),
      expect.stringMatching(/^tableRules\[4\]\.pattern must be/),
      expect.stringMatching(/^tableRules\[4\]\.actions has "scan"/),
    ]);
    expect(() => compileTableAccessRules([rule('*')], tableCtx)).toThrow(/Invalid table access rules/);
  });

  it('name the allowed actions and a wrong target in full, and refuse to compile with every problem on its own line', () => {
    const bad = [{ ...rule('{tenant}#*', []), target: 's3' as never }, rule('{tenant}', ['scan' as never])];
    expect(validateTableAccessRules(bad)).toEqual([
      'tableRules[0].target must be "table" (received "s3").',
      'tableRules[0].actions must list at least one of read, write, delete.',
      'tableRules[1].actions has "scan"; allowed: read, write, delete.',
    ]);
    expect(() => compileTableAccessRules(bad, tableCtx)).toThrow(
      'Invalid table access rules:\n  - tableRules[0].target must be "table" (received "s3").\n  - tableRules[0].actions must list at least one of read, write, delete.\n  - tableRules[1].actions has "scan"; allowed: read, write, delete.',
    );
  });
});

describe('secret rules', () => {
  it('compile into GetSecretValue on the caller’s own secret, only while its tag names the caller’s tenant', () => {
    expect(statement({ Statement: compileSecretAccessRules(DEFAULT_SECRET_ACCESS_RULES, secretCtx) }, 'TenantSecretRead')).toEqual({
      Sid: 'TenantSecretRead',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: `${SECRETS}${TENANT}/secret-??????`,
      Condition: { StringEquals: { 'secretsmanager:ResourceTag/customerName': TENANT } },
    });
  });

  it('let users decrypt only their own secret, through Secrets Manager (the SecretARN encryption context)', () => {
    expect(statement({ Statement: compileSecretAccessRules(DEFAULT_SECRET_ACCESS_RULES, secretCtx) }, 'DataKeyThroughSecretsManager')).toEqual({
      Sid: 'DataKeyThroughSecretsManager',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: KEY,
      Condition: {
        StringEquals: { 'kms:ViaService': 'secretsmanager.eu-central-1.amazonaws.com' },
        StringLike: { 'kms:EncryptionContext:SecretARN': `${SECRETS}${TENANT}/secret-??????` },
      },
    });
  });

  it('deny users every change of a tenant secret: tags, resource policy, value, versions, deletion, replication', () => {
    const deny = statement({ Statement: compileSecretAccessRules(DEFAULT_SECRET_ACCESS_RULES, secretCtx) }, 'DenyTenantSecretChanges');
    expect(deny).toEqual({ Sid: 'DenyTenantSecretChanges', Effect: 'Deny', Action: SECRET_DENIED_ACTIONS, Resource: `${SECRETS}*` });
    expect(SECRET_DENIED_ACTIONS).toEqual(expect.arrayContaining(['secretsmanager:TagResource', 'secretsmanager:UntagResource', 'secretsmanager:PutResourcePolicy', 'secretsmanager:DeleteResourcePolicy', 'secretsmanager:PutSecretValue']));
  });

  it('compile for one tenant by its literal id (role per tenant)', () => {
    expect(tenantSecretArn({ secretArnPrefix: SECRETS, scope: { tenantId: 'acme' } })).toBe(`${SECRETS}acme/secret-??????`);
    const read = statement({ Statement: compileSecretAccessRules(DEFAULT_SECRET_ACCESS_RULES, { ...secretCtx, scope: { tenantId: 'acme' } }) }, 'TenantSecretRead');
    expect(read.Condition).toEqual({ StringEquals: { 'secretsmanager:ResourceTag/customerName': 'acme' } });
  });

  it('refuse anything but one read rule', () => {
    expect(validateSecretAccessRules([{ target: 'secret', principal: 'authenticated', actions: ['write' as never] }])).toEqual([expect.stringMatching(/actions has "write"; allowed: read/)]);
    expect(validateSecretAccessRules([...DEFAULT_SECRET_ACCESS_RULES, ...DEFAULT_SECRET_ACCESS_RULES])).toEqual([expect.stringMatching(/at most one rule/)]);
    expect(compileSecretAccessRules([], secretCtx)).toEqual([]);
  });

  it('report every problem of a rule set, each where it is, and refuse to compile it', () => {
    const bad = [
      { target: 'table' as never, principal: 'authenticated' as const, actions: [] },
      { target: 'secret' as const, principal: 'authenticated' as const, actions: ['write' as never] },
    ];
    const problems = [
      'secretRules must hold at most one rule (received 2): a tenant has one secret.',
      'secretRules[0].target must be "secret" (received "table").',
      'secretRules[0].actions must list read.',
      'secretRules[1].actions has "write"; allowed: read (users never write, tag or share a secret).',
    ];
    expect(validateSecretAccessRules(bad)).toEqual(problems);
    expect(() => compileSecretAccessRules(bad, secretCtx)).toThrow(`Invalid secret access rules:\n  - ${problems.join('\n  - ')}`);
    expect(() => compileSecretAccessRules([bad[0]!], secretCtx)).toThrow('Invalid secret access rules:\n  - secretRules[0].target must be "secret" (received "table").\n  - secretRules[0].actions must list read.');
  });
});

describe('tenant-data guards', () => {
  const guards = compileTenantDataGuards({ tenantTagKey: 'customerName', resources: [TABLE, allTenantSecretsArn(SECRETS)], actions: ['dynamodb:*', 'secretsmanager:*'] });
  it('deny the table and the secrets to a session without a tenant tag, in a statement of their own (never narrowed for tenant-less users)', () => {
    expect(guards).toEqual([
      {
        Sid: 'DenyTenantDataWithoutTenantTag',
        Effect: 'Deny',
        Action: ['dynamodb:*', 'secretsmanager:*'],
        Resource: [TABLE, `${SECRETS}*`],
        Condition: { Null: { 'aws:PrincipalTag/customerName': 'true' } },
      },
    ]);
  });
  it('are empty without tenant data', () => {
    expect(compileTenantDataGuards({ tenantTagKey: 'customerName', resources: [], actions: [] })).toEqual([]);
  });
  it('leave the empty, malformed and reserved tags to the storage guards, which then cover the table and the secrets too (one copy of the pattern list)', () => {
    const statements = compileRoleAccess([...DEFAULT_ACCESS_RULES, ...DEFAULT_TABLE_ACCESS_RULES, ...DEFAULT_SECRET_ACCESS_RULES], {
      bucketArn: 'arn:aws:s3:::bucket',
      keyArn: KEY,
      region: 'eu-central-1',
      tenantTagKey: 'customerName',
      bindKeyToPrefix: true,
      table: { tableArn: TABLE, tableName: 'up-dev-tenant-data' },
      secretArnPrefix: SECRETS,
    }, { tenant: { principalTag: 'customerName' } });
    const everyTarget = {
      Action: ['s3:*', 'kms:*', 'dynamodb:*', 'secretsmanager:*'],
      Resource: ['arn:aws:s3:::bucket', 'arn:aws:s3:::bucket/*', KEY, TABLE, `${SECRETS}*`],
    };
    const tag = 'aws:PrincipalTag/customerName';
    expect(statement({ Statement: statements }, 'DenyEmptyTenantTag')).toEqual({ Sid: 'DenyEmptyTenantTag', Effect: 'Deny', ...everyTarget, Condition: { StringEquals: { [tag]: '' } } });
    expect(statement({ Statement: statements }, 'DenyMalformedTenantTag')).toEqual({ Sid: 'DenyMalformedTenantTag', Effect: 'Deny', ...everyTarget, Condition: { StringLike: { [tag]: malformedTenantTagPatterns() } } });
    expect(statement({ Statement: statements }, 'DenyReservedTenantTag')).toEqual({ Sid: 'DenyReservedTenantTag', Effect: 'Deny', ...everyTarget, Condition: { StringEqualsIgnoreCase: { [tag]: ['private'] } } });
    expect(JSON.stringify(statements).split(malformedTenantTagPatterns().join('","')).length - 1).toBe(1);
  });
});

describe('rule targets', () => {
  it('split a mixed rule list by target; a storage rule without a target is S3', () => {
    const split = rulesByTarget([{ pattern: '{tenant}/*', principal: 'authenticated', actions: ['read'] }, ...DEFAULT_TABLE_ACCESS_RULES, ...DEFAULT_SECRET_ACCESS_RULES]);
    expect([split.storage.length, split.table.length, split.secret.length]).toEqual([1, 1, 1]);
  });

  it('count a rule that names the bucket as its target (s3) as a storage rule, and only as one', () => {
    const s3 = { target: 's3' as const, pattern: '{tenant}/*', principal: 'authenticated' as const, actions: ['read' as const] };
    expect(rulesByTarget([s3, ...DEFAULT_TABLE_ACCESS_RULES])).toEqual({ storage: [s3], table: DEFAULT_TABLE_ACCESS_RULES, secret: [] });
  });
});

describe('TenantAccess with tenant data', () => {
  const synth = (extra: Partial<ConstructorParameters<typeof TenantAccess>[2]>) =>
    parsePolicy(
      resources(
        synthModule(
          (scope) =>
            new TenantAccess(scope, 'Access', {
              roleName: 'up-dev-authenticated',
              identityPoolId: 'eu-central-1:pool',
              bucketArn: 'arn:aws:s3:::bucket',
              keyArn: KEY,
              region: 'eu-central-1',
              ...extra,
            }),
        ),
        'aws_iam_role_policy',
      )[0]![1].policy,
    );

  it('adds nothing about tables or secrets when it has neither', () => {
    expect(JSON.stringify(synth({}))).not.toMatch(/dynamodb|secretsmanager|TenantData/);
  });

  it('appends the table and secret grants and their guards after the storage statements, whose Sids it leaves alone', () => {
    const storageOnly = synth({}).Statement.map((s) => s.Sid);
    const sids = synth({ table: { tableArn: TABLE, tableName: 'up-dev-tenant-data' }, secrets: { secretArnPrefix: SECRETS } }).Statement.map((s) => s.Sid);
    expect(sids.slice(0, storageOnly.length)).toEqual(storageOnly);
    expect(sids.slice(storageOnly.length)).toEqual([
      'TableTenantPrefixItems',
      'DataKeyThroughDynamoDb',
      'TenantSecretRead',
      'DataKeyThroughSecretsManager',
      'DenyTenantSecretChanges',
      'DenyTenantDataWithoutTenantTag',
    ]);
  });

  it('guards only the targets it has', () => {
    const policy = synth({ table: { tableArn: TABLE, tableName: 'up-dev-tenant-data' } });
    expect(statement(policy, 'DenyTenantDataWithoutTenantTag')).toMatchObject({ Action: ['dynamodb:*'], Resource: [TABLE] });
  });

  it('reports bad table and secret rules with the other problems', () => {
    expect(() => synth({ roleName: 'bad name!', table: { tableArn: TABLE, tableName: 't', rules: [rule('*')] } })).toThrow(/tableRules\[0\]\.pattern[\s\S]*roleName must be/);
  });
});

import { TenantTable, TenantTableProps } from '../modules/tenant-table';
import { onlyResource, resources, synthModule } from './helpers/module-stack';

const KEY = 'arn:aws:kms:eu-central-1:111111111111:key/00000000-0000-4000-8000-000000000001';

function synthTable(props: Partial<TenantTableProps> = {}) {
  return onlyResource(
    synthModule((scope) => new TenantTable(scope, 'TenantTable', { tableName: 'up-dev-tenant-data', kmsKeyArn: KEY, ...props })),
    'aws_dynamodb_table',
  );
}

describe('TenantTable', () => {
  it('is an on-demand table with a string partition key and sort key, and nothing keyed otherwise (no index, no stream)', () => {
    const table = synthTable();
    expect(table).toMatchObject({
      name: 'up-dev-tenant-data',
      billing_mode: 'PAY_PER_REQUEST',
      hash_key: 'pk',
      range_key: 'sk',
      attribute: [
        { name: 'pk', type: 'S' },
        { name: 'sk', type: 'S' },
      ],
    });
    expect(table.global_secondary_index).toBeUndefined();
    expect(table.local_secondary_index).toBeUndefined();
    expect(table.stream_enabled).toBeUndefined();
  });

  it('keeps point-in-time recovery on and encrypts with the given customer-managed key', () => {
    expect(synthTable()).toMatchObject({ point_in_time_recovery: { enabled: true }, server_side_encryption: { enabled: true, kms_key_arn: KEY } });
  });

  it('has deletion protection and prevent_destroy only when protected (ST2)', () => {
    expect(synthTable().deletion_protection_enabled).toBe(false);
    expect(synthTable().lifecycle).toBeUndefined();
    expect(synthTable({ protected: true })).toMatchObject({ deletion_protection_enabled: true, lifecycle: { prevent_destroy: true } });
  });

  it('names its keys as told', () => {
    expect(synthTable({ partitionKey: 'tenantKey', sortKey: 'itemKey' })).toMatchObject({ hash_key: 'tenantKey', range_key: 'itemKey' });
  });

  it('reports every bad prop at once, before creating anything', () => {
    expect(() => synthTable({ tableName: 'a', kmsKeyArn: 'alias/uploads', partitionKey: 'pk', sortKey: 'pk' })).toThrow(
      /tableName must be 3–255 characters[\s\S]*partitionKey and sortKey must differ[\s\S]*kmsKeyArn must be a key's full ARN/,
    );
    expect(() => synthTable({ partitionKey: 'my key' })).toThrow(/partitionKey must match/);
  });

  it('has the data perimeter as its resource policy only when dataAccessPrincipalArns is set, and refuses an empty list', () => {
    const perimeter = ['arn:aws:iam::111111111111:role/up-dev-authenticated', 'arn:aws:iam::111111111111:role/up-dev-tenant.*'];
    const json = synthModule((scope) => new TenantTable(scope, 'TenantTable', { tableName: 'up-dev-tenant-data', kmsKeyArn: KEY, dataAccessPrincipalArns: perimeter }));
    const policy = onlyResource(json, 'aws_dynamodb_resource_policy') as any;
    expect(policy.resource_arn).toMatch(/^\$\{aws_dynamodb_table\.[^.]+\.arn\}$/);
    const [statement] = JSON.parse(policy.policy).Statement;
    expect(statement).toEqual({
      Sid: 'DenyTableDataToOtherPrincipals',
      Effect: 'Deny',
      Principal: '*',
      Action: expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:Query', 'dynamodb:PartiQLSelect', 'dynamodb:ExportTableToPointInTime', 'dynamodb:CreateBackup', 'dynamodb:RestoreTableToPointInTime']),
      Resource: policy.resource_arn,
      Condition: { ArnNotLike: { 'aws:PrincipalArn': perimeter } },
    });
    // Table management stays with IAM: the apply role keeps describing, changing and deleting the table.
    for (const action of ['dynamodb:DescribeTable', 'dynamodb:UpdateTable', 'dynamodb:UpdateContinuousBackups', 'dynamodb:TagResource', 'dynamodb:DeleteTable', 'dynamodb:PutResourcePolicy']) {
      expect(statement.Action).not.toContain(action);
    }
    // Far below the 20 KB of a table's resource policy.
    expect(policy.policy.length).toBeLessThan(2048);
    expect(resources(synthModule((scope) => new TenantTable(scope, 'TenantTable', { tableName: 'up-dev-tenant-data', kmsKeyArn: KEY })), 'aws_dynamodb_resource_policy')).toHaveLength(0);
    expect(() => synthTable({ dataAccessPrincipalArns: [] })).toThrow(/dataAccessPrincipalArns must name at least one principal/);
  });
});

import { TerraformVariable } from 'cdktf';
import { DataKey, DataKeyProps } from '../modules/data-key';
import { onlyResource, parsePolicy, statement, synthModule } from './helpers/module-stack';

function synthKey(props: Partial<DataKeyProps> = {}) {
  const json = synthModule((scope) => new DataKey(scope, 'DataKey', { aliasName: 'up-dev-uploads', description: 'uploads', region: 'eu-central-1', ...props }));
  return { key: onlyResource(json, 'aws_kms_key'), alias: onlyResource(json, 'aws_kms_alias') };
}

describe('DataKey', () => {
  it('rotates the key (KMS1)', () => {
    expect(synthKey().key.enable_key_rotation).toBe(true);
  });

  it('waits 7 days before deletion unprotected, and 30 days with prevent_destroy when protected', () => {
    expect(synthKey().key).toMatchObject({ deletion_window_in_days: 7 });
    expect(synthKey().key.lifecycle).toBeUndefined();
    expect(synthKey({ protected: true }).key).toMatchObject({ deletion_window_in_days: 30, lifecycle: { prevent_destroy: true } });
  });

  const ROOT = expect.stringMatching(/^arn:\$\{data\.aws_partition\.\w+\.partition\}:iam::\$\{data\.aws_caller_identity\.\w+\.account_id\}:root$/);
  const DATA = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant'];

  it('lets IAM in this account administer the key, but not use it (KMS4: administration apart from use)', () => {
    const policy = parsePolicy(synthKey().key.policy);
    expect(statement(policy, 'KeyAdministrationThroughIam')).toEqual({ Sid: 'KeyAdministrationThroughIam', Effect: 'Allow', Principal: { AWS: ROOT }, NotAction: DATA, Resource: '*' });
  });

  it('allows data-key use only through S3 in the key’s Region, by principals of this account', () => {
    expect(statement(parsePolicy(synthKey().key.policy), 'KeyUseThroughS3')).toEqual({
      Sid: 'KeyUseThroughS3',
      Effect: 'Allow',
      Principal: { AWS: ROOT },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com', 'kms:CallerAccount': expect.stringMatching(/account_id\}$/) } },
    });
  });

  it('denies every principal data use outside S3 (so kms:* in an IAM policy or a grant cannot decrypt directly), with no Principal "*" Allow (KMS3)', () => {
    const policy = parsePolicy(synthKey().key.policy);
    expect(statement(policy, 'DenyKeyUseOutsideS3')).toEqual({
      Sid: 'DenyKeyUseOutsideS3',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: DATA,
      Resource: '*',
      Condition: { StringNotEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } },
    });
    expect(policy.Statement.filter((s: { Sid: string }) => s.Sid === 'BreakGlassDirectUse')).toEqual([]);
  });

  it('has exactly administration, use through S3 and the Deny without a break-glass role', () => {
    expect(parsePolicy(synthKey().key.policy).Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['KeyAdministrationThroughIam', 'KeyUseThroughS3', 'DenyKeyUseOutsideS3']);
  });

  it('exempts only the named break-glass role from the S3-only rule, and lets it use the key directly', () => {
    const role = 'arn:aws:iam::123456789012:role/incident-response';
    const policy = parsePolicy(synthKey({ breakGlassPrincipalArn: role }).key.policy);
    expect(statement(policy, 'BreakGlassDirectUse')).toEqual({ Sid: 'BreakGlassDirectUse', Effect: 'Allow', Principal: { AWS: role }, Action: DATA, Resource: '*' });
    expect(statement(policy, 'DenyKeyUseOutsideS3').Condition).toEqual({
      StringNotEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' },
      ArnNotEquals: { 'aws:PrincipalArn': role },
    });
  });

  it('rejects a break-glass principal that is not a role ARN, and a malformed Region', () => {
    expect(() => synthKey({ breakGlassPrincipalArn: 'arn:aws:iam::123456789012:root', region: 'EU' })).toThrow(/region must be an AWS Region code[\s\S]*breakGlassPrincipalArn must be an IAM role ARN/);
    expect(() => synthKey({ breakGlassPrincipalArn: '*' })).toThrow(/breakGlassPrincipalArn must be an IAM role ARN .*\(received "\*"\)/);
  });

  it('names the key with an alias', () => {
    expect(synthKey().alias).toMatchObject({ name: 'alias/up-dev-uploads', target_key_id: expect.stringMatching(/^\$\{aws_kms_key\.\w+\.key_id\}$/) });
  });

  it('names the account it is given instead of looking it up', () => {
    const json = synthModule((scope) => new DataKey(scope, 'DataKey', { aliasName: 'a', description: 'd', region: 'eu-central-1', accountId: '123456789012' }));
    expect(json.data?.aws_caller_identity).toBeUndefined();
    const policy = parsePolicy(onlyResource(json, 'aws_kms_key').policy);
    expect(statement(policy, 'KeyUseThroughS3').Principal.AWS).toMatch(/:iam::123456789012:root$/);
    expect(statement(policy, 'KeyUseThroughS3').Condition.StringEquals['kms:CallerAccount']).toBe('123456789012');
  });

  it('exposes the alias name with its alias/ prefix', () => {
    synthModule((scope) => {
      expect(new DataKey(scope, 'DataKey', { aliasName: 'up-dev-uploads', description: 'd', region: 'eu-central-1' }).aliasName).toBe('alias/up-dev-uploads');
    });
  });

  it('leaves an alias, a Region and a break-glass role that are unresolved tokens to Terraform', () => {
    const json = synthModule((scope) => {
      const v = (id: string) => new TerraformVariable(scope, id, { type: 'string' }).stringValue;
      new DataKey(scope, 'DataKey', { aliasName: v('Alias'), description: 'd', region: v('Region'), breakGlassPrincipalArn: v('Role') });
    });
    expect(onlyResource(json, 'aws_kms_alias').name).toBe('alias/${var.Alias}');
    expect(statement(parsePolicy(onlyResource(json, 'aws_kms_key').policy), 'BreakGlassDirectUse').Principal).toEqual({ AWS: '${var.Role}' });
  });

  describe('validation, at each limit and one past it', () => {
    const key = (props: Partial<DataKeyProps>) => () => synthKey(props);

    it('accepts a deletion window of 7 to 30 whole days, and refuses 6, 31 and fractions', () => {
      expect(synthKey({ deletionWindowInDays: 7 }).key.deletion_window_in_days).toBe(7);
      expect(synthKey({ deletionWindowInDays: 30 }).key.deletion_window_in_days).toBe(30);
      for (const bad of [6, 31, 7.5]) expect(key({ deletionWindowInDays: bad })).toThrow(`deletionWindowInDays must be an integer from 7 to 30 (received ${bad}).`);
    });

    it('requires exactly 30 days for a protected key', () => {
      expect(synthKey({ protected: true, deletionWindowInDays: 30 }).key.deletion_window_in_days).toBe(30);
      expect(key({ protected: true, deletionWindowInDays: 29 })).toThrow('deletionWindowInDays must be 30 for a protected key (received 29).');
    });

    it('accepts an alias of 1 and of 250 letters, digits and /_-, and refuses 251, other characters and the aws prefix', () => {
      expect(synthKey({ aliasName: 'a' }).alias.name).toBe('alias/a');
      expect(synthKey({ aliasName: `a${'/_-9Z'.repeat(49)}abcd` }).alias.name).toHaveLength(256);
      for (const bad of ['', 'a'.repeat(251), 'up.dev', 'up dev', 'aws', 'aws-uploads', 'awsx']) {
        expect(key({ aliasName: bad })).toThrow(`aliasName must be 1–250 characters of letters, digits, /_- and not start with "aws" (received ${JSON.stringify(bad)}).`);
      }
      expect(key({ aliasName: 'my-aws-key' })).not.toThrow();
    });

    it('accepts Region codes and refuses anything else', () => {
      for (const region of ['eu-central-1', 'us-gov-west-1', 'ap-southeast-4']) expect(key({ region })).not.toThrow();
      for (const bad of ['eu-central', 'eu-central-12', 'EU-central-1', 'eucentral-1', 'x-eu-central-1', 'eu-central-1 ', 'e-central-1']) {
        expect(key({ region: bad })).toThrow(`region must be an AWS Region code such as eu-central-1 (received ${JSON.stringify(bad)}).`);
      }
    });

    it('accepts a role ARN of the commercial, China and GovCloud partitions, with a path, and refuses users, roots, other partitions and short accounts', () => {
      for (const arn of ['arn:aws:iam::123456789012:role/ir', 'arn:aws-cn:iam::123456789012:role/ir', 'arn:aws-us-gov:iam::123456789012:role/team/ir+=,.@_-']) {
        expect(key({ breakGlassPrincipalArn: arn })).not.toThrow();
      }
      for (const bad of ['arn:aws:iam::123456789012:user/ir', 'arn:aws-xx:iam::123456789012:role/ir', 'arn:aws:iam::12345678901:role/ir', 'arn:aws:iam::123456789012:role/', 'arn:aws:iam::123456789012:role/a*', 'x:arn:aws:iam::123456789012:role/ir', 'arn:aws:iam::123456789012:role/ir ']) {
        expect(key({ breakGlassPrincipalArn: bad })).toThrow(`breakGlassPrincipalArn must be an IAM role ARN such as arn:aws:iam::123456789012:role/incident-response (received ${JSON.stringify(bad)}).`);
      }
    });

    it('reports every problem together, under the construct path', () => {
      expect(key({ deletionWindowInDays: 5, aliasName: '', region: 'x' })).toThrow(
        /^DataKey test\/DataKey:\n {2}- deletionWindowInDays must be an integer[^\n]*\n {2}- aliasName must be[^\n]*\n {2}- region must be[^\n]*$/,
      );
    });
  });

  it('rejects a short window when protected, and an alias in the aws namespace', () => {
    expect(() => synthKey({ protected: true, deletionWindowInDays: 7, aliasName: 'aws/s3' })).toThrow(
      /must be 30 for a protected key[\s\S]*not start with "aws"/,
    );
  });
});

describe('DataKey for DynamoDB and Secrets Manager (dataServices)', () => {
  const policyOf = (props: Partial<DataKeyProps>) =>
    parsePolicy(onlyResource(synthModule((scope) => new DataKey(scope, 'DataKey', { aliasName: 'up-dev-uploads', description: 'uploads', region: 'eu-central-1', ...props })), 'aws_kms_key').policy);

  it('lets the account use the key through DynamoDB and Secrets Manager in its Region, only where asked', () => {
    const policy = policyOf({ dataServices: ['secretsmanager', 'dynamodb'] });
    expect(statement(policy, 'KeyUseThroughDynamoDb')).toMatchObject({
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:DescribeKey'],
      Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-central-1.amazonaws.com' } },
    });
    expect(statement(policy, 'KeyUseThroughSecretsManager')).toMatchObject({
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-central-1.amazonaws.com' } },
    });
    expect(statement(policy, 'DynamoDbReadsKeyMetadata')).toEqual({
      Sid: 'DynamoDbReadsKeyMetadata',
      Effect: 'Allow',
      Principal: { Service: 'dynamodb.amazonaws.com' },
      Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
      Resource: '*',
    });
    expect(policyOf({}).Statement.map((s: any) => s.Sid)).toEqual(['KeyAdministrationThroughIam', 'KeyUseThroughS3', 'DenyKeyUseOutsideS3']);
  });

  it('still denies every direct use: the confining Deny names S3 and exactly the services asked for', () => {
    expect(statement(policyOf({ dataServices: ['dynamodb'] }), 'DenyKeyUseOutsideS3').Condition).toEqual({
      StringNotEquals: { 'kms:ViaService': ['s3.eu-central-1.amazonaws.com', 'dynamodb.eu-central-1.amazonaws.com'] },
    });
    expect(statement(policyOf({}), 'DenyKeyUseOutsideS3').Condition).toEqual({ StringNotEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } });
  });

  it('refuses an unknown service', () => {
    expect(() => policyOf({ dataServices: ['ec2' as never] })).toThrow(/dataServices has "ec2"; allowed: dynamodb, secretsmanager/);
  });
});

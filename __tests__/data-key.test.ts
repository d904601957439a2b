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

  it('rejects a short window when protected, and an alias in the aws namespace', () => {
    expect(() => synthKey({ protected: true, deletionWindowInDays: 7, aliasName: 'aws/s3' })).toThrow(
      /must be 30 for a protected key[\s\S]*not start with "aws"/,
    );
  });
});

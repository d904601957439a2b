import { DataKey, DataKeyProps } from '../modules/data-key';
import { onlyResource, parsePolicy, synthModule } from './helpers/module-stack';

function synthKey(props: Partial<DataKeyProps> = {}) {
  const json = synthModule((scope) => new DataKey(scope, 'DataKey', { aliasName: 'up-dev-uploads', description: 'uploads', ...props }));
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

  it('keeps IAM delegation to this account and has no Principal "*" (KMS3)', () => {
    const policy = parsePolicy(synthKey().key.policy);
    expect(policy.Statement).toEqual([
      {
        Sid: 'EnableIamPoliciesOfThisAccount',
        Effect: 'Allow',
        Principal: { AWS: expect.stringMatching(/^arn:\$\{data\.aws_partition\.\w+\.partition\}:iam::\$\{data\.aws_caller_identity\.\w+\.account_id\}:root$/) },
        Action: 'kms:*',
        Resource: '*',
      },
    ]);
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

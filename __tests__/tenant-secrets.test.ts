import { TenantSecrets, TenantSecretsProps } from '../modules/tenant-secrets';
import { resources, synthModule } from './helpers/module-stack';

const KEY = 'arn:aws:kms:eu-central-1:111111111111:key/00000000-0000-4000-8000-000000000001';

function synthSecrets(props: Partial<TenantSecretsProps> = {}) {
  let construct: TenantSecrets | undefined;
  const json = synthModule((scope) => {
    construct = new TenantSecrets(scope, 'TenantSecrets', { namePrefix: 'up-dev/tenant/', tenantIds: ['acme', 'globex'], tenantTagKey: 'customerName', kmsKeyArn: KEY, ...props });
  });
  return { json, construct: construct!, secrets: resources(json, 'aws_secretsmanager_secret') };
}

describe('TenantSecrets', () => {
  it('creates one secret per tenant, keyed by tenant id, named <prefix><tenant>/secret and tagged with the tenant', () => {
    const { secrets } = synthSecrets();
    expect(secrets.map(([name, s]) => [name.replace(/_[0-9A-F]{8}$/, ''), s.name, s.tags])).toEqual([
      ['TenantSecrets_Secret-acme', 'up-dev/tenant/acme/secret', { customerName: 'acme' }],
      ['TenantSecrets_Secret-globex', 'up-dev/tenant/globex/secret', { customerName: 'globex' }],
    ]);
  });

  it('keeps a tenant’s address when another tenant is added in front of it', () => {
    const before = synthSecrets().secrets.map(([name]) => name);
    const after = synthSecrets({ tenantIds: ['aaa', 'acme', 'globex'] }).secrets.map(([name]) => name);
    expect(after.filter((name) => !name.includes('Secret-aaa_'))).toEqual(before);
  });

  it('encrypts with the given key and keeps a 30-day recovery window by default', () => {
    for (const [, secret] of synthSecrets().secrets) expect(secret).toMatchObject({ kms_key_id: KEY, recovery_window_in_days: 30 });
    for (const [, secret] of synthSecrets({ recoveryWindowInDays: 7 }).secrets) expect(secret.recovery_window_in_days).toBe(7);
  });

  it('creates only the containers: no secret version, so no value in the plan or the state', () => {
    const { json } = synthSecrets();
    expect(resources(json, 'aws_secretsmanager_secret_version')).toEqual([]);
    for (const [, secret] of resources(json, 'aws_secretsmanager_secret')) {
      expect(Object.keys(secret).filter((k) => /secret_string|secret_binary|value/.test(k))).toEqual([]);
    }
  });

  it('adds prevent_destroy only when protected (ST2)', () => {
    for (const [, secret] of synthSecrets().secrets) expect(secret.lifecycle).toBeUndefined();
    for (const [, secret] of synthSecrets({ protected: true }).secrets) expect(secret.lifecycle).toEqual({ prevent_destroy: true });
  });

  it('exposes each tenant’s secret ARN', () => {
    const { construct } = synthSecrets();
    expect([...construct.secretArns.keys()]).toEqual(['acme', 'globex']);
  });

  it('reports every bad prop at once: a window outside 7–30 (0 would delete without recovery), a prefix without "/", a bad or duplicate tenant id', () => {
    expect(() => synthSecrets({ recoveryWindowInDays: 0, namePrefix: 'up-dev', tenantIds: ['acme', 'Acme Corp', 'acme'] })).toThrow(
      /recoveryWindowInDays must be a whole number of days from 7 to 30 \(received 0\)[\s\S]*namePrefix must be[\s\S]*tenantIds\[1\] must match[\s\S]*tenantIds\[2\] "acme" is listed twice/,
    );
  });

  it('gives every secret the data perimeter as its policy when dataAccessPrincipalArns is set (GetSecretValue only), and refuses an empty list', () => {
    const perimeter = ['arn:aws:iam::111111111111:role/up-dev-authenticated'];
    const { json } = synthSecrets({ dataAccessPrincipalArns: perimeter });
    const policies = resources(json, 'aws_secretsmanager_secret_policy').map(([, config]) => config) as any[];
    expect(policies).toHaveLength(2);
    const secretRefs = Object.keys((json as any).resource.aws_secretsmanager_secret).map((name) => `\${aws_secretsmanager_secret.${name}.arn}`);
    expect(policies.map((p) => p.secret_arn).sort()).toEqual(secretRefs.sort());
    for (const policy of policies) {
      expect(policy.block_public_policy).toBe(true);
      expect(JSON.parse(policy.policy).Statement).toEqual([
        { Sid: 'DenySecretValueToOtherPrincipals', Effect: 'Deny', Principal: '*', Action: ['secretsmanager:GetSecretValue'], Resource: '*', Condition: { ArnNotLike: { 'aws:PrincipalArn': perimeter } } },
      ]);
    }
    expect(resources(synthSecrets().json, 'aws_secretsmanager_secret_policy')).toHaveLength(0);
    expect(() => synthSecrets({ dataAccessPrincipalArns: [] })).toThrow(/dataAccessPrincipalArns must name at least one principal/);
  });
});

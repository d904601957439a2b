import { resources, StackJson } from './helpers/module-stack';
import { repositoryEnvironments, synthEnvironment, synthLoaded } from './helpers/synth';

const NAMES = repositoryEnvironments().map((env) => env.name);
/** Data-bearing resources: losing one loses customer data, every user, or every identity id. */
const DATA_BEARING = ['aws_s3_bucket', 'aws_cognito_user_pool', 'aws_kms_key', 'aws_cognito_identity_pool'];

/** Every string in the JSON, however deep. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

describe.each(NAMES)('environment %s', (name) => {
  const stack = (): StackJson => synthEnvironment(name);
  const config = () => repositoryEnvironments().find((env) => env.name === name)!.config;

  it('matches the reviewed snapshot', () => {
    expect(stack()).toMatchSnapshot();
  });

  it('escapes every IAM variable for Terraform: no unescaped ${aws: or ${cognito-identity remains', () => {
    const all = strings(stack());
    expect(all.filter((s) => /(?<!\$)\$\{(aws:|cognito-identity|\*|\?|\$)/.test(s))).toEqual([]);
    expect(all.some((s) => s.includes('$${aws:PrincipalTag/customerName}'))).toBe(true);
    expect(all.some((s) => s.includes('$${cognito-identity.amazonaws.com:sub}'))).toBe(true);
  });

  it('deploys to the configured Region with one provider', () => {
    expect((stack().provider!.aws as any[]).map((p) => p.region)).toEqual([config().region]);
  });

  it('outputs what a front end needs, in snake_case', () => {
    const outputs = Object.keys(stack().output ?? {});
    expect(outputs.every((o) => /^[a-z][a-z0-9_]*$/.test(o))).toBe(true);
    expect(outputs).toEqual(
      expect.arrayContaining([
        'region',
        'user_pool_id',
        'user_pool_native_client_id',
        'user_pool_federated_client_id',
        'hosted_ui_domain',
        'identity_pool_id',
        'upload_bucket_name',
        'data_key_arn',
        'authenticated_role_arn',
      ]),
    );
  });

  it('creates one SAML provider per SAML tenant, keyed by tenant id', () => {
    const samlTenants = config().tenants.filter((t) => t.saml).map((t) => t.id);
    const providers = resources(stack(), 'aws_cognito_identity_provider').map(([, p]) => p.provider_name);
    expect(providers.sort()).toEqual(samlTenants.sort());
  });

  it('keeps the state local unless a remote backend is configured', () => {
    expect(stack().terraform!.backend).toEqual({ local: { path: `../../../terraform.${name}.tfstate` } });
  });

  it(`guards data-bearing resources as the protected flag says`, () => {
    for (const type of DATA_BEARING) {
      for (const [, resource] of resources(stack(), type)) {
        expect(resource.lifecycle?.prevent_destroy ?? false).toBe(config().protected);
      }
    }
    expect(resources(stack(), 'aws_s3_bucket')[0][1].force_destroy).toBe(false);
  });
});

describe('protected environments', () => {
  it('prod is protected: deletion protection, prevent_destroy and a 30-day key deletion window', () => {
    const prod = synthEnvironment('prod');
    expect(resources(prod, 'aws_cognito_user_pool')[0][1].deletion_protection).toBe('ACTIVE');
    expect(resources(prod, 'aws_kms_key')[0][1].deletion_window_in_days).toBe(30);
    expect(resources(synthEnvironment('dev'), 'aws_kms_key')[0][1].deletion_window_in_days).toBe(7);
  });
});

describe('remote state', () => {
  it('writes an S3 backend with encryption and S3-native locking when configured', () => {
    const dev = repositoryEnvironments().find((env) => env.name === 'dev')!;
    const backend = { bucket: 'state-bucket', key: 'uploads/dev.tfstate', region: 'eu-central-1', encrypt: true as const, useLockfile: true as const };
    const stack = synthLoaded({ ...dev, config: { ...dev.config, backend } });
    expect(stack.terraform!.backend).toEqual({
      s3: { bucket: 'state-bucket', key: 'uploads/dev.tfstate', region: 'eu-central-1', encrypt: true, use_lockfile: true },
    });
  });
});

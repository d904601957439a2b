import { TenantUserPool, TenantUserPoolProps } from '../modules/tenant-user-pool';
import { onlyResource, resources, synthModule } from './helpers/module-stack';

const base: TenantUserPoolProps = { userPoolName: 'up-dev-users', domainPrefix: 'up-dev' };

function synthPool(props: Partial<TenantUserPoolProps> = {}, federated = false) {
  const json = synthModule((scope) => {
    const pool = new TenantUserPool(scope, 'UserPool', { ...base, ...props });
    if (federated) {
      pool.addFederatedClient({
        identityProviders: ['globex'],
        mappedAttributes: ['email'],
        callbackUrls: ['https://app.example.com/cb'],
        logoutUrls: ['https://app.example.com/'],
      });
    }
  });
  const clients = Object.fromEntries(resources(json, 'aws_cognito_user_pool_client').map(([, c]) => [c.name, c]));
  return { pool: onlyResource(json, 'aws_cognito_user_pool'), domain: onlyResource(json, 'aws_cognito_user_pool_domain'), clients };
}

describe('TenantUserPool', () => {
  it('declares the tenant attribute as a bounded String, immutable unless a legacy pool created it mutable', () => {
    expect(synthPool().pool.schema).toEqual([
      {
        name: 'customerName',
        attribute_data_type: 'String',
        developer_only_attribute: false,
        mutable: false,
        required: false,
        string_attribute_constraints: { min_length: '1', max_length: '63' },
      },
    ]);
    expect(synthPool({ legacyMutableTenantAttribute: true, tenantAttribute: 'tenant' }).pool.schema[0]).toMatchObject({ name: 'tenant', mutable: true });
  });

  it('runs the pre-token-generation trigger it is given, with the V1_0 event, and none otherwise', () => {
    const arn = 'arn:aws:lambda:eu-central-1:111111111111:function:up-dev-tenant-claim';
    expect(synthPool({ preTokenGenerationLambdaArn: arn }).pool.lambda_config).toEqual({ pre_token_generation_config: { lambda_arn: arn, lambda_version: 'V1_0' } });
    expect(synthPool().pool.lambda_config).toBeUndefined();
  });

  it('signs users in by e-mail, verifies it, and recovers accounts through it', () => {
    const { pool } = synthPool();
    expect(pool.username_attributes).toEqual(['email']);
    expect(pool.auto_verified_attributes).toEqual(['email']);
    expect(pool.username_configuration).toEqual({ case_sensitive: false });
    expect(pool.account_recovery_setting).toEqual({ recovery_mechanism: [{ name: 'verified_email', priority: 1 }] });
    expect(pool.admin_create_user_config).toEqual({ allow_admin_create_user_only: true });
  });

  it('requires passwords of every character class and short-lived temporary passwords (UP5)', () => {
    const policy = synthPool().pool.password_policy;
    expect(policy.minimum_length).toBeGreaterThanOrEqual(8);
    expect(policy).toMatchObject({ require_lowercase: true, require_uppercase: true, require_numbers: true, require_symbols: true });
    expect(policy.temporary_password_validity_days).toBeLessThanOrEqual(7);
  });

  it('offers optional TOTP MFA by default, and none when switched off', () => {
    expect(synthPool().pool).toMatchObject({ mfa_configuration: 'OPTIONAL', software_token_mfa_configuration: { enabled: true } });
    const off = synthPool({ mfa: 'OFF' }).pool;
    expect(off.mfa_configuration).toBe('OFF');
    expect(off.software_token_mfa_configuration).toBeUndefined();
  });

  it('protects the pool from deletion when protected', () => {
    expect(synthPool().pool.deletion_protection).toBe('INACTIVE');
    expect(synthPool().pool.lifecycle).toBeUndefined();
    const prod = synthPool({ protected: true }).pool;
    expect(prod.deletion_protection).toBe('ACTIVE');
    expect(prod.lifecycle).toEqual({ prevent_destroy: true });
  });

  it('creates the hosted-UI domain', () => {
    expect(synthPool().domain.domain).toBe('up-dev');
  });

  it('gives the native client SRP sign-in and no way to write the tenant attribute (UP1)', () => {
    const native = synthPool().clients.native;
    expect(native.explicit_auth_flows).toEqual(['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
    expect(native.supported_identity_providers).toEqual(['COGNITO']);
    expect(native.write_attributes).toEqual(['email']);
    expect(native.read_attributes).toContain('custom:customerName');
  });

  it('gives the federated client the code flow, OIDC scopes only, the IdPs only, and exactly the mapped attributes (e-mail, never the tenant)', () => {
    const federated = synthPool({}, true).clients.federated;
    expect(federated).toMatchObject({
      allowed_oauth_flows_user_pool_client: true,
      allowed_oauth_flows: ['code'],
      allowed_oauth_scopes: ['openid', 'email', 'profile'],
      supported_identity_providers: ['globex'],
      write_attributes: ['email'],
      explicit_auth_flows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      callback_urls: ['https://app.example.com/cb'],
      logout_urls: ['https://app.example.com/'],
    });
    expect(federated.allowed_oauth_scopes).not.toContain('aws.cognito.signin.user.admin');
  });

  it('gives federated users 12-hour refresh tokens by default, so a user disabled at the IdP is out within a working day', () => {
    const federated = synthPool({}, true).clients.federated;
    expect(federated).toMatchObject({ refresh_token_validity: 12, token_validity_units: [{ id_token: 'minutes', access_token: 'minutes', refresh_token: 'hours' }] });
  });

  it('refuses a federated client that could write the tenant attribute, or a refresh-token lifetime out of Cognito’s bounds', () => {
    const federated = (options: { mappedAttributes?: string[]; refreshTokenValidityHours?: number }) => () =>
      synthModule((scope) =>
        new TenantUserPool(scope, 'P', base).addFederatedClient({
          identityProviders: ['globex'],
          mappedAttributes: options.mappedAttributes ?? ['email'],
          callbackUrls: ['https://a.example.com'],
          logoutUrls: ['https://a.example.com'],
          refreshTokenValidityHours: options.refreshTokenValidityHours,
        }),
      );
    expect(federated({ mappedAttributes: ['email', 'custom:customerName'] })).toThrow(/mappedAttributes must not include custom:customerName/);
    expect(federated({ refreshTokenValidityHours: 0 })).toThrow(/refreshTokenValidityHours must be a whole number from 1 to 87600 \(received 0\)/);
    expect(federated({ refreshTokenValidityHours: 87601 })).toThrow(/received 87601/);
    expect(federated({ refreshTokenValidityHours: 1 })).not.toThrow();
    expect(federated({ refreshTokenValidityHours: 87600 })).not.toThrow();
  });

  it.each(['native', 'federated'])('applies token hygiene to the %s client (UP6)', (name) => {
    expect(synthPool({}, true).clients[name]).toMatchObject({
      generate_secret: false,
      prevent_user_existence_errors: 'ENABLED',
      enable_token_revocation: true,
      id_token_validity: 60,
      access_token_validity: 60,
    });
    expect(synthPool({}, true).clients[name].token_validity_units).toEqual([{ id_token: 'minutes', access_token: 'minutes', refresh_token: name === 'native' ? 'days' : 'hours' }]);
    expect(synthPool({}, true).clients[name].explicit_auth_flows).not.toContain('ALLOW_USER_PASSWORD_AUTH');
  });

  it('rejects a domain prefix Cognito refuses, and a bad attribute name, before creating anything', () => {
    expect(() => synthPool({ domainPrefix: 'my-cognito-app', tenantAttribute: 'customer name' })).toThrow(
      /tenantAttribute must be 1–20[\s\S]*domainPrefix must not contain "cognito"/,
    );
  });

  it('refuses a federated client that would allow native sign-in', () => {
    expect(() =>
      synthModule((scope) =>
        new TenantUserPool(scope, 'P', base).addFederatedClient({
          identityProviders: ['COGNITO'],
          mappedAttributes: [],
          callbackUrls: ['https://a.example.com'],
          logoutUrls: ['https://a.example.com'],
        }),
      ),
    ).toThrow(/must not include COGNITO/);
  });
});

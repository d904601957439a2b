import { TerraformVariable } from 'cdktf';
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
    expect(pool.user_attribute_update_settings).toEqual({ attributes_require_verification_before_update: ['email'] });
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

  describe('validation, at each limit and one past it', () => {
    const pool = (props: Partial<TenantUserPoolProps>) => () => synthPool(props);

    it('accepts a tenant attribute name of 1 and of 20 letters, digits or _ starting with a letter, and refuses the rest', () => {
      expect(synthPool({ tenantAttribute: 'a' }).pool.schema[0].name).toBe('a');
      expect(synthPool({ tenantAttribute: `T${'a_1'.repeat(6)}x` }).pool.schema[0].name).toBe('Ta_1a_1a_1a_1a_1a_1x');
      for (const bad of ['', 'a'.repeat(21), '1tenant', '_tenant', 'tenant-id', 'tenant:id', 'tenänt']) {
        expect(pool({ tenantAttribute: bad })).toThrow(`tenantAttribute must be 1–20 letters, digits or _ (received ${JSON.stringify(bad)}).`);
      }
    });

    it('bounds the tenant attribute at 1 to 256 characters (a session-tag value), whole numbers only', () => {
      expect(synthPool({ tenantAttributeMaxLength: 1 }).pool.schema[0].string_attribute_constraints).toEqual({ min_length: '1', max_length: '1' });
      expect(synthPool({ tenantAttributeMaxLength: 256 }).pool.schema[0].string_attribute_constraints).toEqual({ min_length: '1', max_length: '256' });
      for (const bad of [0, 257, 63.5, Number.NaN]) {
        expect(pool({ tenantAttributeMaxLength: bad })).toThrow(`tenantAttributeMaxLength must be an integer from 1 to 256 (received ${bad}).`);
      }
    });

    it('accepts a domain prefix of 1 and of 63 lowercase letters, digits and inner hyphens, and refuses the rest', () => {
      expect(synthPool({ domainPrefix: 'x' }).domain.domain).toBe('x');
      const longest = `a${'-1'.repeat(31)}`;
      expect(longest).toHaveLength(63);
      expect(synthPool({ domainPrefix: longest }).domain.domain).toBe(longest);
      for (const bad of ['', 'x'.repeat(64), '-up', 'up-', 'Up-dev', 'up_dev', 'up.dev', 'up dev']) {
        expect(pool({ domainPrefix: bad })).toThrow(`domainPrefix must be 1–63 lowercase letters, digits and inner hyphens (received ${JSON.stringify(bad)}).`);
      }
    });

    it('refuses a domain prefix containing aws, amazon or cognito anywhere, naming each', () => {
      for (const word of ['aws', 'amazon', 'cognito']) {
        for (const prefix of [word, `${word}-up`, `up-${word}`, `x${word}x`]) {
          expect(pool({ domainPrefix: prefix })).toThrow(`domainPrefix must not contain "${word}" (received "${prefix}").`);
        }
      }
      expect(pool({ domainPrefix: 'amazon-cognito' })).toThrow('domainPrefix must not contain "amazon", "cognito" (received "amazon-cognito").');
      expect(() => synthPool({ domainPrefix: 'aw-amaz-cog' })).not.toThrow();
    });

    it('reports every problem of the pool together', () => {
      expect(pool({ tenantAttribute: '1', tenantAttributeMaxLength: 0, domainPrefix: 'AWS' })).toThrow(
        /^TenantUserPool test\/UserPool:\n {2}- tenantAttribute must be[^\n]*\n {2}- tenantAttributeMaxLength must be[^\n]*\n {2}- domainPrefix must be 1–63[^\n]*$/,
      );
    });
  });

  describe('the federated client’s arguments', () => {
    const options = { identityProviders: ['globex'], mappedAttributes: ['email'], callbackUrls: ['https://a.example.com/cb'], logoutUrls: ['https://a.example.com/'] };
    const federated = (overrides: Record<string, unknown>, props: Partial<TenantUserPoolProps> = {}) => () =>
      synthModule((scope) => new TenantUserPool(scope, 'P', { ...base, ...props }).addFederatedClient({ ...options, ...overrides }));

    it('refuses no provider, no callback URL and no logout URL, all together', () => {
      expect(federated({ identityProviders: [], callbackUrls: [], logoutUrls: [] })).toThrow(
        'TenantUserPool test/P federated client:\n  - identityProviders must name at least one provider.\n  - callbackUrls must list at least one URL.\n  - logoutUrls must list at least one URL.',
      );
    });

    it('refuses COGNITO among other providers too', () => {
      expect(federated({ identityProviders: ['globex', 'COGNITO'] })).toThrow(/identityProviders must not include COGNITO/);
    });

    it('refuses a second federated client', () => {
      expect(() =>
        synthModule((scope) => {
          const pool = new TenantUserPool(scope, 'P', base);
          pool.addFederatedClient(options);
          pool.addFederatedClient(options);
        }),
      ).toThrow(/a federated client exists already/);
    });

    it('refuses a refresh-token lifetime that is not a whole number of hours', () => {
      expect(federated({ refreshTokenValidityHours: 1.5 })).toThrow(/refreshTokenValidityHours must be a whole number from 1 to 87600 \(received 1.5\)/);
    });

    it('refuses the tenant claim of a renamed tenant attribute', () => {
      expect(federated({ mappedAttributes: ['custom:tenant'] }, { tenantAttribute: 'tenant' })).toThrow(/mappedAttributes must not include custom:tenant/);
      expect(federated({ mappedAttributes: ['custom:customerName'] }, { tenantAttribute: 'tenant' })).not.toThrow();
    });

    it('lets the client write exactly the mapped attributes (each once, sorted) and read them beside e-mail and the tenant claim', () => {
      const json = synthModule((scope) => {
        const pool = new TenantUserPool(scope, 'P', base);
        expect(pool.federatedClient).toBeUndefined();
        const client = pool.addFederatedClient({ ...options, mappedAttributes: ['name', 'email', 'name'] });
        expect(pool.federatedClient).toBe(client);
      });
      const client = resources(json, 'aws_cognito_user_pool_client').find(([, c]) => c.name === 'federated')![1];
      expect(client.write_attributes).toEqual(['email', 'name']);
      expect(client.read_attributes).toEqual(['custom:customerName', 'email', 'email_verified', 'name']);
    });

    it('waits for the resources it is given (the identity providers)', () => {
      const json = synthModule((scope) => {
        const pool = new TenantUserPool(scope, 'P', base);
        const other = new TenantUserPool(scope, 'Q', { ...base, domainPrefix: 'other' });
        pool.addFederatedClient({ ...options, dependsOn: [other.userPool] });
      });
      const client = resources(json, 'aws_cognito_user_pool_client').find(([, c]) => c.name === 'federated')![1];
      expect(client.depends_on).toEqual([expect.stringMatching(/^aws_cognito_user_pool\.Q_UserPool_/)]);
    });
  });

  it('names the tenant claim after the attribute, and lets the native client read it and the e-mail', () => {
    const { clients } = synthPool({ tenantAttribute: 'tenant' });
    expect(clients.native.read_attributes).toEqual(['email', 'email_verified', 'custom:tenant']);
  });

  it('offers TOTP MFA when MFA is required', () => {
    expect(synthPool({ mfa: 'ON' }).pool).toMatchObject({ mfa_configuration: 'ON', software_token_mfa_configuration: { enabled: true } });
  });

  it('gives native users 30-day refresh tokens', () => {
    expect(synthPool().clients.native).toMatchObject({ refresh_token_validity: 30, name: 'native' });
  });

  it('leaves a domain prefix that is an unresolved token to Terraform', () => {
    const json = synthModule((scope) => {
      const prefix = new TerraformVariable(scope, 'Prefix', { type: 'string' }).stringValue;
      new TenantUserPool(scope, 'P', { ...base, domainPrefix: prefix });
    });
    expect(onlyResource(json, 'aws_cognito_user_pool_domain').domain).toBe('${var.Prefix}');
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

import { validateEnvironment } from '../modules/environment-config';
import { ruleContextFor, runRules } from '../modules/security-rules';
import { SecretSource, secretSourceFromConfig, SocialIdentityProviders, socialIdentityProviderProblems } from '../modules/social-sign-in';
import { generatedConfig, removeGeneratedEnvironments, writeGeneratedEnvironments } from './helpers/generated-environment';
import { onlyResource, resources, StackJson, synthModule } from './helpers/module-stack';
import { synthLoaded } from './helpers/synth';

afterAll(removeGeneratedEnvironments);

const GOOGLE = { clientId: '1234-abc.apps.googleusercontent.com', clientSecret: { ssmParameter: '/uploads/test/google-client-secret' } };
const APPLE = { servicesId: 'com.example.uploads.signin', teamId: 'A1B2C3D4E5', keyId: 'K1L2M3N4O5', privateKey: { secretsManagerSecret: 'uploads/test/apple', jsonKey: 'privateKey' } };
/** A secret value that must never appear in any synthesized JSON. */
const SECRET_MARKERS = ['GOCSPX', 'BEGIN PRIVATE KEY'];

/** The problems of an environment config given as an object, one string. */
function problemsOf(config: Record<string, unknown>): string {
  return validateEnvironment('test', config, { source: 'environments/test/config.json' }).problems.join('\n');
}

describe('social sign-in: environment config', () => {
  const base = (extra: Record<string, unknown>) => ({ ...generatedConfig('test'), ...extra });

  it('accepts Google and Apple with secrets by reference when the environment serves tenant-less users', () => {
    expect(problemsOf(base({ tenantlessUsers: true, socialSignIn: { google: GOOGLE, apple: APPLE } }))).toBe('');
    expect(problemsOf(base({ tenantlessUsers: true, socialSignIn: { google: { ...GOOGLE, clientSecret: { terraformVariable: 'google_client_secret' } } } }))).toBe('');
  });

  it('requires tenantlessUsers: a social user belongs to no tenant', () => {
    for (const tenantless of [undefined, false]) {
      expect(problemsOf(base({ ...(tenantless === undefined ? {} : { tenantlessUsers: tenantless }), socialSignIn: { google: GOOGLE } }))).toContain(
        `environments/test/config.json: tenantlessUsers must be true when socialSignIn is set: a Google or Apple user belongs to no tenant (social sign-in never grants one), so without tenant-less users every social sign-in would be refused (received ${tenantless ?? false}).`,
      );
    }
  });

  it('refuses a socialSignIn that enables no provider', () => {
    expect(problemsOf(base({ tenantlessUsers: true, socialSignIn: {} }))).toMatch(/socialSignIn enables no provider: add "google", "apple" or both/);
  });

  it('refuses a secret written into the config, or a reference that names none or several sources', () => {
    expect(problemsOf(base({ tenantlessUsers: true, socialSignIn: { google: { ...GOOGLE, clientSecret: 'GOCSPX-abc' } } }))).toMatch(/socialSignIn\.google\.clientSecret must be an object/);
    expect(problemsOf(base({ tenantlessUsers: true, socialSignIn: { google: { ...GOOGLE, clientSecret: { value: 'GOCSPX-abc' } } } }))).toMatch(
      /socialSignIn\.google\.clientSecret\.value is not a known key \(a typo\?\); allowed keys here: ssmParameter, secretsManagerSecret, jsonKey, terraformVariable/,
    );
    expect(problemsOf(base({ tenantlessUsers: true, socialSignIn: { google: { ...GOOGLE, clientSecret: {} } } }))).toMatch(/clientSecret must name exactly one of ssmParameter, secretsManagerSecret or terraformVariable \(found none\)/);
    expect(problemsOf(base({ tenantlessUsers: true, socialSignIn: { google: { ...GOOGLE, clientSecret: { ssmParameter: '/a', terraformVariable: 'b' } } } }))).toMatch(
      /found ssmParameter and terraformVariable/,
    );
    expect(problemsOf(base({ tenantlessUsers: true, socialSignIn: { google: { ...GOOGLE, clientSecret: { ssmParameter: '/a', jsonKey: 'k' } } } }))).toMatch(/clientSecret\.jsonKey is only read with secretsManagerSecret/);
  });

  it('names the field, the value and the rule for malformed ids and names', () => {
    const message = problemsOf(
      base({
        tenantlessUsers: true,
        socialSignIn: {
          google: { clientId: 'has spaces', clientSecret: { ssmParameter: 'no spaces allowed' } },
          apple: { ...APPLE, teamId: 'abc', keyId: 'K1L2M3N4O5X', privateKey: { secretsManagerSecret: 'x', jsonKey: 'private-key' } },
        },
      }),
    );
    expect(message).toMatch(/socialSignIn\.google\.clientId must be the OAuth client id.*\(received "has spaces"\)/);
    expect(message).toMatch(/socialSignIn\.google\.clientSecret\.ssmParameter must be an SSM parameter name.*\(received "no spaces allowed"\)/);
    expect(message).toMatch(/socialSignIn\.apple\.teamId must be the 10-character Apple team id \(received "abc"\)/);
    expect(message).toMatch(/socialSignIn\.apple\.keyId must be the 10-character id .*\(received "K1L2M3N4O5X"\)/);
    expect(message).toMatch(/socialSignIn\.apple\.privateKey\.jsonKey must be a key such as privateKey .*\(received "private-key"\)/);
  });
});

describe('SocialIdentityProviders', () => {
  const POOL = 'eu-central-1_EXAMPLE';
  function build(props: Omit<ConstructorParameters<typeof SocialIdentityProviders>[2], 'userPoolId'>): { json: StackJson; providers: SocialIdentityProviders } {
    let providers!: SocialIdentityProviders;
    const json = synthModule((scope) => {
      providers = new SocialIdentityProviders(scope, 'SocialSignIn', { userPoolId: POOL, ...props });
    });
    return { json, providers };
  }

  it('creates Google with its client secret from an SSM parameter read with decryption, mapping e-mail and email_verified only', () => {
    const { json, providers } = build({ google: { clientId: GOOGLE.clientId, clientSecret: SecretSource.fromSsmParameter('/uploads/test/google') } });
    const google = onlyResource(json, 'aws_cognito_identity_provider');
    expect(google).toMatchObject({ provider_name: 'Google', provider_type: 'Google', user_pool_id: POOL });
    expect(google.provider_details).toEqual({ client_id: GOOGLE.clientId, client_secret: expect.stringMatching(/^\$\{data\.aws_ssm_parameter\.SocialSignIn_GoogleClientSecret_[0-9A-F]+\.value\}$/), authorize_scopes: 'openid email' });
    expect(google.attribute_mapping).toEqual({ email: 'email', email_verified: 'email_verified', username: 'sub' });
    expect(Object.values(json.data!.aws_ssm_parameter!)).toEqual([expect.objectContaining({ name: '/uploads/test/google', with_decryption: true })]);
    expect(providers.providerNames).toEqual(['Google']);
    expect(providers.mappedAttributes).toEqual(['email', 'email_verified']);
  });

  it('creates Apple with its private key from a key of a Secrets Manager secret', () => {
    const { json } = build({ apple: { ...APPLE, privateKey: SecretSource.fromSecretsManager('uploads/test/apple', 'privateKey') } });
    const apple = onlyResource(json, 'aws_cognito_identity_provider');
    expect(apple).toMatchObject({ provider_name: 'SignInWithApple', provider_type: 'SignInWithApple' });
    expect(apple.provider_details).toEqual({
      client_id: APPLE.servicesId,
      team_id: APPLE.teamId,
      key_id: APPLE.keyId,
      private_key: expect.stringMatching(/^\$\{jsondecode\(data\.aws_secretsmanager_secret_version\.SocialSignIn_ApplePrivateKey_[0-9A-F]+\.secret_string\)\.privateKey\}$/),
      authorize_scopes: 'email',
    });
    expect(Object.values(json.data!.aws_secretsmanager_secret_version!)).toEqual([expect.objectContaining({ secret_id: 'uploads/test/apple' })]);
  });

  it('reads a secret from a sensitive Terraform variable named as configured (TF_VAR_<name>), with no default', () => {
    const { json } = build({ google: { clientId: GOOGLE.clientId, clientSecret: SecretSource.fromTerraformVariable('google_client_secret') } });
    expect(onlyResource(json, 'aws_cognito_identity_provider').provider_details.client_secret).toBe('${var.google_client_secret}');
    const variable = (json as any).variable.google_client_secret;
    expect(variable).toMatchObject({ type: 'string', sensitive: true, nullable: false });
    expect(variable).not.toHaveProperty('default');
  });

  it('builds the source a config entry names', () => {
    expect(secretSourceFromConfig({ ssmParameter: '/a' }, 'x').description).toBe('SSM parameter /a');
    expect(secretSourceFromConfig({ secretsManagerSecret: 's', jsonKey: 'k' }, 'x').description).toBe('Secrets Manager secret s (key k)');
    expect(secretSourceFromConfig({ terraformVariable: 'v' }, 'x').description).toBe('sensitive Terraform variable v');
    expect(() => secretSourceFromConfig({}, 'socialSignIn.google.clientSecret')).toThrow('socialSignIn.google.clientSecret must name exactly one of ssmParameter, secretsManagerSecret or terraformVariable.');
    expect(() => secretSourceFromConfig({ ssmParameter: '/a', terraformVariable: 'v' }, 'x')).toThrow(/exactly one/);
  });

  it('reports every problem at once, before creating anything', () => {
    expect(socialIdentityProviderProblems({})).toEqual(['enable google, apple or both: with neither there is nothing to create.']);
    const problems = socialIdentityProviderProblems({
      google: { clientId: 'a b', clientSecret: SecretSource.fromSsmParameter('bad name') },
      apple: { servicesId: '-x', teamId: 'short', keyId: 'lower12345', privateKey: SecretSource.fromTerraformVariable('Bad-Name') },
    });
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/google\.clientId[\s\S]*google\.clientSecret: SSM parameter name[\s\S]*apple\.servicesId[\s\S]*apple\.teamId[\s\S]*apple\.keyId[\s\S]*apple\.privateKey: Terraform variable name/);
    expect(socialIdentityProviderProblems({ apple: { ...APPLE, privateKey: SecretSource.fromSecretsManager('arn:aws:secretsmanager:eu-central-1:123456789012:secret:apple-AbCdEf', 'a-b') } })).toEqual([
      'apple.privateKey: jsonKey must match ^[A-Za-z_][A-Za-z0-9_]{0,127}$, a key such as privateKey (received "a-b").',
    ]);
    expect(() => build({})).toThrow(/^SocialIdentityProviders test\/SocialSignIn:\n {2}- enable google, apple or both/);
  });
});

describe('social sign-in in a stack', () => {
  /** A generated environment with social sign-in and no SAML tenant, through the real loader. */
  function socialOnly(socialSignIn: Record<string, unknown>) {
    const [environment] = writeGeneratedEnvironments({ social: { ...generatedConfig('social'), tenantlessUsers: true, socialSignIn } });
    return { environment: environment!, json: synthLoaded(environment!) };
  }

  it('adds the federated client for Google and Apple alone (no SAML tenant), and it can never write the tenant attribute', () => {
    const { json } = socialOnly({ google: GOOGLE, apple: APPLE });
    const federated = resources(json, 'aws_cognito_user_pool_client').find(([, c]) => c.name === 'federated')![1];
    expect(federated.supported_identity_providers).toEqual(['Google', 'SignInWithApple']);
    expect(federated.write_attributes).toEqual(['email', 'email_verified']);
    expect(federated.allowed_oauth_scopes).not.toContain('aws.cognito.signin.user.admin');
    expect(federated.explicit_auth_flows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
    expect(json.output).toHaveProperty('user_pool_federated_client_id');
    for (const [, client] of resources(json, 'aws_cognito_user_pool_client')) expect(client.write_attributes).not.toContain('custom:customerName');
  });

  it('wires the account-linking trigger as pre sign-up beside the untouched tenant-claim trigger, and the stack passes every rule', () => {
    const { environment, json } = socialOnly({ google: GOOGLE });
    const pool = onlyResource(json, 'aws_cognito_user_pool');
    const functions = resources(json, 'aws_lambda_function');
    const linking = functions.find(([name]) => name.startsWith('AccountLinking_'))!;
    const claim = functions.find(([name]) => name.startsWith('TenantClaim_'))!;
    expect(pool.lambda_config).toEqual({
      pre_sign_up: `\${aws_lambda_function.${linking[0]}.arn}`,
      pre_token_generation_config: { lambda_arn: `\${aws_lambda_function.${claim[0]}.arn}`, lambda_version: 'V1_0' },
    });
    expect(pool.user_attribute_update_settings).toEqual({ attributes_require_verification_before_update: ['email'] });
    const report = runRules(json, ruleContextFor(environment));
    expect(report.errors.map((r) => `${r.rule.id} ${r.finding.address}`)).toEqual([]);
    expect(report.results.length).toBeGreaterThan(0);
  });

  it('writes no secret value into the synthesized JSON, only references', () => {
    const { json } = socialOnly({ google: { ...GOOGLE, clientSecret: { terraformVariable: 'google_client_secret' } }, apple: APPLE });
    const text = JSON.stringify(json);
    for (const marker of SECRET_MARKERS) expect(text).not.toContain(marker);
    const details = resources(json, 'aws_cognito_identity_provider').map(([, p]) => p.provider_details);
    expect(details.map((d) => d.client_secret ?? d.private_key).sort()).toEqual([expect.stringMatching(/^\$\{jsondecode\(data\.aws_secretsmanager_secret_version\./), '${var.google_client_secret}']);
  });

  it('creates no social provider and no account-linking trigger without socialSignIn', () => {
    const [environment] = writeGeneratedEnvironments({ plain: generatedConfig('plain') });
    const json = synthLoaded(environment!);
    expect(resources(json, 'aws_cognito_identity_provider')).toEqual([]);
    expect(resources(json, 'aws_lambda_function').map(([name]) => name.split('_')[0])).toEqual(['TenantClaim']);
    expect(onlyResource(json, 'aws_cognito_user_pool').lambda_config).not.toHaveProperty('pre_sign_up');
  });
});

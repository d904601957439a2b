import { IdentityPool, validatePrincipalTags } from '../modules/identity-pool';
import { onlyResource, synthModule } from './helpers/module-stack';

function synthPool() {
  return synthModule((scope) => {
    const pool = new IdentityPool(scope, 'IdentityPool', {
      identityPoolName: 'up-dev-uploads',
      region: 'eu-central-1',
      userPoolId: 'eu-central-1_abc',
      clientIds: ['native-id', 'federated-id'],
      principalTags: { customerName: 'custom:customerName' },
    });
    pool.attachAuthenticatedRole('arn:aws:iam::111111111111:role/up-dev-authenticated');
  });
}

describe('IdentityPool', () => {
  it('refuses unauthenticated identities and the classic flow (IDP1, IDP2)', () => {
    expect(onlyResource(synthPool(), 'aws_cognito_identity_pool')).toMatchObject({
      allow_unauthenticated_identities: false,
      allow_classic_flow: false,
    });
  });

  it('lists every app client with a server-side token check (IDP3)', () => {
    expect(onlyResource(synthPool(), 'aws_cognito_identity_pool').cognito_identity_providers).toEqual([
      { provider_name: 'cognito-idp.eu-central-1.amazonaws.com/eu-central-1_abc', client_id: 'native-id', server_side_token_check: true },
      { provider_name: 'cognito-idp.eu-central-1.amazonaws.com/eu-central-1_abc', client_id: 'federated-id', server_side_token_check: true },
    ]);
  });

  it('copies the tenant claim of the ID token into the customerName principal tag, without the defaults (IDP6)', () => {
    expect(onlyResource(synthPool(), 'aws_cognito_identity_pool_provider_principal_tag')).toMatchObject({
      identity_provider_name: 'cognito-idp.eu-central-1.amazonaws.com/eu-central-1_abc',
      use_defaults: false,
      principal_tags: { customerName: 'custom:customerName' },
    });
  });

  it('attaches only an authenticated role', () => {
    expect(onlyResource(synthPool(), 'aws_cognito_identity_pool_roles_attachment').roles).toEqual({
      authenticated: 'arn:aws:iam::111111111111:role/up-dev-authenticated',
    });
  });

  it('enforces Cognito’s principal-tag limits at synth (IDP8)', () => {
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, `c${i}`]));
    expect(validatePrincipalTags(many).join('\n')).toMatch(/maps 51 tags; Cognito allows 50/);
    expect(validatePrincipalTags({ ['k'.repeat(129)]: 'c' }).join('\n')).toMatch(/must be 1–128 characters/);
    expect(validatePrincipalTags({ a: 'x'.repeat(257) }).join('\n')).toMatch(/claim must be 1–256 characters/);
    const wide = { a: 'x'.repeat(230), b: 'y'.repeat(231) };
    expect(validatePrincipalTags(wide).join('\n')).toMatch(/total 461 bytes; Cognito allows 460/);
    expect(validatePrincipalTags({ customerName: 'custom:customerName' })).toEqual([]);
  });

  it('rejects an invalid pool before creating anything', () => {
    expect(() =>
      synthModule(
        (scope) =>
          new IdentityPool(scope, 'P', { identityPoolName: 'bad/name', region: 'eu-central-1', userPoolId: 'x', clientIds: [], principalTags: {} }),
      ),
    ).toThrow(/principalTags must map at least one claim[\s\S]*identityPoolName must be[\s\S]*clientIds must list/);
  });
});

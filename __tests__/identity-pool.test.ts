import { TerraformVariable } from 'cdktf';
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

  it('maps group roles by token, per app client, with ambiguous Deny (IDP7), only when asked', () => {
    const json = synthModule((scope) => {
      const pool = new IdentityPool(scope, 'IdentityPool', {
        identityPoolName: 'up-dev-uploads',
        region: 'eu-central-1',
        userPoolId: 'eu-central-1_abc',
        clientIds: ['native-id', 'federated-id'],
        principalTags: { customerName: 'custom:customerName' },
      });
      pool.attachAuthenticatedRole('arn:aws:iam::111111111111:role/up-dev-authenticated', { roleFromTokenClientIds: ['native-id', 'federated-id'] });
    });
    const attachment = onlyResource(json, 'aws_cognito_identity_pool_roles_attachment');
    expect(attachment.roles).toEqual({ authenticated: 'arn:aws:iam::111111111111:role/up-dev-authenticated' });
    expect(attachment.role_mapping).toEqual([
      { identity_provider: 'cognito-idp.eu-central-1.amazonaws.com/eu-central-1_abc:native-id', type: 'Token', ambiguous_role_resolution: 'Deny' },
      { identity_provider: 'cognito-idp.eu-central-1.amazonaws.com/eu-central-1_abc:federated-id', type: 'Token', ambiguous_role_resolution: 'Deny' },
    ]);
    expect(onlyResource(synthPool(), 'aws_cognito_identity_pool_roles_attachment').role_mapping).toBeUndefined();
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

  describe('principal-tag limits, at each limit and one past it', () => {
    const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, `c${i}`]));

    it('accepts 50 tags and refuses 51', () => {
      expect(validatePrincipalTags(tags(50))).toEqual([]);
      expect(validatePrincipalTags(tags(51))).toEqual(['principalTags maps 51 tags; Cognito allows 50.']);
    });

    it('accepts a tag key of 1 and of 128 characters, and refuses an empty one and one of 129', () => {
      expect(validatePrincipalTags({ k: 'c', ['k'.repeat(128)]: 'c' })).toEqual([]);
      expect(validatePrincipalTags({ '': 'c' })).toEqual(['principalTags key "" must be 1–128 characters.']);
      expect(validatePrincipalTags({ ['k'.repeat(129)]: 'c' })).toEqual([`principalTags key "${'k'.repeat(129)}" must be 1–128 characters.`]);
    });

    it('accepts a claim name of 1 and of 256 characters, and refuses an empty one and one of 257', () => {
      expect(validatePrincipalTags({ a: 'c' })).toEqual([]);
      expect(validatePrincipalTags({ a: 'x'.repeat(256) })).toEqual([]);
      expect(validatePrincipalTags({ a: '' })).toEqual(['principalTags["a"] claim must be 1–256 characters.']);
      expect(validatePrincipalTags({ a: 'x'.repeat(257) })).toEqual(['principalTags["a"] claim must be 1–256 characters.']);
    });

    it('accepts claim names of 460 bytes together and refuses 461, counting UTF-8 bytes, not characters', () => {
      expect(validatePrincipalTags({ a: 'x'.repeat(230), b: 'y'.repeat(230) })).toEqual([]);
      expect(validatePrincipalTags({ a: 'x'.repeat(230), b: 'y'.repeat(231) })).toEqual(['principalTags claim names total 461 bytes; Cognito allows 460.']);
      // 'é' is two bytes: 231 characters, 461 bytes.
      expect(validatePrincipalTags({ a: 'x'.repeat(229), b: 'é'.repeat(1) + 'y'.repeat(230) })).toEqual(['principalTags claim names total 461 bytes; Cognito allows 460.']);
    });

    it('reports every problem of a mapping together', () => {
      expect(validatePrincipalTags({ '': '', b: 'x'.repeat(257), c: 'y'.repeat(204) })).toEqual([
        'principalTags key "" must be 1–128 characters.',
        'principalTags[""] claim must be 1–256 characters.',
        'principalTags["b"] claim must be 1–256 characters.',
        'principalTags claim names total 461 bytes; Cognito allows 460.',
      ]);
    });
  });

  it('accepts a pool name of 128 allowed characters and refuses 129, or a character outside letters, digits, spaces and +=,.@-_', () => {
    const pool = (identityPoolName: string) => () =>
      synthModule((scope) => new IdentityPool(scope, 'P', { identityPoolName, region: 'eu-central-1', userPoolId: 'x', clientIds: ['c'], principalTags: { t: 'c' } }));
    expect(pool('a'.repeat(128))).not.toThrow();
    expect(pool('My pool +=,.@-_ 1')).not.toThrow();
    expect(pool('a'.repeat(129))).toThrow(/identityPoolName must be 1–128/);
    expect(pool('')).toThrow(/identityPoolName must be 1–128/);
    for (const bad of ['a/b', 'a:b', 'a*b', 'ä']) expect(pool(bad)).toThrow(/identityPoolName must be 1–128/);
  });

  it('keeps the pool on destroy only when protected', () => {
    const pool = (protect?: boolean) =>
      onlyResource(
        synthModule((scope) => new IdentityPool(scope, 'P', { identityPoolName: 'p', region: 'eu-central-1', userPoolId: 'x', clientIds: ['c'], principalTags: { t: 'c' }, protected: protect })),
        'aws_cognito_identity_pool',
      );
    expect(pool(true).lifecycle).toEqual({ prevent_destroy: true });
    expect(pool(false).lifecycle).toBeUndefined();
    expect(pool().lifecycle).toBeUndefined();
  });

  it('attaches one role only', () => {
    expect(() =>
      synthModule((scope) => {
        const pool = new IdentityPool(scope, 'P', { identityPoolName: 'p', region: 'eu-central-1', userPoolId: 'x', clientIds: ['c'], principalTags: { t: 'c' } });
        pool.attachAuthenticatedRole('arn:aws:iam::111111111111:role/a');
        pool.attachAuthenticatedRole('arn:aws:iam::111111111111:role/b');
      }),
    ).toThrow(/a role is attached already/);
  });

  it('leaves a pool name that is an unresolved token to Terraform', () => {
    const json = synthModule((scope) => {
      const name = new TerraformVariable(scope, 'Name', { type: 'string' }).stringValue;
      new IdentityPool(scope, 'P', { identityPoolName: name, region: 'eu-central-1', userPoolId: 'x', clientIds: ['c'], principalTags: { t: 'c' } });
    });
    expect(onlyResource(json, 'aws_cognito_identity_pool').identity_pool_name).toBe('${var.Name}');
  });

  it('reports every problem of the pool together, under the construct path', () => {
    expect(() =>
      synthModule((scope) => new IdentityPool(scope, 'P', { identityPoolName: '', region: 'eu-central-1', userPoolId: 'x', clientIds: [], principalTags: { t: 'c' } })),
    ).toThrow(/^IdentityPool test\/P:\n {2}- identityPoolName must be[^\n]*\n {2}- clientIds must list at least one app client\.$/);
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

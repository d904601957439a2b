import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageTrigger, readZip, removeWrittenPackages } from '../modules/cognito-trigger';
import {
  BINDINGS_FILE_NAME,
  compileBindings,
  CompiledTenantBindings,
  decisionLogRecord,
  PreTokenGenerationV1Event,
  renderBindings,
  resolveTenant,
  TENANT_CLAIM_HANDLER_FILE,
  TenantBinding,
  tenantClaimBindingProblems,
  tenantClaimBindings,
  TenantClaimTrigger,
  TenantDecision,
  SOCIAL_PROVIDER_NAMES,
  hasRoleFromGroups,
  roleArnInAccountOf,
  withDefaultRole,
  withoutTenantClaim,
  withTenantClaim,
} from '../modules/tenant-claim';
import { onlyResource, synthModule } from './helpers/module-stack';

const FIXTURES = path.join(__dirname, 'fixtures', 'cognito-events');
const CLAIM = 'custom:customerName';
/** acme and initech have native users; globex and hooli sign in through their SAML providers. */
const TENANTS: readonly TenantBinding[] = [
  { id: 'acme' },
  { id: 'initech' },
  { id: 'globex', providerName: 'globex' },
  { id: 'hooli', providerName: 'HooliEntra' },
];

function compiled(tenants: readonly TenantBinding[] = TENANTS, tenantlessUsers = false): CompiledTenantBindings {
  // Through the JSON text, as the handler reads it.
  return compileBindings(JSON.parse(renderBindings(tenantClaimBindings({ tenantClaim: CLAIM, tenants, tenantlessUsers }))));
}
/** Compiled in each test (it is cheap), so no module code runs while the file loads. */
let BINDINGS: CompiledTenantBindings;
beforeEach(() => {
  BINDINGS = compiled();
});

const fixtureTexts = new Map<string, string>();
/** A fresh copy of a fixture, with user attributes set (a string) or removed (undefined). */
function event(name: string, attributes: Record<string, string | undefined> = {}, patch: Partial<PreTokenGenerationV1Event> = {}): PreTokenGenerationV1Event {
  let text = fixtureTexts.get(name);
  if (text === undefined) {
    text = fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8');
    fixtureTexts.set(name, text);
  }
  const parsed = JSON.parse(text) as PreTokenGenerationV1Event;
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) delete parsed.request.userAttributes[key];
    else parsed.request.userAttributes[key] = value;
  }
  return { ...parsed, ...patch };
}
const native = (tenant: string | undefined, source = 'native-sign-in') => event(source, { [CLAIM]: tenant });
/** The SAML fixture signed in through these providers, as Cognito writes `identities`. */
const federated = (providers: readonly string[], attributes: Record<string, string | undefined> = {}) =>
  event('saml-hosted-ui-sign-in', {
    identities: JSON.stringify(providers.map((providerName, i) => ({ userId: `user${i}@idp.example`, providerName, providerType: 'SAML', issuer: null, primary: i === 0, dateCreated: 1732000000000 }))),
    ...attributes,
  });

afterAll(removeWrittenPackages);

const rejected = (reason: string): TenantDecision => ({ reject: reason as never });

describe('tenant-claim: resolveTenant', () => {
  describe('native users', () => {
    it('sets the claim of a native user of a configured tenant, at sign-in and at refresh', () => {
      expect(resolveTenant(event('native-sign-in'), BINDINGS)).toEqual({ tenant: 'acme', basis: 'NATIVE_TENANT_ATTRIBUTE' });
      expect(resolveTenant(event('refresh'), BINDINGS)).toEqual({ tenant: 'acme', basis: 'NATIVE_TENANT_ATTRIBUTE' });
      expect(resolveTenant(native('initech'), BINDINGS)).toEqual({ tenant: 'initech', basis: 'NATIVE_TENANT_ATTRIBUTE' });
    });

    it('rejects a native user of a removed tenant, at sign-in and at refresh (offboarding)', () => {
      const withoutInitech = compiled(TENANTS.filter((t) => t.id !== 'initech'));
      expect(resolveTenant(native('initech'), withoutInitech)).toEqual(rejected('TENANT_NOT_NATIVE'));
      expect(resolveTenant(native('initech', 'refresh'), withoutInitech)).toEqual(rejected('TENANT_NOT_NATIVE'));
      const withoutAcme = compiled(TENANTS.filter((t) => t.id !== 'acme'));
      expect(resolveTenant(event('refresh'), withoutAcme)).toEqual(rejected('TENANT_NOT_NATIVE'));
    });

    it('rejects a native user without a tenant, or with an empty one', () => {
      expect(resolveTenant(native(undefined), BINDINGS)).toEqual(rejected('TENANT_ATTRIBUTE_MISSING'));
      expect(resolveTenant(native(''), BINDINGS)).toEqual(rejected('TENANT_ATTRIBUTE_MISSING'));
    });

    it.each([
      ['upper case', 'ACME'],
      ['title case', 'Acme'],
      ['Cyrillic а (U+0430)', '\u0430cme'],
      ['trailing space', 'acme '],
      ['leading space', ' acme'],
      ['zero-width space', 'acme\u200b'],
      ['fixed folder of the access rules', 'private'],
      ['path traversal', '..'],
      ['a wildcard', 'a*'],
    ])('rejects a look-alike or unknown tenant (%s: %j)', (_, value) => {
      expect(resolveTenant(native(value), BINDINGS)).toEqual(rejected('TENANT_NOT_NATIVE'));
    });

    it('rejects a native user carrying the tenant of a SAML-only tenant', () => {
      expect(resolveTenant(native('globex'), BINDINGS)).toEqual(rejected('TENANT_NOT_NATIVE'));
      expect(resolveTenant(native('hooli'), BINDINGS)).toEqual(rejected('TENANT_NOT_NATIVE'));
    });

    it('rejects a user Cognito marks EXTERNAL_PROVIDER but who has no identities', () => {
      expect(resolveTenant(event('saml-hosted-ui-sign-in', { identities: undefined, [CLAIM]: 'acme' }), BINDINGS)).toEqual(rejected('EXTERNAL_USER_WITHOUT_IDENTITIES'));
    });
  });

  describe('federated users', () => {
    it("sets the provider's tenant for a hosted-UI SAML sign-in, whatever the IdP does not assert", () => {
      expect(resolveTenant(event('saml-hosted-ui-sign-in'), BINDINGS)).toEqual({ tenant: 'globex', basis: 'IDENTITY_PROVIDER_BINDING' });
      expect(resolveTenant(federated(['HooliEntra']), BINDINGS)).toEqual({ tenant: 'hooli', basis: 'IDENTITY_PROVIDER_BINDING' });
    });

    it('accepts an asserted tenant only when it is exactly the bound one', () => {
      expect(resolveTenant(federated(['globex'], { [CLAIM]: 'globex' }), BINDINGS)).toEqual({ tenant: 'globex', basis: 'IDENTITY_PROVIDER_BINDING' });
    });

    it.each([
      ["another tenant (tenant A's IdP asserting tenant B)", 'acme'],
      ['another SAML tenant', 'hooli'],
      ['the fixed folder "private"', 'private'],
      ['a case twin of its own tenant', 'Globex'],
      ['an empty value', ''],
    ])('rejects an IdP asserting %s', (_, asserted) => {
      expect(resolveTenant(federated(['globex'], { [CLAIM]: asserted }), BINDINGS)).toEqual(rejected('ASSERTED_TENANT_CONFLICT'));
    });

    it('rejects an unknown provider, and a known one spelled in another case', () => {
      expect(resolveTenant(federated(['evilcorp']), BINDINGS)).toEqual(rejected('UNKNOWN_PROVIDER'));
      expect(resolveTenant(federated(['Globex']), BINDINGS)).toEqual(rejected('UNKNOWN_PROVIDER'));
      expect(resolveTenant(federated(['globex', 'evilcorp']), BINDINGS)).toEqual(rejected('UNKNOWN_PROVIDER'));
    });

    it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])('rejects provider %j (no prototype lookups)', (provider) => {
      expect(resolveTenant(federated([provider]), BINDINGS)).toEqual(rejected('UNKNOWN_PROVIDER'));
    });

    it('rejects identities naming providers of different tenants, and accepts two identities of one provider', () => {
      expect(resolveTenant(federated(['globex', 'HooliEntra']), BINDINGS)).toEqual(rejected('PROVIDERS_OF_DIFFERENT_TENANTS'));
      expect(resolveTenant(federated(['globex', 'globex']), BINDINGS)).toEqual({ tenant: 'globex', basis: 'IDENTITY_PROVIDER_BINDING' });
    });

    it.each([
      ['not JSON', 'globex'],
      ['an object', '{"providerName":"globex"}'],
      ['an empty array', '[]'],
      ['null in the array', '[null]'],
      ['a string in the array', '["globex"]'],
      ['an empty provider name', '[{"providerName":""}]'],
      ['a numeric provider name', '[{"providerName":1}]'],
      ['no provider name', '[{"userId":"x"}]'],
      ['an inherited provider name', '[{"__proto__":{"providerName":"globex"}}]'],
    ])('rejects identities that are %s', (_, identities) => {
      expect(resolveTenant(event('saml-hosted-ui-sign-in', { identities }), BINDINGS)).toEqual(rejected('IDENTITIES_UNPARSABLE'));
    });
  });

  describe('social identities and tenant-less users', () => {
    const TENANTLESS = () => compiled(TENANTS, true);
    /** The Google fixture with these identities (provider names) and attributes. */
    const social = (providers: readonly string[], attributes: Record<string, string | undefined> = {}) =>
      event('google-hosted-ui-sign-in', {
        identities: JSON.stringify(providers.map((providerName, i) => ({ userId: `id${i}`, providerName, providerType: SOCIAL_PROVIDER_NAMES.includes(providerName) ? providerName : 'SAML', issuer: null, primary: i === 0, dateCreated: 1732000000000 }))),
        ...attributes,
      });

    it('gives a Google user, and a native user linked to Apple, no tenant: a token without the claim when the environment serves tenant-less users', () => {
      expect(resolveTenant(event('google-hosted-ui-sign-in'), TENANTLESS())).toEqual({ tenant: null, basis: 'TENANTLESS_USER' });
      expect(resolveTenant(event('linked-native-sign-in'), TENANTLESS())).toEqual({ tenant: null, basis: 'TENANTLESS_USER' });
      expect(resolveTenant({ ...event('linked-native-sign-in'), triggerSource: 'TokenGeneration_RefreshTokens' }, TENANTLESS())).toEqual({ tenant: null, basis: 'TENANTLESS_USER' });
      expect(resolveTenant(social(['Google', 'SignInWithApple', 'Facebook', 'LoginWithAmazon']), TENANTLESS())).toEqual({ tenant: null, basis: 'TENANTLESS_USER' });
    });

    it('refuses them, as today, when the environment does not serve tenant-less users', () => {
      expect(resolveTenant(event('google-hosted-ui-sign-in'), BINDINGS)).toEqual(rejected('TENANT_ATTRIBUTE_MISSING'));
      expect(resolveTenant(event('linked-native-sign-in'), BINDINGS)).toEqual(rejected('TENANT_ATTRIBUTE_MISSING'));
      expect(resolveTenant(native(undefined), BINDINGS)).toEqual(rejected('TENANT_ATTRIBUTE_MISSING'));
      expect(resolveTenant(native(''), BINDINGS)).toEqual(rejected('TENANT_ATTRIBUTE_MISSING'));
    });

    it('gives a native user without a tenant attribute a token without the claim, only with tenantlessUsers', () => {
      expect(resolveTenant(native(undefined), TENANTLESS())).toEqual({ tenant: null, basis: 'TENANTLESS_USER' });
      expect(resolveTenant(native(''), TENANTLESS())).toEqual({ tenant: null, basis: 'TENANTLESS_USER' });
    });

    it('never turns a removed, unknown or SAML-only tenant into a tenant-less user (offboarding still stops them)', () => {
      for (const value of ['removed', 'ACME', 'globex', 'private']) expect(resolveTenant(native(value), TENANTLESS())).toEqual(rejected('TENANT_NOT_NATIVE'));
      expect(resolveTenant(native('acme'), TENANTLESS())).toEqual({ tenant: 'acme', basis: 'NATIVE_TENANT_ATTRIBUTE' });
      expect(resolveTenant(event('saml-hosted-ui-sign-in'), TENANTLESS())).toEqual({ tenant: 'globex', basis: 'IDENTITY_PROVIDER_BINDING' });
      expect(resolveTenant(federated(['evilcorp']), TENANTLESS())).toEqual(rejected('UNKNOWN_PROVIDER'));
    });

    it('refuses a social identity on a tenant user, whether the tenant is native or bound to SAML', () => {
      for (const bindings of [BINDINGS, TENANTLESS()]) {
        expect(resolveTenant(event('linked-native-sign-in', { [CLAIM]: 'acme' }), bindings)).toEqual(rejected('SOCIAL_IDENTITY_ON_TENANT_USER'));
        expect(resolveTenant(social(['Google'], { [CLAIM]: 'initech' }), bindings)).toEqual(rejected('SOCIAL_IDENTITY_ON_TENANT_USER'));
        expect(resolveTenant(social(['globex', 'Google']), bindings)).toEqual(rejected('SOCIAL_IDENTITY_ON_TENANT_USER'));
        expect(resolveTenant(social(['SignInWithApple', 'HooliEntra']), bindings)).toEqual(rejected('SOCIAL_IDENTITY_ON_TENANT_USER'));
      }
    });

    it('treats an empty tenant attribute beside a social identity as none: tenant-less where served, otherwise refused as missing', () => {
      expect(resolveTenant(event('google-hosted-ui-sign-in', { [CLAIM]: '' }), TENANTLESS())).toEqual({ tenant: null, basis: 'TENANTLESS_USER' });
      expect(resolveTenant(event('linked-native-sign-in', { [CLAIM]: '' }), TENANTLESS())).toEqual({ tenant: null, basis: 'TENANTLESS_USER' });
      expect(resolveTenant(event('google-hosted-ui-sign-in', { [CLAIM]: '' }), BINDINGS)).toEqual(rejected('TENANT_ATTRIBUTE_MISSING'));
    });

    it('knows social providers by their exact Cognito names only: a look-alike is an unknown provider', () => {
      for (const name of ['google', 'GOOGLE', 'Signinwithapple', 'Google ']) expect(resolveTenant(social([name]), TENANTLESS())).toEqual(rejected('UNKNOWN_PROVIDER'));
    });

    it('suppresses the tenant claim, removes any override of it, and keeps other response fields', () => {
      const groups = { groupsToOverride: ['free'] };
      const result = withoutTenantClaim(
        { ...event('google-hosted-ui-sign-in'), response: { claimsOverrideDetails: { groupOverrideDetails: groups, claimsToAddOrOverride: { [CLAIM]: 'acme', other: 'x' }, claimsToSuppress: ['a', CLAIM] } } },
        CLAIM,
      );
      expect(result.response).toEqual({ claimsOverrideDetails: { groupOverrideDetails: groups, claimsToAddOrOverride: { other: 'x' }, claimsToSuppress: ['a', CLAIM] } });
      expect(withoutTenantClaim(event('google-hosted-ui-sign-in'), CLAIM).response).toEqual({ claimsOverrideDetails: { claimsToSuppress: [CLAIM] } });
      expect(withoutTenantClaim({ ...event('google-hosted-ui-sign-in'), response: undefined as never }, CLAIM).response).toEqual({ claimsOverrideDetails: { claimsToSuppress: [CLAIM] } });
    });

    it('logs a tenant-less decision as allowed with reason TENANTLESS_USER', () => {
      expect(decisionLogRecord(event('google-hosted-ui-sign-in'), { tenant: null, basis: 'TENANTLESS_USER' })).toEqual({
        event: 'tenant-claim',
        triggerSource: 'TokenGeneration_HostedAuth',
        outcome: 'allowed',
        reason: 'TENANTLESS_USER',
      });
    });

    it('writes tenantlessUsers into bindings.json only when true, so other environments keep their package', () => {
      expect(renderBindings(tenantClaimBindings({ tenantClaim: CLAIM, tenants: TENANTS }))).not.toContain('tenantless');
      expect(renderBindings(tenantClaimBindings({ tenantClaim: CLAIM, tenants: TENANTS, tenantlessUsers: false }))).not.toContain('tenantless');
      expect(JSON.parse(renderBindings(tenantClaimBindings({ tenantClaim: CLAIM, tenants: TENANTS, tenantlessUsers: true }))).tenantlessUsers).toBe(true);
    });
  });

  describe('the event itself', () => {
    it.each(['PreSignUp_SignUp', 'PostAuthentication_Authentication', 'tokengeneration_Authentication', 'TokenGeneration', ''])(
      'rejects trigger source %j',
      (triggerSource) => {
        expect(resolveTenant({ ...event('native-sign-in'), triggerSource }, BINDINGS)).toEqual(rejected('UNSUPPORTED_TRIGGER_SOURCE'));
      },
    );

    it('accepts every documented TokenGeneration_ source', () => {
      for (const triggerSource of ['HostedAuth', 'Authentication', 'NewPasswordChallenge', 'AuthenticateDevice', 'RefreshTokens'].map((s) => `TokenGeneration_${s}`)) {
        expect(resolveTenant({ ...event('native-sign-in'), triggerSource }, BINDINGS)).toEqual({ tenant: 'acme', basis: 'NATIVE_TENANT_ATTRIBUTE' });
      }
    });

    it('rejects a V2_0 event, whose response would need another shape', () => {
      expect(resolveTenant({ ...event('native-sign-in'), version: '2' }, BINDINGS)).toEqual(rejected('UNSUPPORTED_EVENT_VERSION'));
    });

    it('rejects an event without user attributes', () => {
      const broken = event('native-sign-in');
      (broken.request as { userAttributes: unknown }).userAttributes = null;
      expect(resolveTenant(broken, BINDINGS)).toEqual(rejected('MALFORMED_EVENT'));
    });
  });
});

describe('tenant-claim: response and log', () => {
  it('sets exactly the tenant claim and keeps the rest of the response', () => {
    const result = withTenantClaim(event('native-sign-in'), CLAIM, 'acme');
    expect(result.response).toEqual({ claimsOverrideDetails: { claimsToAddOrOverride: { [CLAIM]: 'acme' } } });
    const kept = withTenantClaim(
      { ...event('native-sign-in'), response: { claimsOverrideDetails: { claimsToAddOrOverride: { other: 'x', [CLAIM]: 'evil' }, claimsToSuppress: ['email', CLAIM] } } },
      CLAIM,
      'acme',
    );
    // A suppressed claim would win over the override, so the tenant claim leaves the list.
    expect(kept.response.claimsOverrideDetails).toEqual({ claimsToAddOrOverride: { other: 'x', [CLAIM]: 'acme' }, claimsToSuppress: ['email'] });
  });

  it('names the default role in the log line exactly when the token got it, and has no role key otherwise', () => {
    const allowed = { tenant: 'acme', basis: 'NATIVE_TENANT_ATTRIBUTE' } as const;
    const base = { event: 'tenant-claim', triggerSource: 'TokenGeneration_RefreshTokens', outcome: 'allowed', reason: 'NATIVE_TENANT_ATTRIBUTE' };
    expect(decisionLogRecord(event('refresh'), allowed, 'DEFAULT_ROLE')).toStrictEqual({ ...base, role: 'DEFAULT_ROLE' });
    // console.info prints a key set to undefined ("role: undefined"), so the key must be absent.
    expect(decisionLogRecord(event('refresh'), allowed)).toStrictEqual(base);
    expect(decisionLogRecord(event('refresh'), allowed, undefined)).toStrictEqual(base);
  });

  it('logs trigger source, outcome and reason only', () => {
    expect(decisionLogRecord(event('refresh'), { tenant: 'acme', basis: 'NATIVE_TENANT_ATTRIBUTE' })).toEqual({
      event: 'tenant-claim',
      triggerSource: 'TokenGeneration_RefreshTokens',
      outcome: 'allowed',
      reason: 'NATIVE_TENANT_ATTRIBUTE',
    });
    expect(decisionLogRecord({ ...event('refresh'), triggerSource: 'x\n{"forged":1}' }, rejected('UNSUPPORTED_TRIGGER_SOURCE'))).toEqual({
      event: 'tenant-claim',
      triggerSource: 'INVALID',
      outcome: 'rejected',
      reason: 'UNSUPPORTED_TRIGGER_SOURCE',
    });
  });
});

describe('tenant-claim: bindings', () => {
  it('builds deterministic bindings: sorted keys and lists, whatever the order of the tenants', () => {
    const forward = renderBindings(tenantClaimBindings({ tenantClaim: CLAIM, tenants: TENANTS }));
    expect(forward).toBe('{"nativeTenants":["acme","initech"],"providers":{"HooliEntra":"hooli","globex":"globex"},"tenantClaim":"custom:customerName","version":1}');
    expect(renderBindings(tenantClaimBindings({ tenantClaim: CLAIM, tenants: [...TENANTS].reverse() }))).toBe(forward);
  });

  it('reports every problem in one error', () => {
    expect(() =>
      tenantClaimBindings({
        tenantClaim: 'customerName',
        tenants: [
          { id: 'acme' },
          { id: 'acme' },
          { id: 'Bad Id' },
          { id: 'globex', providerName: 'globex' },
          { id: 'globex-eu', providerName: 'GLOBEX' },
          { id: 'umbrella', providerName: 'ACME' },
          { id: 'social', providerName: 'Google' },
          { id: 'proto', providerName: '__proto__' },
          { id: 'spaced', providerName: 'my idp' },
        ],
      }),
    ).toThrow(
      new RegExp(
        [
          /^tenantClaimBindings:/,
          /tenantClaim must match \^custom:.* \(received "customerName"\)/,
          /tenants\[1\]\.id "acme" repeats tenants\[0\]\.id/,
          /tenants\[2\]\.id must match .* \(received "Bad Id"\)/,
          /tenants\[4\]\.providerName "GLOBEX" is the same, ignoring case, as tenants\[3\]\.providerName "globex"/,
          /tenants\[5\]\.providerName "ACME" equals, ignoring case, the id of tenants\[0\] \("acme"\)/,
          /tenants\[6\]\.providerName "Google" is reserved for Google/,
          /tenants\[7\]\.providerName must be 3–32 characters, not start with "_"/,
          /tenants\[8\]\.providerName must be 3–32 characters.*\(received "my idp"\)/,
        ]
          .map((r) => r.source)
          .join('[\\s\\S]*'),
      ),
    );
    expect(() => tenantClaimBindings({ tenantClaim: CLAIM, tenants: [] })).toThrow(/tenants must list at least one tenant/);
  });

  it('allows a provider named after its own tenant', () => {
    expect(tenantClaimBindings({ tenantClaim: CLAIM, tenants: [{ id: 'globex', providerName: 'Globex' }] }).providers).toEqual({ Globex: 'globex' });
  });

  it('refuses a bindings file it does not understand, and keeps "__proto__" a plain key', () => {
    expect(() => compileBindings({ version: 2, tenantClaim: CLAIM, nativeTenants: [], providers: {} })).toThrow(/version must be 1/);
    expect(() => compileBindings({ version: 1, tenantClaim: 'email', nativeTenants: [], providers: {} })).toThrow(/tenantClaim must match/);
    expect(() => compileBindings({ version: 1, tenantClaim: CLAIM, nativeTenants: 'acme', providers: {} })).toThrow(/nativeTenants must be an array/);
    expect(() => compileBindings({ version: 1, tenantClaim: CLAIM, nativeTenants: [], providers: { globex: 1 } })).toThrow(/providers\["globex"\] must be a tenant id/);
    expect(() => compileBindings(null)).toThrow(/must be a JSON object/);
    const hostile = compileBindings(JSON.parse(`{"version":1,"tenantClaim":"${CLAIM}","nativeTenants":[],"providers":{"__proto__":"acme"}}`));
    expect(hostile.providers.get('__proto__')).toBe('acme');
    expect(hostile.providers.get('constructor')).toBeUndefined();
    expect(({} as Record<string, unknown>).acme).toBeUndefined();
  });

  it('scales to 10 000 tenants: a file in the package, not environment variables, and O(1) lookups', () => {
    const tenants: TenantBinding[] = [];
    for (let i = 0; i < 10_000; i++) {
      const id = `tenant-${String(i).padStart(5, '0')}`;
      tenants.push(i % 2 === 0 ? { id } : { id, providerName: `idp-${String(i).padStart(5, '0')}` });
    }
    const text = renderBindings(tenantClaimBindings({ tenantClaim: CLAIM, tenants }));
    // Far beyond the 4 KB Lambda allows for all environment variables together.
    expect(Buffer.byteLength(text)).toBeGreaterThan(200_000);
    const big = compileBindings(JSON.parse(text));
    expect(big.nativeTenants.size).toBe(5_000);
    expect(big.providers.size).toBe(5_000);
    for (const tenant of tenants) {
      const decision = tenant.providerName ? resolveTenant(federated([tenant.providerName]), big) : resolveTenant(native(tenant.id), big);
      expect(decision).toEqual({ tenant: tenant.id, basis: tenant.providerName ? 'IDENTITY_PROVIDER_BINDING' : 'NATIVE_TENANT_ATTRIBUTE' });
    }
    expect(resolveTenant(native('tenant-00001'), big)).toEqual(rejected('TENANT_NOT_NATIVE'));
    expect(resolveTenant(federated(['idp-00000']), big)).toEqual(rejected('UNKNOWN_PROVIDER'));
  });
});

describe('tenant-claim: limits and malformed input', () => {
  const bindingsFile = (patch: Record<string, unknown>) => ({ version: 1, tenantClaim: CLAIM, nativeTenants: ['acme'], providers: { globex: 'globex' }, ...patch });

  it('accepts a claim of custom: and 1 to 20 letters, digits or _ starting with a letter, in the bindings and in bindings.json', () => {
    for (const claim of ['custom:a', `custom:A${'b_1'.repeat(6)}z`]) {
      expect(tenantClaimBindingProblems({ tenantClaim: claim, tenants: [{ id: 'acme' }] })).toEqual([]);
      expect(compileBindings(bindingsFile({ tenantClaim: claim })).tenantClaim).toBe(claim);
    }
    for (const claim of ['custom:', `custom:a${'b'.repeat(20)}`, 'custom:1a', 'custom:_a', 'Custom:a', 'xcustom:a', 'custom:a-b']) {
      expect(tenantClaimBindingProblems({ tenantClaim: claim, tenants: [{ id: 'acme' }] })).toEqual([expect.stringContaining(`(received ${JSON.stringify(claim)})`)]);
      expect(() => compileBindings(bindingsFile({ tenantClaim: claim }))).toThrow('bindings.json: tenantClaim must match ^custom:[A-Za-z][A-Za-z0-9_]{0,19}$.');
    }
  });

  it('accepts a provider name of 3 and of 32 characters, and refuses 2, 33, a leading _ and spaces', () => {
    for (const providerName of ['idp', 'i'.repeat(32), 'a_b']) expect(tenantClaimBindingProblems({ tenantClaim: CLAIM, tenants: [{ id: 'acme', providerName }] })).toEqual([]);
    for (const providerName of ['id', 'i'.repeat(33), '_idp', 'my idp', 'idp ', ' idp']) {
      expect(tenantClaimBindingProblems({ tenantClaim: CLAIM, tenants: [{ id: 'acme', providerName }] })).toEqual([
        `tenants[0].providerName must be 3–32 characters, not start with "_" and hold no spaces (received ${JSON.stringify(providerName)}): Cognito's provider-name rule.`,
      ]);
    }
  });

  it('refuses a provider named, in any case, like a social provider or the user pool itself, naming which', () => {
    expect(tenantClaimBindingProblems({ tenantClaim: CLAIM, tenants: [{ id: 'acme', providerName: 'cognito' }] })).toEqual([
      'tenants[0].providerName "cognito" is reserved for Cognito: binding it would put every Cognito user into tenant acme.',
    ]);
    expect(tenantClaimBindingProblems({ tenantClaim: CLAIM, tenants: [{ id: 'acme', providerName: 'SIGNINWITHAPPLE' }] })).toEqual([expect.stringContaining('is reserved for SignInWithApple')]);
  });

  it('refuses bindings.json that is not exactly what tenantClaimBindings writes', () => {
    for (const [raw, message] of [
      [[], 'must be a JSON object.'],
      ['{}', 'must be a JSON object.'],
      [bindingsFile({ version: '1' }), 'version must be 1 (received "1").'],
      [bindingsFile({ tenantClaim: 1 }), 'tenantClaim must match'],
      [bindingsFile({ nativeTenants: ['acme', ''] }), 'nativeTenants must be an array of tenant ids.'],
      [bindingsFile({ nativeTenants: ['acme', 1] }), 'nativeTenants must be an array of tenant ids.'],
      [bindingsFile({ providers: null }), 'providers must be an object.'],
      [bindingsFile({ providers: [] }), 'providers must be an object.'],
      [bindingsFile({ providers: 'globex' }), 'providers must be an object.'],
      [bindingsFile({ providers: { globex: '' } }), 'providers["globex"] must be a tenant id.'],
    ] as const) {
      expect(() => compileBindings(raw)).toThrow(`bindings.json: ${message}`);
    }
    expect(compileBindings(bindingsFile({}))).toEqual({ tenantClaim: CLAIM, nativeTenants: new Set(['acme']), providers: new Map([['globex', 'globex']]), tenantlessUsers: false });
    expect(compileBindings(bindingsFile({ tenantlessUsers: true })).tenantlessUsers).toBe(true);
    for (const value of [false, 'true', 1, null]) {
      expect(() => compileBindings(bindingsFile({ tenantlessUsers: value }))).toThrow(`bindings.json: tenantlessUsers must be true or absent (received ${JSON.stringify(value)}).`);
    }
  });

  it('accepts tenant ids of 2 to 63 lowercase letters, digits and hyphens starting with a letter or digit', () => {
    for (const id of ['ab', '0a', 'a-', `a${'-1'.repeat(31)}`]) expect(tenantClaimBindingProblems({ tenantClaim: CLAIM, tenants: [{ id }] })).toEqual([]);
    for (const id of ['a', 'x'.repeat(64), '-ab', 'aB', 'Ab', 'a_b', 'a b', ' ab', 'ab ']) {
      expect(tenantClaimBindingProblems({ tenantClaim: CLAIM, tenants: [{ id }] })).toEqual([`tenants[0].id must match ^[a-z0-9][a-z0-9-]{1,62}$ (received ${JSON.stringify(id)}).`]);
    }
  });

  it('throws every problem of the bindings in one error, one per line', () => {
    expect(() => tenantClaimBindings({ tenantClaim: 'x', tenants: [] })).toThrow(/^tenantClaimBindings:\n {2}- tenantClaim must match[^\n]*\n {2}- tenants must list at least one tenant[^\n]*$/);
  });

  it('refuses a claim or identities that are not strings, even when their text would pass', () => {
    expect(() => compileBindings({ version: 1, tenantClaim: [CLAIM], nativeTenants: [], providers: {} })).toThrow('bindings.json: tenantClaim must match');
    const wrapped = event('saml-hosted-ui-sign-in');
    (wrapped.request.userAttributes as Record<string, unknown>).identities = [wrapped.request.userAttributes.identities];
    expect(resolveTenant(wrapped, BINDINGS)).toEqual(rejected('IDENTITIES_UNPARSABLE'));
  });

  it('takes the second character of a provider name from letters, marks, symbols, digits and punctuation only', () => {
    for (const providerName of ['a1b', 'a-b', 'a+b', 'e\u0301x', 'aéb']) expect(tenantClaimBindingProblems({ tenantClaim: CLAIM, tenants: [{ id: 'acme', providerName }] })).toEqual([]);
    for (const providerName of ['a bc', 'a\u00a0bc', 'a\u200bbc']) {
      expect(tenantClaimBindingProblems({ tenantClaim: CLAIM, tenants: [{ id: 'acme', providerName }] })).toEqual([expect.stringContaining('must be 3–32 characters')]);
    }
  });

  it('orders tenants and providers by code unit whatever the order given', () => {
    const tenants: TenantBinding[] = ['delta', 'alpha', 'echo', 'charlie', 'bravo'].flatMap((id) => [{ id }, { id: `${id}-saml`, providerName: `${id.toUpperCase()[0]}${id.slice(1)}Idp` }]);
    const expected = {
      nativeTenants: ['alpha', 'bravo', 'charlie', 'delta', 'echo'],
      providers: ['AlphaIdp', 'BravoIdp', 'CharlieIdp', 'DeltaIdp', 'EchoIdp'],
    };
    for (const order of [tenants, [...tenants].reverse(), [...tenants.slice(3), ...tenants.slice(0, 3)]]) {
      const bindings = tenantClaimBindings({ tenantClaim: CLAIM, tenants: order });
      expect({ nativeTenants: bindings.nativeTenants, providers: Object.keys(bindings.providers) }).toEqual(expected);
      expect(bindings.providers.AlphaIdp).toBe('alpha-saml');
    }
  });

  it('reads only own attributes of the event, never inherited ones', () => {
    const inherited = (proto: Record<string, string>) => {
      const e = event('native-sign-in');
      e.request.userAttributes = Object.assign(Object.create(proto), { sub: 'x' });
      return e;
    };
    expect(resolveTenant(inherited({ [CLAIM]: 'acme' }), BINDINGS)).toEqual(rejected('TENANT_ATTRIBUTE_MISSING'));
    expect(resolveTenant(inherited({ [CLAIM]: 'acme', identities: '[{"providerName":"globex"}]' }), BINDINGS)).toEqual(rejected('TENANT_ATTRIBUTE_MISSING'));
    const external = event('native-sign-in');
    external.request.userAttributes = Object.assign(Object.create({ 'cognito:user_status': 'EXTERNAL_PROVIDER' }), { [CLAIM]: 'acme' });
    expect(resolveTenant(external, BINDINGS)).toEqual({ tenant: 'acme', basis: 'NATIVE_TENANT_ATTRIBUTE' });
  });

  it('reads events of version 1 whether written as a string or a number, and nothing else', () => {
    expect(resolveTenant({ ...event('native-sign-in'), version: 1 as never }, BINDINGS)).toEqual({ tenant: 'acme', basis: 'NATIVE_TENANT_ATTRIBUTE' });
    expect(resolveTenant({ ...event('native-sign-in'), version: '1.0' }, BINDINGS)).toEqual(rejected('UNSUPPORTED_EVENT_VERSION'));
  });

  it('rejects an event whose user attributes are not an object, or whose trigger source is not a string', () => {
    for (const userAttributes of [[], 'acme', undefined]) {
      const broken = event('native-sign-in');
      (broken.request as { userAttributes: unknown }).userAttributes = userAttributes;
      expect(resolveTenant(broken, BINDINGS)).toEqual(rejected('MALFORMED_EVENT'));
    }
    expect(resolveTenant({ ...event('native-sign-in'), request: undefined as never }, BINDINGS)).toEqual(rejected('MALFORMED_EVENT'));
    expect(resolveTenant({ ...event('native-sign-in'), triggerSource: 7 as never }, BINDINGS)).toEqual(rejected('UNSUPPORTED_TRIGGER_SOURCE'));
    expect(resolveTenant(undefined as never, BINDINGS)).toEqual(rejected('UNSUPPORTED_TRIGGER_SOURCE'));
  });

  it('rejects identities that are not a string, and a tenant attribute that is not a string', () => {
    expect(resolveTenant(event('saml-hosted-ui-sign-in', {}, {}), BINDINGS)).toEqual({ tenant: 'globex', basis: 'IDENTITY_PROVIDER_BINDING' });
    const notString = event('saml-hosted-ui-sign-in');
    (notString.request.userAttributes as Record<string, unknown>).identities = [{ providerName: 'globex' }];
    expect(resolveTenant(notString, BINDINGS)).toEqual(rejected('IDENTITIES_UNPARSABLE'));
    const numeric = native('acme');
    (numeric.request.userAttributes as Record<string, unknown>)[CLAIM] = 1;
    expect(resolveTenant(numeric, BINDINGS)).toEqual(rejected('TENANT_ATTRIBUTE_MISSING'));
  });

  it('ignores a cognito:user_status other than EXTERNAL_PROVIDER for native users', () => {
    expect(resolveTenant(native('acme'), BINDINGS)).toEqual({ tenant: 'acme', basis: 'NATIVE_TENANT_ATTRIBUTE' });
    expect(resolveTenant(event('native-sign-in', { 'cognito:user_status': 'external_provider' }), BINDINGS)).toEqual({ tenant: 'acme', basis: 'NATIVE_TENANT_ATTRIBUTE' });
  });

  it('logs a trigger source of up to 64 letters, digits and _, and INVALID for anything else', () => {
    const log = (triggerSource: unknown) => decisionLogRecord({ ...event('refresh'), triggerSource: triggerSource as string }, rejected('UNSUPPORTED_TRIGGER_SOURCE')).triggerSource;
    expect(log('x'.repeat(64))).toBe('x'.repeat(64));
    for (const bad of ['x'.repeat(65), '', 'a-b', 'a b', 7, undefined]) expect(log(bad)).toBe('INVALID');
    expect(decisionLogRecord(undefined as never, rejected('UNSUPPORTED_TRIGGER_SOURCE')).triggerSource).toBe('INVALID');
  });

  it('keeps the other response fields, and adds no suppression list when there was none', () => {
    const groups = { groupsToOverride: ['g'] };
    const result = withTenantClaim({ ...event('native-sign-in'), response: { claimsOverrideDetails: { groupOverrideDetails: groups } } }, CLAIM, 'acme');
    expect(result.response).toEqual({ claimsOverrideDetails: { groupOverrideDetails: groups, claimsToAddOrOverride: { [CLAIM]: 'acme' } } });
    expect(withTenantClaim({ ...event('native-sign-in'), response: { claimsOverrideDetails: null } }, CLAIM, 'acme').response).toEqual({
      claimsOverrideDetails: { claimsToAddOrOverride: { [CLAIM]: 'acme' } },
    });
    expect(withTenantClaim({ ...event('native-sign-in'), response: undefined as never }, CLAIM, 'acme').response).toEqual({
      claimsOverrideDetails: { claimsToAddOrOverride: { [CLAIM]: 'acme' } },
    });
  });
});

describe('tenant-claim: the default role for users whose groups carry none', () => {
  const FUNCTION_ARN = 'arn:aws:lambda:eu-central-1:123456789012:function:tenantup-dev-tenant-claim';
  const DEFAULT = 'arn:aws:iam::123456789012:role/tenantup-dev-authenticated';

  it('leaves a user whose groups carry a role exactly as Cognito makes the token: free, paid, both, a tenant group', () => {
    for (const name of ['tier-free-sign-in', 'tier-paid-sign-in', 'tier-free-and-paid-sign-in', 'tenant-group-sign-in']) {
      expect({ name, hasRole: hasRoleFromGroups(event(name)) }).toEqual({ name, hasRole: true });
    }
  });

  it('finds no role for a user in no group, and for a Google user in only Cognito\'s <pool>_Google group', () => {
    expect(hasRoleFromGroups(event('native-sign-in'))).toBe(false);
    expect(hasRoleFromGroups(event('google-hosted-ui-sign-in'))).toBe(false);
    expect(hasRoleFromGroups(event('native-sign-in', {}, { request: { userAttributes: {} } }))).toBe(false);
    expect(hasRoleFromGroups(event('native-sign-in', {}, { request: { userAttributes: {}, groupConfiguration: { iamRolesToOverride: [''] } } }))).toBe(false);
  });

  it("builds the role's ARN from the function's own partition and account, and refuses anything else", () => {
    expect(roleArnInAccountOf(FUNCTION_ARN, 'tenantup-dev-authenticated')).toBe(DEFAULT);
    expect(roleArnInAccountOf(`${FUNCTION_ARN}:live`, 'r')).toBe('arn:aws:iam::123456789012:role/r');
    expect(roleArnInAccountOf('arn:aws-us-gov:lambda:us-gov-west-1:210987654321:function:f', 'r')).toBe('arn:aws-us-gov:iam::210987654321:role/r');
    for (const bad of [undefined, '', 'arn:aws:iam::123456789012:role/x', 'arn:aws:lambda:eu-central-1:12345:function:f', `${FUNCTION_ARN}/x`]) {
      expect(() => roleArnInAccountOf(bad, 'r')).toThrow(/not a Lambda function ARN/);
    }
    expect(() => roleArnInAccountOf(FUNCTION_ARN, 'a role')).toThrow(/not an IAM role name/);
  });

  it('puts the default role into the token as its only and preferred role, and passes the groups on unchanged', () => {
    const google = withDefaultRole(withoutTenantClaim(event('google-hosted-ui-sign-in', { [CLAIM]: undefined }), CLAIM), DEFAULT);
    expect(google.response).toEqual({
      claimsOverrideDetails: {
        claimsToSuppress: [CLAIM],
        groupOverrideDetails: { groupsToOverride: ['eu-central-1_EXAMPLE_Google'], iamRolesToOverride: [DEFAULT], preferredRole: DEFAULT },
      },
    });
    const none = withDefaultRole(withTenantClaim(event('native-sign-in'), CLAIM, 'acme'), DEFAULT);
    expect(none.response).toEqual({
      claimsOverrideDetails: { claimsToAddOrOverride: { [CLAIM]: 'acme' }, groupOverrideDetails: { groupsToOverride: [], iamRolesToOverride: [DEFAULT], preferredRole: DEFAULT } },
    });
  });

  it('writes defaultRoleName into bindings.json only where groups carry roles, and refuses a bad one', () => {
    expect(tenantClaimBindings({ tenantClaim: CLAIM, tenants: TENANTS })).not.toHaveProperty('defaultRoleName');
    expect(compileBindings(JSON.parse(renderBindings(tenantClaimBindings({ tenantClaim: CLAIM, tenants: TENANTS, defaultRoleName: 'up-dev-authenticated' })))).defaultRoleName).toBe('up-dev-authenticated');
    expect(tenantClaimBindingProblems({ tenantClaim: CLAIM, tenants: TENANTS, defaultRoleName: 'a role' })).toEqual([expect.stringMatching(/defaultRoleName must be an IAM role name/)]);
    expect(() => compileBindings({ ...tenantClaimBindings({ tenantClaim: CLAIM, tenants: TENANTS }), defaultRoleName: 7 })).toThrow(/defaultRoleName must be an IAM role name or absent/);
  });

  it('reads defaultRoleName from bindings.json only as a whole IAM role name of 1–64 characters, and leaves it out when absent', () => {
    const plain = tenantClaimBindings({ tenantClaim: CLAIM, tenants: TENANTS });
    for (const bad of ['a role', 'role/admin', 'admin*', '', 'x'.repeat(65), 'ok\nbad', 'bad!ok']) {
      expect(() => compileBindings({ ...plain, defaultRoleName: bad })).toThrow(/defaultRoleName must be an IAM role name or absent/);
    }
    for (const good of ['x'.repeat(64), 'up+dev=,.@_-Role9']) expect(compileBindings({ ...plain, defaultRoleName: good }).defaultRoleName).toBe(good);
    expect(Object.keys(compileBindings(plain))).not.toContain('defaultRoleName');
  });

  it('finds no role in a request without groupConfiguration or without a request, nor in roles that are not non-empty strings', () => {
    expect(hasRoleFromGroups({ ...event('native-sign-in'), request: undefined as never })).toBe(false);
    expect(hasRoleFromGroups(event('native-sign-in', {}, { request: { userAttributes: {}, groupConfiguration: { iamRolesToOverride: [null, 7, {}, ['arn:aws:iam::123456789012:role/x']] as never } } }))).toBe(false);
  });

  it('refuses a function ARN that is not a string, even one that prints as an ARN', () => {
    for (const bad of [[FUNCTION_ARN], { toString: () => FUNCTION_ARN }]) expect(() => roleArnInAccountOf(bad, 'r')).toThrow(/not a Lambda function ARN/);
  });

  it('passes on only the string group names, and no groups when the request has none or no request at all', () => {
    const mixed = withDefaultRole(event('native-sign-in', {}, { request: { userAttributes: {}, groupConfiguration: { groupsToOverride: ['free', 7, null, 'paid'] as never } } }), DEFAULT);
    expect(mixed.response.claimsOverrideDetails?.groupOverrideDetails).toEqual({ groupsToOverride: ['free', 'paid'], iamRolesToOverride: [DEFAULT], preferredRole: DEFAULT });
    const role = { groupOverrideDetails: { groupsToOverride: [], iamRolesToOverride: [DEFAULT], preferredRole: DEFAULT } };
    expect(withDefaultRole(event('native-sign-in', {}, { request: { userAttributes: {} } }), DEFAULT).response).toEqual({ claimsOverrideDetails: role });
    expect(withDefaultRole(event('native-sign-in', {}, { request: undefined as never, response: undefined as never }), DEFAULT).response).toEqual({ claimsOverrideDetails: role });
  });
});

describe('tenant-claim: the packaged handler', () => {
  const PII = ['jane.doe@example.com', 'j.smith@globex.example', 'a36036a8-9061-424d-a737-56d57dae7bbc', '5b9e2c4f-1d3a-4e6b-8f70-2a1c9d8e7f60', 'user0@idp.example'];
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-claim-test-'));
    const pkg = packageTrigger(TENANT_CLAIM_HANDLER_FILE, { [BINDINGS_FILE_NAME]: renderBindings(tenantClaimBindings({ tenantClaim: CLAIM, tenants: TENANTS })) });
    for (const [name, content] of Object.entries(readZip(pkg.zip))) fs.writeFileSync(path.join(dir, name), content);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Loads index.js in a fresh Node process (bindings.json read from its __dirname) and calls handler. */
  function invoke(input: PreTokenGenerationV1Event, folder = dir, context: object = {}): { result?: PreTokenGenerationV1Event; error?: string; output: string } {
    const script = `const { handler } = require(${JSON.stringify(path.join(folder, 'index.js'))});
      handler(JSON.parse(process.env.EVENT), ${JSON.stringify(context)}).then(
        (r) => process.stdout.write('\\nRESULT ' + JSON.stringify(r) + '\\n'),
        (e) => process.stdout.write('\\nERROR ' + e.message + '\\n'));`;
    const run = spawnSync(process.execPath, ['-e', script], { cwd: os.tmpdir(), env: { EVENT: JSON.stringify(input) }, encoding: 'utf8' });
    const lines = run.stdout.split('\n');
    const result = lines.find((l) => l.startsWith('RESULT '));
    const error = lines.find((l) => l.startsWith('ERROR '));
    const output = [...lines.filter((l) => !l.startsWith('RESULT ') && !l.startsWith('ERROR ')), run.stderr].join('\n');
    return { result: result ? JSON.parse(result.slice(7)) : undefined, error: error?.slice(6), output };
  }

  it('sets exactly the one claim and logs one decision without personal data', () => {
    for (const [input, tenant] of [
      [event('native-sign-in'), 'acme'],
      [event('refresh'), 'acme'],
      [event('saml-hosted-ui-sign-in'), 'globex'],
    ] as const) {
      const { result, error, output } = invoke(input);
      expect(error).toBeUndefined();
      expect(result?.response).toEqual({ claimsOverrideDetails: { claimsToAddOrOverride: { [CLAIM]: tenant } } });
      expect(result?.request).toEqual(input.request);
      expect(output.match(/tenant-claim/g)).toHaveLength(1);
      expect(output).toContain(`triggerSource: '${input.triggerSource}'`);
      expect(output).toContain("outcome: 'allowed'");
      for (const secret of [...PII, input.userName!, input.callerContext.clientId!]) expect(output).not.toContain(secret);
    }
  });

  it('fails the sign-in with a message that names no reason, and logs the reason without personal data', () => {
    const { result, error, output } = invoke(federated(['globex'], { [CLAIM]: 'acme' }));
    expect(result).toBeUndefined();
    expect(error).toBe('Sign-in refused by the tenant policy.');
    expect(output).toContain("reason: 'ASSERTED_TENANT_CONFLICT'");
    for (const secret of [...PII, 'acme', 'globex']) expect(output).not.toContain(secret);
  });

  it('sends a tenant-less Google user a token with the tenant claim suppressed, when the environment serves tenant-less users', () => {
    const tenantless = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-claim-tenantless-'));
    try {
      const pkg = packageTrigger(TENANT_CLAIM_HANDLER_FILE, { [BINDINGS_FILE_NAME]: renderBindings(tenantClaimBindings({ tenantClaim: CLAIM, tenants: TENANTS, tenantlessUsers: true })) });
      for (const [name, content] of Object.entries(readZip(pkg.zip))) fs.writeFileSync(path.join(tenantless, name), content);
      const input = event('google-hosted-ui-sign-in', { [CLAIM]: undefined });
      const { result, error, output } = invoke(input, tenantless);
      expect(error).toBeUndefined();
      expect(result?.response).toEqual({ claimsOverrideDetails: { claimsToSuppress: [CLAIM] } });
      expect(output).toContain("reason: 'TENANTLESS_USER'");
      for (const secret of ['sam.rivera@example.com', input.userName!, input.request.userAttributes.sub!]) expect(output).not.toContain(secret);
      // The same user without tenantlessUsers is refused, as before.
      expect(invoke(input).error).toBe('Sign-in refused by the tenant policy.');
    } finally {
      fs.rmSync(tenantless, { recursive: true, force: true });
    }
  });

  it("gives a user whose groups carry no role the default role, built from the function's own ARN; leaves tier and tenant-group users alone", () => {
    const withRoles = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-claim-roles-'));
    try {
      const bindings = tenantClaimBindings({ tenantClaim: CLAIM, tenants: TENANTS, tenantlessUsers: true, defaultRoleName: 'tenantup-dev-authenticated' });
      const pkg = packageTrigger(TENANT_CLAIM_HANDLER_FILE, { [BINDINGS_FILE_NAME]: renderBindings(bindings) });
      for (const [name, content] of Object.entries(readZip(pkg.zip))) fs.writeFileSync(path.join(withRoles, name), content);
      const context = { invokedFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:tenantup-dev-tenant-claim' };
      const DEFAULT = 'arn:aws:iam::123456789012:role/tenantup-dev-authenticated';
      // In no group: the tenant claim and the default role.
      const none = invoke(event('native-sign-in'), withRoles, context);
      expect(none.result?.response).toEqual({
        claimsOverrideDetails: { claimsToAddOrOverride: { [CLAIM]: 'acme' }, groupOverrideDetails: { groupsToOverride: [], iamRolesToOverride: [DEFAULT], preferredRole: DEFAULT } },
      });
      expect(none.output).toContain("role: 'DEFAULT_ROLE'");
      // A tenant-less Google user with only Cognito's <pool>_Google group: no claim, the default role, the group kept.
      const google = invoke(event('google-hosted-ui-sign-in', { [CLAIM]: undefined }), withRoles, context);
      expect(google.result?.response.claimsOverrideDetails?.groupOverrideDetails).toEqual({ groupsToOverride: ['eu-central-1_EXAMPLE_Google'], iamRolesToOverride: [DEFAULT], preferredRole: DEFAULT });
      expect(google.result?.response.claimsOverrideDetails?.claimsToSuppress).toEqual([CLAIM]);
      // free, paid, both, a tenant's group: exactly as Cognito makes the token (no group override).
      for (const name of ['tier-free-sign-in', 'tier-paid-sign-in', 'tier-free-and-paid-sign-in', 'tenant-group-sign-in']) {
        const run = invoke(event(name), withRoles, context);
        expect({ name, response: run.result?.response }).toEqual({ name, response: { claimsOverrideDetails: { claimsToAddOrOverride: { [CLAIM]: 'acme' } } } });
        expect(run.output).not.toContain('DEFAULT_ROLE');
      }
      // Without a usable function ARN the sign-in is refused (fail closed), with a reason in the log.
      const broken = invoke(event('native-sign-in'), withRoles, {});
      expect(broken.error).toBe('Sign-in refused by the tenant policy.');
      expect(broken.output).toContain("reason: 'DEFAULT_ROLE_UNRESOLVED'");
      expect(broken.output.match(/tenant-claim/g)).toHaveLength(1);
      // Environments without role mappings: no override, whatever the groups (the first package).
      expect(invoke(event('native-sign-in'), dir, context).result?.response).toEqual({ claimsOverrideDetails: { claimsToAddOrOverride: { [CLAIM]: 'acme' } } });
    } finally {
      fs.rmSync(withRoles, { recursive: true, force: true });
    }
  });

  it('fails every invocation when bindings.json is missing (fail closed)', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-claim-nobindings-'));
    try {
      fs.copyFileSync(path.join(dir, 'index.js'), path.join(empty, 'index.js'));
      const run = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(empty, 'index.js'))})`], { encoding: 'utf8' });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toMatch(/ENOENT.*bindings\.json/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('TenantClaimTrigger', () => {
  it('ships handler.ts with bindings.json through CognitoTrigger', () => {
    let trigger!: TenantClaimTrigger;
    const json = synthModule((scope) => {
      trigger = new TenantClaimTrigger(scope, 'TenantClaim', { functionName: 'up-dev-tenant-claim', tenantClaim: CLAIM, tenants: TENANTS });
      trigger.allowInvocationBy('arn:aws:cognito-idp:eu-central-1:123456789012:userpool/eu-central-1_EXAMPLE');
    });
    expect(onlyResource(json, 'aws_lambda_function')).toMatchObject({ function_name: 'up-dev-tenant-claim', runtime: 'nodejs22.x', handler: 'index.handler' });
    expect(onlyResource(json, 'aws_lambda_permission')).toMatchObject({ principal: 'cognito-idp.amazonaws.com' });
    const pkg = packageTrigger(TENANT_CLAIM_HANDLER_FILE, { [BINDINGS_FILE_NAME]: renderBindings(trigger.bindings) });
    expect(trigger.trigger.assetHash).toBe(pkg.sha256Hex);
    expect(JSON.parse(readZip(pkg.zip)[BINDINGS_FILE_NAME].toString())).toEqual(trigger.bindings);
    // Nothing but Node built-ins in the bundle: no cdktf, no provider, no zod.
    expect(pkg.bundle.toString()).not.toMatch(/require\("(?!node:)/);
  });

  it('reports binding and function problems together', () => {
    expect(() =>
      synthModule((scope) => new TenantClaimTrigger(scope, 'TenantClaim', { functionName: 'x'.repeat(65), tenantClaim: CLAIM, tenants: [{ id: 'acme' }, { id: 'acme' }], logRetentionDays: 2 })),
    ).toThrow(/^TenantClaimTrigger test\/TenantClaim:\n {2}- tenants\[1\]\.id "acme" repeats[\s\S]*functionName must be 1–64[\s\S]*logRetentionDays must be one of/);
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EnvironmentConfigError, loadEnvironments, MAX_IDENTITY_PROVIDERS_PER_USER_POOL } from '../modules/environment-config';
import { sampleEnvironmentConfig } from './helpers/sample-config';

const REPO = path.join(__dirname, '..');
const created: string[] = [];
afterAll(() => created.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
const NOW = new Date('2026-11-25T00:00:00Z');
const FIXTURES = path.join(__dirname, 'fixtures', 'saml');

const validConfig = sampleEnvironmentConfig;

/** A throw-away project root with the given environments and the repo's and fixtures' SAML files. */
function project(environments: Record<string, unknown | undefined>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'envcfg-'));
  created.push(root);
  fs.mkdirSync(path.join(root, 'saml'));
  fs.copyFileSync(path.join(REPO, 'saml', 'globex.xml'), path.join(root, 'saml', 'globex.xml'));
  for (const file of fs.readdirSync(FIXTURES)) fs.copyFileSync(path.join(FIXTURES, file), path.join(root, 'saml', file));
  for (const [name, config] of Object.entries(environments)) {
    fs.mkdirSync(path.join(root, 'environments', name), { recursive: true });
    if (config !== undefined) {
      const text = typeof config === 'string' ? config : JSON.stringify(config, null, 2);
      fs.writeFileSync(path.join(root, 'environments', name, 'config.json'), text);
    }
  }
  return root;
}

/** The gathered problems of loading `environments`, one string. */
function problemsOf(environments: Record<string, unknown | undefined>): string {
  try {
    loadEnvironments(project(environments), { now: NOW });
  } catch (error) {
    expect(error).toBeInstanceOf(EnvironmentConfigError);
    return (error as EnvironmentConfigError).problems.join('\n');
  }
  throw new Error('expected the configuration to be rejected');
}

function withTenants(...tenants: unknown[]) {
  return { ...validConfig(), tenants };
}


describe('environment configuration', () => {
  it('loads every folder under environments/, with defaults filled in and SAML metadata parsed', () => {
    const envs = loadEnvironments(REPO, { now: NOW });
    const folders = fs.readdirSync(path.join(REPO, 'environments'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(envs.map((e) => e.name)).toEqual(folders);
    for (const env of envs) {
      const raw = JSON.parse(fs.readFileSync(path.join(REPO, 'environments', env.name, 'config.json'), 'utf8'));
      expect(env.file).toBe(`environments/${env.name}/config.json`);
      expect(env.config.protected).toBe(raw.protected ?? false);
      expect(env.config.tenantAttribute).toBe(raw.tenantAttribute ?? 'customerName');
      const samlTenants = env.config.tenants.filter((t) => t.saml).map((t) => t.id);
      expect([...env.samlMetadata.keys()].sort()).toEqual(samlTenants.sort());
    }
  });

  describe('rejects hostile tenant ids, naming the file, the field and the value', () => {
    it.each([
      ['*', '"*"'],
      ['?', '"?"'],
      ['../x', '"../x"'],
      ['a/b', '"a/b"'],
      ['acme/', '"acme/"'],
      ['', '""'],
      ['a'.repeat(300), `"${'a'.repeat(300)}"`],
      ['Acme Corp', '"Acme Corp"'],
    ])('tenant id %j', (id, shown) => {
      const message = problemsOf({ dev: withTenants({ id: 'acme', displayName: 'A' }, { id, displayName: 'X' }) });
      expect(message).toContain('environments/dev/config.json: tenants[1].id must match ^[a-z0-9][a-z0-9-]{1,62}$');
      expect(message).toContain(`(received ${shown})`);
    });

    it('a duplicate tenant id', () => {
      expect(problemsOf({ dev: withTenants({ id: 'acme', displayName: 'A' }, { id: 'acme', displayName: 'B' }) })).toMatch(
        /environments\/dev\/config\.json: tenants\[1\]\.id duplicates tenants\[0\]\.id: .*\(received "acme"\)/,
      );
    });

    it('two ids that differ only in case', () => {
      const message = problemsOf({ dev: withTenants({ id: 'acme', displayName: 'A' }, { id: 'ACME', displayName: 'B' }) });
      expect(message).toMatch(/tenants\[1\]\.id must match .*\(received "ACME"\)/);
    });

    it('an id that would own another rule’s folder', () => {
      expect(problemsOf({ dev: withTenants({ id: 'private', displayName: 'P' }) })).toMatch(/tenants\[0\]\.id is reserved: the access rules use the folder "private"/);
    });
    it('an id that names a fixed folder of custom access rules', () => {
      const rules = [
        { pattern: 'data/{tenant}/*', principal: 'authenticated' as const, actions: ['read' as const] },
        { pattern: 'data/shared/{identity}/*', principal: 'authenticated' as const, actions: ['read' as const] },
      ];
      const root = project({ dev: withTenants({ id: 'shared', displayName: 'S' }, { id: 'private', displayName: 'P' }) });
      let message = '';
      try {
        loadEnvironments(root, { now: NOW, accessRules: rules });
      } catch (error) {
        message = (error as EnvironmentConfigError).problems.join('\n');
      }
      expect(message).toMatch(/tenants\[0\]\.id is reserved: the access rules use the folder "shared" .*\(received "shared"\)/);
      // With these rules "private" is an ordinary folder.
      expect(message).not.toMatch(/tenants\[1\]/);
    });
    it('custom access rules that are themselves invalid', () => {
      let message = '';
      try {
        loadEnvironments(project({ dev: validConfig() }), { now: NOW, accessRules: [{ pattern: 'shared/*', principal: 'authenticated', actions: ['read'] }] });
      } catch (error) {
        message = (error as EnvironmentConfigError).problems.join('\n');
      }
      expect(message).toMatch(/loadEnvironments options: accessRules\[0\]\.pattern must contain \{tenant\} or \{identity\}/);
    });
  });

  describe('rejects bad SAML metadata', () => {
    const samlTenant = (metadataFile: string) => withTenants({ id: 'globex', displayName: 'G', saml: { metadataFile } });

    it('a missing metadata file', () => {
      expect(problemsOf({ dev: samlTenant('nobody.xml') })).toMatch(/tenants\[0\]\.saml\.metadataFile \("nobody\.xml"\): .*(not found|does not exist|missing)/i);
    });
    it('a file that is not XML', () => {
      expect(problemsOf({ dev: samlTenant('not-xml.xml') })).toMatch(/tenants\[0\]\.saml\.metadataFile \("not-xml\.xml"\): .*XML/);
    });
    it('metadata without an IDPSSODescriptor', () => {
      expect(problemsOf({ dev: samlTenant('no-idpsso.xml') })).toMatch(/"no-idpsso\.xml"\): .*IDPSSODescriptor/);
    });
    it('metadata without a signing certificate', () => {
      expect(problemsOf({ dev: samlTenant('no-signing-cert.xml') })).toMatch(/"no-signing-cert\.xml"\): .*signing certificate/i);
    });
    it('a signing certificate that has expired', () => {
      expect(problemsOf({ dev: samlTenant('expired.xml') })).toMatch(/"expired\.xml"\): .*expired/i);
    });
    it('a metadata path outside saml/', () => {
      expect(problemsOf({ dev: samlTenant('../environments/x.xml') })).toMatch(/tenants\[0\]\.saml\.metadataFile must be a file name under saml\//);
    });
    it('a provider name Cognito reserves for social sign-in', () => {
      const google = withTenants({ id: 'google', displayName: 'G', saml: { metadataFile: 'globex.xml' } });
      expect(problemsOf({ dev: google })).toMatch(/tenants\[0\]\.saml\.providerName is reserved by Cognito .*\(received "google"\)/);
    });
    it('a provider name Cognito cannot hold', () => {
      const long = withTenants({ id: 'a'.repeat(40), displayName: 'L', saml: { metadataFile: 'globex.xml' } });
      expect(problemsOf({ dev: long })).toMatch(/tenants\[0\]\.saml\.providerName must be 3–32 characters/);
    });
    it('a provider name that is another tenant’s id, in any case', () => {
      const clash = withTenants({ id: 'acme', displayName: 'A' }, { id: 'globex', displayName: 'G', saml: { metadataFile: 'globex.xml', providerName: 'ACME' } });
      expect(problemsOf({ dev: clash })).toMatch(/tenants\[1\]\.saml\.providerName equals the id of tenants\[0\] \("acme"\): a provider name must not name another tenant.*\(received "ACME"\)/);
    });
    it('two providers with one name, in any case', () => {
      const twins = withTenants(
        { id: 'globex', displayName: 'G', saml: { metadataFile: 'globex.xml', providerName: 'corp-idp' } },
        { id: 'initech', displayName: 'I', saml: { metadataFile: 'globex.xml', providerName: 'Corp-IdP' } },
      );
      expect(problemsOf({ dev: twins })).toMatch(/tenants\[1\]\.saml\.providerName duplicates the SAML provider name of tenants\[0\]/);
    });
    it('a SAML tenant attribute, which is no longer read, with what to do', () => {
      const old = withTenants({ id: 'globex', displayName: 'G', saml: { metadataFile: 'globex.xml', tenantAttribute: 'customerName' } });
      expect(problemsOf({ dev: old })).toMatch(/tenants\[0\]\.saml\.tenantAttribute is no longer read: a SAML user belongs to the tenant whose provider signed them in, whatever the IdP asserts; delete this key \(received "customerName"\)/);
    });
    it('warns, without failing, when a signing certificate expires within 30 days', () => {
      const [dev] = loadEnvironments(project({ dev: validConfig() }), { now: new Date('2046-11-10T00:00:00Z') });
      expect(dev.warnings.join('\n')).toMatch(/tenants\[1\]\.saml\.metadataFile: .*expires/);
    });
  });

  describe('rejects bad environment settings', () => {
    it('an unknown region', () => {
      expect(problemsOf({ dev: { ...validConfig(), region: 'eu-middle-9' } })).toContain(
        'environments/dev/config.json: region is not a known AWS Region of the aws partition: use a code such as eu-central-1 (received "eu-middle-9").',
      );
    });
    it('an environment folder name that cannot become a stack and resource names', () => {
      expect(problemsOf({ 'dev-': validConfig() })).toMatch(/environments\/dev-: environment folder name "dev-" must match/);
    });
    it('an environment folder with no config', () => {
      expect(problemsOf({ dev: validConfig(), qa: undefined })).toMatch(/environments\/qa\/config\.json: missing; every environment folder needs a config\.json/);
    });
    it('an unknown config key (a likely typo), listing the allowed keys', () => {
      expect(problemsOf({ dev: { ...validConfig(), regoin: 'eu-central-1' } })).toMatch(
        /environments\/dev\/config\.json: regoin is not a known key \(a typo\?\); allowed keys here: region, namePrefix, protected/,
      );
    });
    it('an unknown key inside a tenant', () => {
      expect(problemsOf({ dev: withTenants({ id: 'acme', displayName: 'A', sam1: {} }) })).toMatch(/tenants\[0\]\.sam1 is not a known key .*allowed keys here: id, displayName, saml/);
    });
    it('a missing required field and a value of the wrong type', () => {
      const { region: _region, ...noRegion } = validConfig();
      const message = problemsOf({ dev: { ...noRegion, protected: 'yes' } });
      expect(message).toContain('environments/dev/config.json: region is required (a string).');
      expect(message).toContain('environments/dev/config.json: protected must be a boolean (received "yes").');
    });
    it('a file that is not JSON', () => {
      expect(problemsOf({ dev: '{ "region": ' })).toMatch(/environments\/dev\/config\.json: is not valid JSON/);
    });
    it('a wildcard CORS origin', () => {
      expect(problemsOf({ dev: { ...validConfig(), cors: { allowedOrigins: ['*'] } } })).toMatch(/cors\.allowedOrigins\[0\] must be an exact origin .*\(received "\*"\)/);
    });
    it('a name prefix whose hosted-UI domain Cognito would refuse', () => {
      expect(problemsOf({ dev: { ...validConfig(), namePrefix: 'aws-up' } })).toMatch(/namePrefix makes the hosted-UI domain prefix "aws-up-dev", which Cognito rejects/);
    });
    it('warns, without failing, that a legacy mutable tenant attribute can be changed by administrators', () => {
      const [dev] = loadEnvironments(project({ dev: { ...validConfig(), legacyMutableTenantAttribute: true } }), { now: NOW });
      expect(dev!.warnings.join('\n')).toMatch(/legacyMutableTenantAttribute is true: .*cognito-idp:AdminUpdateUserAttributes/);
      const [fresh] = loadEnvironments(project({ dev: validConfig() }), { now: NOW });
      expect(fresh!.warnings.join('\n')).not.toMatch(/legacyMutableTenantAttribute/);
    });
    it('a break-glass principal that is not a role ARN', () => {
      expect(problemsOf({ dev: { ...validConfig(), breakGlassPrincipalArn: 'arn:aws:iam::123456789012:root' } })).toMatch(
        /breakGlassPrincipalArn must be an IAM role ARN such as arn:aws:iam::123456789012:role\/incident-response \(received "arn:aws:iam::123456789012:root"\)/,
      );
    });
    it('a federated refresh-token lifetime outside Cognito’s bounds', () => {
      expect(problemsOf({ dev: { ...validConfig(), oauth: { ...validConfig().oauth, refreshTokenValidityHours: 0 } } })).toMatch(/oauth\.refreshTokenValidityHours/);
    });
    it('a remote backend without encryption or S3 locking', () => {
      const backend = { bucket: 'state-bucket', key: 'dev.tfstate', region: 'eu-central-1', encrypt: false, useLockfile: false };
      const message = problemsOf({ dev: { ...validConfig(), backend } });
      expect(message).toMatch(/backend\.encrypt must be true/);
      expect(message).toMatch(/backend\.useLockfile must be true/);
    });
  });

  it('rejects more SAML tenants than the user pool’s identity-provider quota', () => {
    const tenants = Array.from({ length: MAX_IDENTITY_PROVIDERS_PER_USER_POOL + 1 }, (_, i) => ({
      id: `tenant-${i}`,
      displayName: `T${i}`,
      saml: { metadataFile: 'globex.xml' },
    }));
    expect(problemsOf({ dev: withTenants(...tenants) })).toMatch(/: tenants exceeds the quota identityProvidersPerUserPool of 300 identity providers per user pool \(AWS default 300\): .*Service Quotas.* \(received "301 SAML tenants"\)\.$/);
  });

  it('gathers the problems of every environment into one error', () => {
    const message = problemsOf({ dev: { ...validConfig(), region: 'nowhere' }, prod: withTenants({ id: '*', displayName: 'S' }) });
    expect(message).toMatch(/environments\/dev\/config\.json: region/);
    expect(message).toMatch(/environments\/prod\/config\.json: tenants\[0\]\.id/);
  });
});

describe('tenant data beyond S3 in the environment configuration', () => {
  it('is off unless declared; an empty declaration means prefix keys, every item action, and a 30-day recovery window', () => {
    const [off] = loadEnvironments(project({ dev: validConfig() }), { now: NOW });
    expect([off!.config.table, off!.config.tenantSecrets]).toEqual([undefined, undefined]);
    const [on] = loadEnvironments(project({ dev: { ...validConfig(), table: {}, tenantSecrets: {} } }), { now: NOW });
    expect(on!.config.table).toEqual({ leadingKey: 'prefix', actions: ['read', 'write', 'delete'] });
    expect(on!.config.tenantSecrets).toEqual({ recoveryWindowInDays: 30 });
  });
  it('rejects an unknown leading-key mode, an unknown or empty action list, a recovery window outside 7–30 and unknown keys, naming the file and field', () => {
    const problems = problemsOf({
      dev: { ...validConfig(), table: { leadingKey: 'any', actions: ['scan'], indexes: [] }, tenantSecrets: { recoveryWindowInDays: 0, value: 'x' } },
    });
    expect(problems).toMatch(/environments\/dev\/config\.json.*table\.leadingKey/);
    expect(problems).toMatch(/table\.actions\[0\]/);
    expect(problems).toMatch(/table.*indexes/);
    expect(problems).toMatch(/tenantSecrets\.recoveryWindowInDays/);
    expect(problems).toMatch(/tenantSecrets.*value/);
    expect(problemsOf({ dev: { ...validConfig(), table: { actions: [] } } })).toMatch(/table\.actions must list at least one of read, write, delete/);
  });
});

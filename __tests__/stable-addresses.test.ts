/**
 * Terraform addresses are state: a resource whose address changes is destroyed and created again.
 * Onboarding or offboarding a tenant must therefore add or remove only that tenant's resources, and
 * never move a stateful one (bucket, user pool, key, identity pool). Proven on the addresses of two
 * synths of the same environment, before and after a one-tenant edit of its config.json, loaded by
 * the real loader — for every repository environment and a generated one without SAML.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LoadedEnvironment } from '../modules/environment-config';
import { generatedConfig, removeGeneratedEnvironments, writeGeneratedEnvironments } from './helpers/generated-environment';
import { REPO_ROOT, repositoryEnvironments, StackJson, synthLoaded } from './helpers/synth';

afterAll(removeGeneratedEnvironments);

/** Resources whose loss loses data or identities; their addresses must never move. */
const STATEFUL_TYPES = ['aws_s3_bucket', 'aws_cognito_user_pool', 'aws_kms_key', 'aws_cognito_identity_pool'];
/** The one shared resource that exists only while an environment has a SAML tenant (README: Outputs). */
const isFederatedClient = (address: string) => address.startsWith('aws_cognito_user_pool_client.UserPool_FederatedClient_');
/** A tenant's own resources: per-tenant constructs are keyed by tenant id (`SamlProvider-<id>`, `TenantSecrets/Secret-<id>`). */
const ownedBy = (tenant: string) => (address: string) => new RegExp(`^(data\\.)?[a-z0-9_]+\\.(?:[A-Za-z]+_)*[A-Za-z]+-${tenant}_`).test(address);
/** Data-bearing resources an environment may have or not (the tenant table): present or absent, their addresses never move. */
const OPTIONAL_STATEFUL_TYPES = ['aws_dynamodb_table'];

type RawConfig = Record<string, any>;

/** Every resource and data-source address of a stack. */
function addresses(stack: StackJson): string[] {
  const of = (blocks: StackJson['resource'], prefix: string) =>
    Object.entries(blocks ?? {}).flatMap(([type, byName]) => Object.keys(byName).filter((n) => !n.startsWith('//')).map((n) => `${prefix}${type}.${n}`));
  return [...of(stack.resource, ''), ...of(stack.data, 'data.')].sort();
}

/** The config written as environments/<name>/config.json in a fresh folder, loaded and synthesized. */
function synthConfig(name: string, config: RawConfig): { environment: LoadedEnvironment; addresses: string[] } {
  const [environment] = writeGeneratedEnvironments({ [name]: config });
  return { environment, addresses: addresses(synthLoaded(environment)) };
}

/** Providers of the federated client: SAML tenants, plus social sign-in (which no tenant edit changes). */
const samlCount = (config: RawConfig) => (config.tenants as RawConfig[]).filter((t) => t.saml).length + (config.socialSignIn === undefined ? 0 : 1);
const difference = (a: readonly string[], b: readonly string[]) => a.filter((x) => !b.includes(x));

/**
 * Asserts that going from `before` to `after` adds exactly `tenant`'s resources (or removes them),
 * plus the federated client when the number of SAML tenants crosses zero, and moves no stateful one.
 */
function expectOnlyTenantChanged(
  before: { config: RawConfig; addresses: string[] },
  after: { config: RawConfig; addresses: string[] },
  tenant: string,
): void {
  const added = difference(after.addresses, before.addresses);
  const removed = difference(before.addresses, after.addresses);
  const federatedAppears = samlCount(before.config) === 0 && samlCount(after.config) > 0;
  const federatedGoes = samlCount(before.config) > 0 && samlCount(after.config) === 0;
  const expectedAdded = after.addresses.filter((a) => ownedBy(tenant)(a) && !before.addresses.includes(a)).concat(federatedAppears ? after.addresses.filter(isFederatedClient) : []);
  const expectedRemoved = before.addresses.filter((a) => ownedBy(tenant)(a) && !after.addresses.includes(a)).concat(federatedGoes ? before.addresses.filter(isFederatedClient) : []);
  expect({ added: added.sort(), removed: removed.sort() }).toEqual({ added: expectedAdded.sort(), removed: expectedRemoved.sort() });
  // Nothing another tenant owns, and nothing else shared, changed address.
  expect(added.filter((a) => !ownedBy(tenant)(a) && !isFederatedClient(a))).toEqual([]);
  expect(removed.filter((a) => !ownedBy(tenant)(a) && !isFederatedClient(a))).toEqual([]);
  for (const type of STATEFUL_TYPES) {
    const of = (list: string[]) => list.filter((a) => a.startsWith(`${type}.`));
    expect({ type, after: of(after.addresses) }).toEqual({ type, after: of(before.addresses) });
    expect(of(before.addresses)).toHaveLength(1);
  }
  for (const type of OPTIONAL_STATEFUL_TYPES) {
    const of = (list: string[]) => list.filter((a) => a.startsWith(`${type}.`));
    expect({ type, after: of(after.addresses) }).toEqual({ type, after: of(before.addresses) });
  }
}

/** A SAML metadata file of the repository (any: the test needs a valid one, not a particular tenant). */
function someMetadataFile(): string {
  const file = fs.readdirSync(path.join(REPO_ROOT, 'saml')).filter((f) => f.endsWith('.xml')).sort()[0];
  if (!file) throw new Error('saml/ holds no metadata file to onboard a SAML tenant with');
  return file;
}

const BASES: ReadonlyArray<[string, () => RawConfig]> = [
  ...repositoryEnvironments().map((env): [string, () => RawConfig] => [env.name, () => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, env.file), 'utf8'))]),
  ['qa', () => generatedConfig('qa', { remoteBackend: true })],
  // With the tenant table and one secret per tenant: a tenant's secret is its own, the table shared.
  ['qa-data', () => ({ ...generatedConfig('qa-data'), table: {}, tenantSecrets: {} })],
];

describe.each(BASES)('tenant changes in %s keep every other address', (name, raw) => {
  const base = () => {
    const config = raw();
    return { config, addresses: synthConfig(name, config).addresses };
  };
  let before: { config: RawConfig; addresses: string[] };
  beforeAll(() => {
    before = base();
  });
  const variant = (edit: (tenants: RawConfig[]) => RawConfig[]) => {
    const config = { ...before.config, tenants: edit([...before.config.tenants]) };
    return { config, addresses: synthConfig(name, config).addresses };
  };

  it('adding a SAML tenant, in front of the others, adds only its provider (and the federated client if it is the first SAML tenant)', () => {
    const after = variant((tenants) => [{ id: 'newco', displayName: 'Newco', saml: { metadataFile: someMetadataFile() } }, ...tenants]);
    expect(after.addresses.filter(ownedBy('newco'))).not.toEqual([]);
    expectOnlyTenantChanged(before, after, 'newco');
  });

  it('adding a tenant in front of the others (every index shifts) changes no address but adds its own', () => {
    const after = variant((tenants) => [{ id: 'aaa-first', displayName: 'First' }, ...tenants]);
    // Only the new tenant's own resources (its secret, where the environment has tenant secrets).
    expect(difference(after.addresses, before.addresses).filter((a) => !ownedBy('aaa-first')(a))).toEqual([]);
    expectOnlyTenantChanged(before, after, 'aaa-first');
  });

  it('removing the last tenant removes only its resources (and the federated client with the last SAML tenant)', () => {
    const last = before.config.tenants[before.config.tenants.length - 1].id as string;
    if (before.config.tenants.length < 2) return; // an environment needs one tenant; nothing to remove
    const after = variant((tenants) => tenants.slice(0, -1));
    expectOnlyTenantChanged(before, after, last);
  });
});

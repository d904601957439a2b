/**
 * The tenant-claim trigger as each environment deploys it: the bindings in the package come from
 * the environment's config (SAML tenants bound to their provider, the others native), the package
 * deployed is exactly the one built from them, the user pool runs it on every token, and only that
 * pool may invoke it. Environments are discovered, never listed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import { packageTrigger, readZip } from '../modules/cognito-trigger';
import { LoadedEnvironment } from '../modules/environment-config';
import { ruleContextFor, runRules } from '../modules/security-rules';
import { BINDINGS_FILE_NAME, compileBindings, renderBindings, resolveTenant, TENANT_CLAIM_HANDLER_FILE } from '../modules/tenant-claim';
import { UploadPlatformStack } from '../modules/upload-platform-stack';
import { repositoryEnvironments, synthStack } from './helpers/synth';

const FIXTURES = path.join(__dirname, 'fixtures', 'cognito-events');
/** A refresh (the trigger runs on refresh too) of a native user, and a hosted-UI SAML sign-in, as Cognito sends them. */
const fixture = (file: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8'));

type Synthesized = ReturnType<typeof synthStack> & { readonly json: any };
const synth = (environment: LoadedEnvironment): Synthesized => synthStack(environment);

/** The one resource of a type that belongs to the tenant-claim trigger (construct path TenantClaim/…). */
function only(json: any, type: string): { address: string; config: any } {
  const entries = Object.entries(json.resource?.[type] ?? {}).filter(([name]) => !name.startsWith('//') && (type === 'aws_cognito_user_pool' || name.startsWith('TenantClaim_')));
  if (entries.length !== 1) throw new Error(`expected one ${type}, found ${entries.length}`);
  return { address: `${type}.${entries[0][0]}`, config: entries[0][1] };
}

/** The bindings.json of the package the stack deploys, read back from the zip that its source_code_hash names. */
function deployedBindings({ stack, json }: Synthesized): any {
  const pkg = packageTrigger(TENANT_CLAIM_HANDLER_FILE, { [BINDINGS_FILE_NAME]: renderBindings(stack.tenantClaim.bindings) });
  expect(only(json, 'aws_lambda_function').config.source_code_hash).toBe(pkg.sha256Base64);
  return JSON.parse(readZip(pkg.zip)[BINDINGS_FILE_NAME].toString('utf8'));
}

/** An environment like `base` with `count` more native tenants, built in memory. */
function withMoreTenants(base: LoadedEnvironment, count: number, name = `${base.name}x`): LoadedEnvironment {
  const extra = Array.from({ length: count }, (_, i) => ({ id: `t${String(i).padStart(5, '0')}`, displayName: `Tenant ${i}` }));
  return { ...base, name, config: { ...base.config, tenants: [...base.config.tenants, ...extra] } };
}

describe.each(repositoryEnvironments().map((e) => [e.name, e] as const))('the tenant-claim trigger of %s', (_name, environment) => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synth(environment);
  });

  it('binds every SAML tenant to its provider, and lets native users into the other tenants only', () => {
    const tenants = environment.config.tenants;
    const bindings = deployedBindings(synthesized);
    expect(bindings.tenantClaim).toBe(`custom:${environment.config.tenantAttribute}`);
    expect(bindings.providers).toEqual(Object.fromEntries(tenants.filter((t) => t.saml).map((t) => [t.saml!.providerName ?? t.id, t.id])));
    expect([...bindings.nativeTenants].sort()).toEqual(tenants.filter((t) => !t.saml).map((t) => t.id).sort());
  });

  it('runs on every token the user pool issues (V1_0), and may be invoked by that pool only', () => {
    const { json } = synthesized;
    const fn = only(json, 'aws_lambda_function');
    const pool = only(json, 'aws_cognito_user_pool');
    expect(pool.config.lambda_config.pre_token_generation_config).toEqual({ lambda_arn: `\${${fn.address}.arn}`, lambda_version: 'V1_0' });
    // Pre sign-up (account linking) only where social sign-in is on; nothing else in lambda_config.
    const social = environment.config.socialSignIn !== undefined;
    expect(Object.keys(pool.config.lambda_config).sort()).toEqual(social ? ['pre_sign_up', 'pre_token_generation_config'] : ['pre_token_generation_config']);
    expect(only(json, 'aws_lambda_permission').config).toMatchObject({
      action: 'lambda:InvokeFunction',
      principal: 'cognito-idp.amazonaws.com',
      function_name: `\${${fn.address}.function_name}`,
      source_arn: `\${${pool.address}.arn}`,
    });
  });

  it('maps nothing from any identity provider into the tenant claim, and lets no app client write it', () => {
    const { json } = synthesized;
    const claim = `custom:${environment.config.tenantAttribute}`;
    for (const idp of Object.values<any>(json.resource.aws_cognito_identity_provider ?? {})) expect(Object.keys(idp.attribute_mapping ?? {})).not.toContain(claim);
    for (const client of Object.values<any>(json.resource.aws_cognito_user_pool_client)) expect(client.write_attributes).not.toContain(claim);
  });

  it('packages the same bytes on every synth, so an unchanged environment plans no change', () => {
    const again = synth(environment);
    expect(only(again.json, 'aws_lambda_function').config).toEqual(only(synthesized.json, 'aws_lambda_function').config);
  });

  it('changes the package, and only the function among the trigger’s resources, when a tenant is onboarded', () => {
    const onboarded = synth(withMoreTenants(environment, 1, environment.name));
    const before = only(synthesized.json, 'aws_lambda_function').config;
    const after = only(onboarded.json, 'aws_lambda_function').config;
    expect(after.source_code_hash).not.toBe(before.source_code_hash);
    expect({ ...after, source_code_hash: 'x', filename: 'x' }).toEqual({ ...before, source_code_hash: 'x', filename: 'x' });
    expect(deployedBindings(onboarded).nativeTenants).toContain('t00000');
  });

  it('refuses the next refresh of every user of a tenant removed from the config, native or SAML, and accepted it before', () => {
    const before = compileBindings(deployedBindings(synthesized));
    for (const removed of environment.config.tenants) {
      const remaining = environment.config.tenants.filter((t) => t !== removed);
      if (remaining.length === 0) continue;
      const bindings = compileBindings(deployedBindings(synth({ ...environment, config: { ...environment.config, tenants: remaining } })));
      const event = removed.saml ? fixture('saml-hosted-ui-sign-in.json') : fixture('refresh.json');
      event.triggerSource = 'TokenGeneration_RefreshTokens';
      const attributes = event.request.userAttributes;
      if (removed.saml) {
        const providerName = removed.saml.providerName ?? removed.id;
        attributes.identities = JSON.stringify(JSON.parse(attributes.identities).map((i: object) => ({ ...i, providerName })));
        delete attributes[bindings.tenantClaim];
      } else {
        attributes[bindings.tenantClaim] = removed.id;
      }
      expect(resolveTenant(structuredClone(event), before)).toMatchObject({ tenant: removed.id });
      expect({ removed: removed.id, decision: resolveTenant(event, bindings) }).toEqual({ removed: removed.id, decision: { reject: removed.saml ? 'UNKNOWN_PROVIDER' : 'TENANT_NOT_NATIVE' } });
    }
  });
});

describe('the tenant-claim trigger at scale', () => {
  it('binds 10 000 tenants in the package (Lambda environment variables hold 4 KB), and the stack still passes every rule', () => {
    const base = repositoryEnvironments()[0];
    const environment = withMoreTenants(base, 10_000 - base.config.tenants.length, 'scale');
    const synthesized = synth(environment);
    const bindings = deployedBindings(synthesized);
    expect(bindings.nativeTenants.length + Object.keys(bindings.providers).length).toBe(10_000);
    expect(only(synthesized.json, 'aws_lambda_function').config.environment).toBeUndefined();
    expect(runRules(synthesized.json, ruleContextFor(environment)).errors).toEqual([]);
  });
});

describe('UploadPlatformStack with custom access rules', () => {
  it('refuses, before creating anything, a tenant whose id names a fixed folder of its rules', () => {
    const base = repositoryEnvironments()[0];
    const environment = { ...base, config: { ...base.config, tenants: [...base.config.tenants, { id: 'shared', displayName: 'S' }] } };
    const accessRules = [
      { pattern: 'data/{tenant}/*', principal: 'authenticated' as const, actions: ['read' as const] },
      { pattern: 'data/shared/{identity}/*', principal: 'authenticated' as const, actions: ['read' as const] },
    ];
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'synth-')), stackTraces: false });
    expect(() => new UploadPlatformStack(app, { environment, accessRules })).toThrow(
      new RegExp(`^${base.file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: tenants "shared" name a fixed folder of the access rules \\(reserved: shared\\)`),
    );
    expect(app.node.children).toEqual([]);
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });
});

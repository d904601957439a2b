/**
 * Environments that exist only in tests, so no test depends on which folders environments/ holds.
 *
 *   generatedConfig(options)              a valid config.json body (no SAML tenant by default)
 *   writeGeneratedEnvironments(configs)   written to a temp environments/ folder and loaded by the
 *                                         real loader, as `npm run synth` would load them
 *   inMemoryEnvironment(name, config)     parsed with the real schema (defaults filled), not written
 *
 * They are built from nothing in environments/: renaming or removing a repository environment
 * changes none of them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { environmentConfigSchema, LoadedEnvironment, loadEnvironments } from '../../modules/environment-config';
import { REPO_ROOT, TEST_NOW } from './synth';

export interface GeneratedConfigOptions {
  /** Tenant ids, none of them SAML. @default - three tenants */
  readonly tenants?: readonly string[];
  /** Adds an S3 `backend` block. @default false */
  readonly remoteBackend?: boolean;
  /** @default false */
  readonly protected?: boolean;
  /** @default eu-north-1 (a Region no repository environment needs to use) */
  readonly region?: string;
}

/** The body of a `config.json`, as a person would write it (defaults left to the schema). */
export function generatedConfig(name: string, options: GeneratedConfigOptions = {}): Record<string, unknown> {
  const region = options.region ?? 'eu-north-1';
  const site = `https://${name}.uploads.example.com`;
  return {
    region,
    namePrefix: 'tenantup',
    protected: options.protected ?? false,
    tenants: (options.tenants ?? ['alpha', 'bravo', 'charlie']).map((id) => ({ id, displayName: `Tenant ${id}` })),
    cors: { allowedOrigins: [site] },
    oauth: { callbackUrls: [`${site}/auth/callback`], logoutUrls: [`${site}/`] },
    ...(options.remoteBackend
      ? { backend: { bucket: 'tenantup-terraform-state', key: `uploads/${name}.tfstate`, region, encrypt: true, useLockfile: true } }
      : {}),
  };
}

/** `base`, or `base-2`, `base-3`… : a name no folder under environments/ has, for a generated environment synthesized beside them. */
export function unusedEnvironmentName(base: string, taken: readonly string[]): string {
  let name = base;
  for (let i = 2; taken.includes(name); i++) name = `${base}-${i}`;
  return name;
}

const created: string[] = [];
/** Removes every folder `writeGeneratedEnvironments` created; call it from `afterAll`. */
export function removeGeneratedEnvironments(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Writes `<tmp>/<name>/config.json` for each config and loads them with `loadEnvironments`
 * (the real loader: schema, Region check, SAML metadata from the repository's saml/ folder).
 */
export function writeGeneratedEnvironments(configs: Readonly<Record<string, unknown>>): LoadedEnvironment[] {
  const environmentsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'generated-environments-'));
  created.push(environmentsDir);
  for (const [name, config] of Object.entries(configs)) {
    fs.mkdirSync(path.join(environmentsDir, name));
    fs.writeFileSync(path.join(environmentsDir, name, 'config.json'), JSON.stringify(config, null, 2));
  }
  return loadEnvironments(REPO_ROOT, { environmentsDir, now: TEST_NOW });
}

/** A loaded environment built in memory: the config parsed by the real schema, no SAML tenant. */
export function inMemoryEnvironment(name: string, config: Record<string, unknown>): LoadedEnvironment {
  return {
    name,
    file: `environments/${name}/config.json (generated in memory)`,
    config: environmentConfigSchema.parse(config),
    samlMetadata: new Map(),
    warnings: [],
  };
}

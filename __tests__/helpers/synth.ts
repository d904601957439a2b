import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import { LoadedEnvironment, loadEnvironments } from '../../modules/environment-config';
import { UploadPlatformStack, UploadPlatformStackProps } from '../../modules/upload-platform-stack';
import { StackJson } from './module-stack';

export const REPO_ROOT = path.join(__dirname, '..', '..');
/** Tests never read the clock: certificate expiry is judged on this day. */
export const TEST_NOW = new Date('2026-11-25T00:00:00Z');

let repoEnvironments: LoadedEnvironment[] | undefined;
const cache = new Map<string, StackJson>();

/** The repository's environments, validated as `npm run synth` would, with the test clock. */
export function repositoryEnvironments(): LoadedEnvironment[] {
  repoEnvironments ??= loadEnvironments(REPO_ROOT, { now: TEST_NOW });
  return repoEnvironments;
}

/**
 * Synthesizes one environment of the repository and returns its `cdk.tf.json` read back from
 * disk, exactly what Terraform would read. Cached per test file.
 */
export function synthEnvironment(name: string): StackJson {
  const cached = cache.get(name);
  if (cached) return cached;
  const environment = repositoryEnvironments().find((env) => env.name === name);
  if (!environment) throw new Error(`no environment ${name}; known: ${repositoryEnvironments().map((e) => e.name).join(', ')}`);
  const json = synthLoaded(environment);
  cache.set(name, json);
  return json;
}

/** Synthesizes a stack for any loaded environment (e.g. one built in memory) and reads it back. */
export function synthLoaded(environment: LoadedEnvironment, props: Omit<UploadPlatformStackProps, 'environment'> = {}): StackJson {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
  try {
    const app = new App({ outdir });
    new UploadPlatformStack(app, { ...props, environment });
    app.synth();
    return JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', environment.name, 'cdk.tf.json'), 'utf8')) as StackJson;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

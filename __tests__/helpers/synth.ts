/**
 * Shared synth helper: builds the real `UploadPlatformStack` for an environment, synthesizes it with
 * `app.synth()` into a fresh temporary folder and returns the `cdk.tf.json` read back from disk,
 * exactly what Terraform (and the security rules) read.
 *
 *   synthEnvironment(name)              a repository environment, cached per test file
 *   synthLoaded(environment, props?)    any LoadedEnvironment (e.g. a modified copy), not cached
 *   editableCopy(stack)                 a deep copy to mutate in a test
 *   synthChecked(environments)          main.ts's path: one app, every stack, the security rules
 *                                       (synthesizeChecked), published to a temporary folder
 *
 * Cached stacks are deep-frozen: a test that wants to change one takes `editableCopy` first, so no
 * test can leak a mutation into another. The environments are loaded with a fixed clock (TEST_NOW).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import { LoadedEnvironment, loadEnvironments } from '../../modules/environment-config';
import { RuleReport, ruleContextFor, synthesizeChecked } from '../../modules/security-rules';
import { UploadPlatformStack, UploadPlatformStackProps } from '../../modules/upload-platform-stack';
import { StackJson } from './module-stack';

export type { StackJson };

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

/** One repository environment by name (discovered from environments/). */
export function repositoryEnvironment(name: string): LoadedEnvironment {
  const environment = repositoryEnvironments().find((env) => env.name === name);
  if (!environment) throw new Error(`no environment ${name}; known: ${repositoryEnvironments().map((e) => e.name).join(', ')}`);
  return environment;
}

/** The synthesized stack of a repository environment; cached per test file and frozen. */
export function synthEnvironment(name: string): StackJson {
  let json = cache.get(name);
  if (!json) {
    json = deepFreeze(synthLoaded(repositoryEnvironment(name)));
    cache.set(name, json);
  }
  return json;
}

/**
 * Fixed environments the security-rule tests own (`__tests__/fixtures/rule-environments`): `lab`
 * (unprotected, a SAML tenant, acknowledged warnings), `vault` (protected) and `kiosk` (Google and
 * Apple sign-in, tenant-less users, secrets from a variable and an SSM parameter). The rule tests mutate
 * these, never `environments/`, which is data and may change shape at any time.
 */
export const RULE_FIXTURES_DIR = path.join(REPO_ROOT, '__tests__', 'fixtures', 'rule-environments');
let fixtureEnvironments: LoadedEnvironment[] | undefined;

/** One of the rule tests' fixture environments by name. */
export function fixtureEnvironment(name: string): LoadedEnvironment {
  fixtureEnvironments ??= loadEnvironments(REPO_ROOT, { now: TEST_NOW, environmentsDir: RULE_FIXTURES_DIR });
  const environment = fixtureEnvironments.find((env) => env.name === name);
  if (!environment) throw new Error(`no fixture environment ${name}; known: ${fixtureEnvironments.map((e) => e.name).join(', ')}`);
  return environment;
}

/** The synthesized stack of a fixture environment; cached per test file and frozen. */
export function synthFixture(name: string): StackJson {
  const key = `fixture:${name}`;
  let json = cache.get(key);
  if (!json) {
    json = deepFreeze(synthLoaded(fixtureEnvironment(name)));
    cache.set(key, json);
  }
  return json;
}

/** Synthesizes a stack for any loaded environment (e.g. one built in memory) and reads it back. */
export function synthLoaded(environment: LoadedEnvironment, props: Omit<UploadPlatformStackProps, 'environment'> = {}): StackJson {
  return synthStack(environment, props).json;
}

/** Like `synthLoaded`, with the construct too, for tests that read its attributes. */
export function synthStack(environment: LoadedEnvironment, props: Omit<UploadPlatformStackProps, 'environment'> = {}): { stack: UploadPlatformStack; json: StackJson } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
  try {
    // Stack traces only feed construct metadata we do not read; leaving them out keeps synth fast.
    const app = new App({ outdir, stackTraces: false });
    const stack = new UploadPlatformStack(app, { ...props, environment });
    app.synth();
    return { stack, json: JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', environment.name, 'cdk.tf.json'), 'utf8')) as StackJson };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** What `synthChecked` returns: each stack as written, and the security-rule report of each. */
export interface CheckedSynth {
  readonly stacks: ReadonlyMap<string, StackJson>;
  readonly reports: ReadonlyMap<string, RuleReport>;
  readonly errorCount: number;
  /** Every line the rules printed. */
  readonly log: readonly string[];
}

/**
 * Synthesizes the environments the way main.ts does (one app, one stack each, the security rules
 * over every cdk.tf.json, published only without rule errors) into a temporary folder, and reads
 * each published stack back.
 */
export function synthChecked(environments: readonly LoadedEnvironment[]): CheckedSynth {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'checked-synth-'));
  const log: string[] = [];
  try {
    const result = synthesizeChecked(
      (app) => {
        for (const environment of environments) new UploadPlatformStack(app, { environment });
      },
      { contexts: environments.map(ruleContextFor), outdir: path.join(outdir, 'cdktf.out'), app: { stackTraces: false }, log: (line) => log.push(line) },
    );
    const stacks = new Map<string, StackJson>();
    if (result.published) {
      for (const environment of environments) {
        const file = path.join(result.outdir, 'stacks', environment.name, 'cdk.tf.json');
        stacks.set(environment.name, deepFreeze(JSON.parse(fs.readFileSync(file, 'utf8')) as StackJson));
      }
    }
    return { stacks, reports: new Map(result.reports.map((r) => [r.environment, r])), errorCount: result.errorCount, log };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** A deep, mutable copy of a (possibly frozen) stack. */
export function editableCopy(stack: object): any {
  return structuredClone(stack);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

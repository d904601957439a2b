/**
 * Builds the deployment package of a trigger at synth time: the TypeScript handler bundled into one
 * CommonJS file with esbuild, zipped reproducibly with its data files.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync, version as esbuildVersion } from 'esbuild';
import { deterministicZip } from './deterministic-zip';

/** The file Lambda loads; the function's handler setting is `index.handler`. */
export const BUNDLE_FILE_NAME = 'index.js';

/** A trigger's deployment package. */
export interface TriggerPackage {
  /** The bundled handler (`index.js`). */
  readonly bundle: Buffer;
  /** The .zip bytes Lambda receives. */
  readonly zip: Buffer;
  /** SHA-256 of the zip, hex: names the package (asset hash, file name). */
  readonly sha256Hex: string;
  /** SHA-256 of the zip, base64: what `source_code_hash` compares. */
  readonly sha256Base64: string;
}

/** Bundles per handler path: tests synthesize many stacks, and esbuild need run once per file. */
const bundles = new Map<string, Buffer>();

/**
 * Bundles a TypeScript handler into one self-contained CommonJS file for the Lambda Node.js 22
 * runtime. The working directory is the handler's folder, so the comments esbuild writes name
 * files relative to it and no path of the build machine reaches the package (or its hash).
 * https://esbuild.github.io/api/#working-directory
 */
export function bundleHandler(handlerFile: string): Buffer {
  const cached = bundles.get(handlerFile) ?? readBundleCache(handlerFile);
  if (cached) {
    bundles.set(handlerFile, cached);
    return cached;
  }
  const result = buildSync({
    entryPoints: [path.basename(handlerFile)],
    absWorkingDir: path.dirname(handlerFile),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    sourcemap: false,
    minify: false,
    legalComments: 'none',
    // Fixed TypeScript settings instead of whatever tsconfig.json lies above the handler: the
    // repository's when run from source, none (or the consumer's) when installed as a package. The
    // bundle, and the package hash, would otherwise depend on where the package is installed.
    // `alwaysStrict` keeps the "use strict" the repository's `strict: true` always gave.
    tsconfigRaw: { compilerOptions: { alwaysStrict: true } },
    // The Node.js 22 runtime ships the AWS SDK for JavaScript v3; a trigger that calls Cognito
    // uses that copy instead of carrying its own.
    // https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html#nodejs-sdk-included
    external: ['@aws-sdk/*'],
    charset: 'utf8',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  if (result.outputFiles.length !== 1) {
    throw new Error(`esbuild produced ${result.outputFiles.length} files for ${path.basename(handlerFile)}; expected one.`);
  }
  const bundle = Buffer.from(result.outputFiles[0]!.contents);
  bundles.set(handlerFile, bundle);
  writeBundleCache(handlerFile, Object.keys(result.metafile.inputs), bundle);
  return bundle;
}

/**
 * An opt-in cache of bundles across processes, in the folder `COGNITO_TRIGGER_BUNDLE_CACHE` names
 * (`npm run synth` sets it to `node_modules/.cache/cognito-trigger`): starting esbuild costs about
 * a tenth of a synth. An entry is used only when every input file esbuild read still has the
 * content it had, and the esbuild version is the same; anything else bundles afresh.
 */
function bundleCacheFile(handlerFile: string): string | undefined {
  const dir = process.env.COGNITO_TRIGGER_BUNDLE_CACHE;
  if (!dir) return undefined;
  return path.join(dir, `${createHash('sha256').update(`${esbuildVersion}\0${handlerFile}`).digest('hex').slice(0, 32)}.json`);
}

interface BundleCacheEntry {
  /** Input files (relative to the handler's folder) and the SHA-256 of their content. */
  readonly inputs: Readonly<Record<string, string>>;
  readonly bundle: string;
}

function sha256(file: string): string | undefined {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

function readBundleCache(handlerFile: string): Buffer | undefined {
  const file = bundleCacheFile(handlerFile);
  if (!file || !fs.existsSync(file)) return undefined;
  try {
    const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as BundleCacheEntry;
    const dir = path.dirname(handlerFile);
    const fresh = Object.entries(entry.inputs).every(([input, hash]) => sha256(path.resolve(dir, input)) === hash);
    return fresh && typeof entry.bundle === 'string' ? Buffer.from(entry.bundle, 'base64') : undefined;
  } catch {
    return undefined;
  }
}

function writeBundleCache(handlerFile: string, inputs: readonly string[], bundle: Buffer): void {
  const file = bundleCacheFile(handlerFile);
  if (!file) return;
  const dir = path.dirname(handlerFile);
  const hashes: Record<string, string> = {};
  for (const input of inputs) {
    const hash = sha256(path.resolve(dir, input));
    if (hash === undefined) return;
    hashes[input] = hash;
  }
  const entry: BundleCacheEntry = { inputs: hashes, bundle: bundle.toString('base64') };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, JSON.stringify(entry));
  fs.renameSync(partial, file);
}

/** The bundled handler as `index.js` plus the data files, zipped reproducibly. */
export function packageTrigger(handlerFile: string, dataFiles: Readonly<Record<string, string>> = {}): TriggerPackage {
  const bundle = bundleHandler(handlerFile);
  const zip = deterministicZip({ ...dataFiles, [BUNDLE_FILE_NAME]: bundle });
  return {
    bundle,
    zip,
    sha256Hex: createHash('sha256').update(zip).digest('hex'),
    sha256Base64: createHash('sha256').update(zip).digest('base64'),
  };
}

let privateDirectory: string | undefined;
let exitHookRegistered = false;

/**
 * Removes the folder `writePackage` wrote to. Runs by itself when the process exits; call it where
 * exit hooks do not run, such as a Jest `afterAll` (Jest gives each test file its own `process`).
 * Only after `app.synth()`: the assets are copied from there.
 */
export function removeWrittenPackages(): void {
  if (privateDirectory !== undefined) fs.rmSync(privateDirectory, { recursive: true, force: true });
  privateDirectory = undefined;
}

/**
 * Writes the package to `<private temp dir>/<sha256>/function.zip` and returns that path. The
 * folder is made with `mkdtemp` (mode 0700) once per process, never a fixed name under the shared
 * temp directory: on a shared machine another user could plant a zip under a predictable name and
 * have it deployed as our code. The folder is removed when the process exits, after `app.synth()`
 * has copied the asset into `cdktf.out`.
 */
export function writePackage(pkg: TriggerPackage): string {
  if (privateDirectory === undefined) {
    privateDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-trigger-'));
    if (!exitHookRegistered) process.once('exit', removeWrittenPackages);
    exitHookRegistered = true;
  }
  const folder = path.join(privateDirectory, pkg.sha256Hex);
  const file = path.join(folder, 'function.zip');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
    // Write then rename, so a reader never sees half a zip.
    const partial = `${file}.${process.pid}.partial`;
    fs.writeFileSync(partial, pkg.zip, { mode: 0o600 });
    fs.renameSync(partial, file);
  }
  return file;
}

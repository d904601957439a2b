/**
 * The package as another repository gets it: `npm pack` (which builds dist/ first), the tarball
 * unpacked into a scratch consumer with its own package.json and a strict tsconfig, type-checked
 * there, compiled, and run with plain `node` (no tsx, no ts-node): one stack synthesized from a
 * typed config object, the security rules run on it. The consumer's other dependencies are links
 * to this repository's node_modules, so nothing is downloaded.
 */
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { synthEnvironment } from './helpers/synth';

/** The account-linking trigger's sources, shipped so a consumer bundles the same package. */
const ACCOUNT_LINKING_SOURCES = ['modules/account-linking/handler.ts', 'modules/account-linking/link-decision.ts', 'modules/account-linking/run-linking.ts'];
const REPO = path.join(__dirname, '..');
const PKG = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const NAME: string = PKG.name;
const TSC = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

let scratch: string;
let consumer: string;
let tarballFiles: string[];
let typeCheck: SpawnSyncReturns<string>;
afterAll(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const { CDKTF_OUTDIR: _fromCli, NODE_OPTIONS: _jest, ...env } = process.env;
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...env, CHECKPOINT_DISABLE: '1' } });
  if (result.error) throw result.error;
  return result;
}

function expectSuccess(result: SpawnSyncReturns<string>): void {
  if (result.status !== 0) throw new Error(`exit ${result.status}\n${result.stdout}\n${result.stderr}`);
}

const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'node16',
    moduleResolution: 'node16',
    lib: ['ES2022'],
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noImplicitOverride: true,
    noPropertyAccessFromIndexSignature: true,
    // Our declarations are checked too, not skipped.
    skipLibCheck: false,
    outDir: 'out',
    rootDir: 'src',
  },
  include: ['src'],
};

/** The consumer: the environment in code, the stack, the checked synth, the rules, from the root and a subpath. */
const CONSUMER_MAIN = `
import * as fs from 'node:fs';
import * as path from 'node:path';
import { environmentFromConfig, EnvironmentConfigInput, ruleContextFor, synthesizeChecked, UploadPlatformStack } from '${NAME}';
import { runRules, StackJson, SynthesizedPolicy } from '${NAME}/security-rules';
import { PolicyDocument } from '${NAME}/iam-policy';

const config: EnvironmentConfigInput = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'dev.json'), 'utf8'));
const environment = environmentFromConfig('dev', config, {
  samlMetadata: { 'globex.xml': fs.readFileSync(path.join(__dirname, '..', 'globex.xml'), 'utf8') },
  now: new Date('2026-11-25T00:00:00Z'),
});
const result = synthesizeChecked((app) => new UploadPlatformStack(app, { environment }), {
  contexts: [ruleContextFor(environment)],
  log: () => undefined,
});
const stackFile = path.join(result.outdir, 'stacks', 'dev', 'cdk.tf.json');
const stack = JSON.parse(fs.readFileSync(stackFile, 'utf8')) as StackJson;
const report = runRules(stack, ruleContextFor(environment));
const unused: SynthesizedPolicy | PolicyDocument | undefined = undefined;
console.log(JSON.stringify({ published: result.published, errors: report.errors.length, results: report.results.length, stackFile, unused }));
`;

describe('the package, installed from its tarball into a consumer', () => {
  beforeAll(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-'));
    const pack = run('npm', ['pack', '--json', '--silent', '--pack-destination', scratch], REPO);
    expectSuccess(pack);
    const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    tarballFiles = packed!.files.map((file) => file.path);
    const tarball = path.join(scratch, path.basename(packed!.filename));

    consumer = path.join(scratch, 'consumer');
    const installed = path.join(consumer, 'node_modules', NAME);
    fs.mkdirSync(installed, { recursive: true });
    expectSuccess(run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1'], scratch));
    // Every other dependency (cdktf, constructs, the provider, zod, esbuild, @types/node, ...) is a
    // link to this repository's copy, as if the consumer had installed the same versions.
    for (const entry of fs.readdirSync(path.join(REPO, 'node_modules'))) {
      if (entry.startsWith('.') || entry === NAME) continue;
      fs.symlinkSync(path.join(REPO, 'node_modules', entry), path.join(consumer, 'node_modules', entry));
    }
    const dependencies = { [NAME]: `file:../${path.basename(tarball)}`, ...PKG.peerDependencies };
    fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, dependencies }, null, 2));
    fs.writeFileSync(path.join(consumer, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG, null, 2));
    fs.mkdirSync(path.join(consumer, 'src'));
    fs.writeFileSync(path.join(consumer, 'src', 'main.ts'), CONSUMER_MAIN);
    fs.copyFileSync(path.join(REPO, 'environments', 'dev', 'config.json'), path.join(consumer, 'dev.json'));
    fs.copyFileSync(path.join(REPO, 'saml', 'globex.xml'), path.join(consumer, 'globex.xml'));
    typeCheck = run(process.execPath, [TSC, '-p', 'tsconfig.json'], consumer);
  });

  it('ships compiled code, declarations, the handler source and the changelog, and nothing of the repository around them', () => {
    expect(tarballFiles).toEqual(expect.arrayContaining(['package.json', 'CHANGELOG.md', 'dist/modules/index.js', 'dist/modules/index.d.ts', 'modules/tenant-claim/handler.ts', ...ACCOUNT_LINKING_SOURCES]));
    const unexpected = tarballFiles.filter(
      (file) => !/^dist\/modules\/.+\.(js|d\.ts)$/.test(file) && !/^modules\/[a-z-]+\/README\.md$/.test(file) && !['package.json', 'README.md', 'CHANGELOG.md', 'modules/tenant-claim/handler.ts', 'modules/tenant-claim/resolve-tenant.ts', 'modules/tenant-claim/role-override.ts', 'modules/tenant-sign-up/handler.ts', 'modules/tenant-sign-up/assign-tenant.ts', 'modules/tenant-sign-up/sign-up-handler.ts', ...ACCOUNT_LINKING_SOURCES].includes(file),
    );
    expect(unexpected).toEqual([]);
  });

  it('resolves the root and every subpath of `exports` with plain node', () => {
    const subpaths = Object.keys(PKG.exports).filter((key) => key !== './package.json').map((key) => key.replace(/^\./, NAME));
    const script = `for (const s of ${JSON.stringify(subpaths)}) require(s); console.log(Object.keys(require('${NAME}')).length)`;
    const result = run(process.execPath, ['-e', script], consumer);
    expectSuccess(result);
    expect(Number(result.stdout.trim())).toBeGreaterThan(100);
  });

  it('gives an ES module consumer named exports from the root and a subpath', () => {
    const script = `import { environmentFromConfig } from '${NAME}'; import { runRules } from '${NAME}/security-rules'; console.log(typeof environmentFromConfig, typeof runRules)`;
    const result = run(process.execPath, ['--input-type=module', '-e', script], consumer);
    expectSuccess(result);
    expect(result.stdout.trim()).toBe('function function');
  });

  it('type-checks under strict, noUncheckedIndexedAccess and exactOptionalPropertyTypes, declarations included', () => {
    expect(`${typeCheck.stdout}${typeCheck.stderr}`).toBe('');
    expect(typeCheck.status).toBe(0);
  });

  it('synthesizes a stack from a config object with plain node, and the security rules pass it', () => {
    expect(fs.existsSync(path.join(consumer, 'out', 'main.js'))).toBe(true);
    const result = run(process.execPath, ['out/main.js'], consumer);
    expectSuccess(result);
    const summary = JSON.parse(result.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ published: true, errors: 0 });
    expect(summary.results).toBeGreaterThan(0);
    expect(summary.stackFile).toBe(path.join(consumer, 'cdktf.out', 'stacks', 'dev', 'cdk.tf.json'));
  });

  it('bundles the tenant-claim and account-linking handlers from the installed package into the same packages the source builds', () => {
    const hashOf = (stack: any): string[] => Object.values(stack.resource.aws_lambda_function).map((fn: any) => fn.source_code_hash);
    const installed = JSON.parse(fs.readFileSync(path.join(consumer, 'cdktf.out', 'stacks', 'dev', 'cdk.tf.json'), 'utf8'));
    expect(hashOf(installed)).toEqual(hashOf(synthEnvironment('dev')));
  });
});

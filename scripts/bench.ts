/**
 * Our synth against the stock cdktf path, printed, never asserted: `npm run bench`.
 *
 *   ours               `npm run synth`: the compiled app (scripts/compiled.js builds only when a source changed)
 *   ours via cdktf     `cdktf synth` with this repository's cdktf.json (the same compiled app)
 *   stock              `cdktf synth --app "npx ts-node main.ts"`, the cdktf TypeScript template's app
 *                      command, over a scratch copy of the same code; ts-node is installed into
 *                      node_modules/.cache/bench-ts-node (once, from the registry), never into the project
 *
 * Every command synthesizes every environment. One warm-up run of each, then `--rounds` timed
 * rounds (default 3) with the order alternating, so load on a shared machine hits both sides;
 * medians, the ratio of the medians, and the peak resident memory of the largest process
 * (GNU time, where installed).
 *
 *   npm run bench                      the synth comparison
 *   npm run bench -- --rounds 5
 *   npm run bench -- npm-test npm-ci   other timings: the test suite, a clean install
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const TS_NODE_VERSION = '10.9.2';
const TOOL_DIR = path.join(ROOT, 'node_modules', '.cache', 'bench-ts-node');
/** GNU time from PATH (the shell's `time` keyword cannot report memory), if it answers to -f. */
const GNU_TIME = (process.env.PATH ?? '')
  .split(path.delimiter)
  .map((dir) => path.join(dir, 'time'))
  .find((candidate) => fs.existsSync(candidate) && spawnSync(candidate, ['-f', '%M', 'true'], { stdio: 'ignore' }).status === 0);
const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1', CI: '1' };
delete env.CDKTF_OUTDIR;

interface Sample {
  readonly seconds: number;
  /** Peak resident set of the largest process of the command, in MB. */
  readonly peakMb?: number;
}

interface Side {
  readonly label: string;
  readonly cwd: string;
  readonly command: readonly string[];
  readonly samples: Sample[];
}

function measure(side: Side): Sample {
  const report = path.join(os.tmpdir(), `bench-${process.pid}-rss`);
  const [command, ...args] = GNU_TIME ? [GNU_TIME, '-f', '%M', '-o', report, ...side.command] : side.command;
  const start = process.hrtime.bigint();
  const result = spawnSync(command!, args, { cwd: side.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) {
    throw new Error(`${side.label} failed (exit ${result.status}):\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`);
  }
  let peakMb: number | undefined;
  if (GNU_TIME && fs.existsSync(report)) {
    const kb = Number(fs.readFileSync(report, 'utf8').trim().split('\n').pop());
    fs.rmSync(report, { force: true });
    if (Number.isFinite(kb)) peakMb = kb / 1024;
  }
  return peakMb === undefined ? { seconds } : { seconds, peakMb };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** ts-node and its own dependencies in a cache folder, installed once; never a project dependency. */
function tsNodeModules(): string {
  const marker = path.join(TOOL_DIR, 'node_modules', 'ts-node', 'package.json');
  if (!fs.existsSync(marker)) {
    fs.mkdirSync(TOOL_DIR, { recursive: true });
    fs.writeFileSync(path.join(TOOL_DIR, 'package.json'), '{ "private": true }\n');
    console.log(`installing ts-node@${TS_NODE_VERSION} into ${path.relative(ROOT, TOOL_DIR)} (once) ...`);
    // --legacy-peer-deps: typescript and @types/node come from the project, as in a stock app.
    const result = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', '--legacy-peer-deps', `ts-node@${TS_NODE_VERSION}`], {
      cwd: TOOL_DIR,
      env,
      stdio: 'inherit',
    });
    if (result.status !== 0) throw new Error('could not install ts-node for the stock path');
  }
  return path.join(TOOL_DIR, 'node_modules');
}

/**
 * A scratch copy of the app (main.ts, modules, environments, saml, configs) whose node_modules are
 * links to the project's packages plus ts-node's: what `cdktf init --template=typescript` would run.
 */
function stockProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-stock-'));
  for (const entry of ['main.ts', 'modules', 'environments', 'saml', 'tsconfig.json', 'cdktf.json', 'package.json']) {
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(path.join(modules, '.bin'), { recursive: true });
  const tools = tsNodeModules();
  for (const source of [path.join(ROOT, 'node_modules'), tools]) {
    for (const entry of fs.readdirSync(source)) {
      if (entry.startsWith('.') || fs.existsSync(path.join(modules, entry))) continue;
      fs.symlinkSync(path.join(source, entry), path.join(modules, entry));
    }
    const bin = path.join(source, '.bin');
    for (const entry of fs.existsSync(bin) ? fs.readdirSync(bin) : []) {
      if (!fs.existsSync(path.join(modules, '.bin', entry))) fs.symlinkSync(path.join(bin, entry), path.join(modules, '.bin', entry));
    }
  }
  return dir;
}

function synthComparison(rounds: number): void {
  const stockDir = stockProject();
  try {
    const ours: Side = { label: 'ours (npm run synth)', cwd: ROOT, command: ['npm', 'run', '--silent', 'synth'], samples: [] };
    const viaCdktf: Side = { label: 'ours via cdktf synth', cwd: ROOT, command: ['npx', 'cdktf', 'synth'], samples: [] };
    const stock: Side = { label: 'stock (cdktf + ts-node)', cwd: stockDir, command: ['npx', 'cdktf', 'synth', '--app', 'npx ts-node main.ts'], samples: [] };
    const sides = [ours, viaCdktf, stock];
    console.log(`warm-up: one run of each (builds dist/ if stale, fills disk caches) ...`);
    for (const side of sides) measure(side);
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? sides : [...sides].reverse();
      for (const side of order) side.samples.push(measure(side));
      console.log(`round ${round}/${rounds}: ${order.map((side) => `${side.label} ${side.samples.at(-1)!.seconds.toFixed(2)} s`).join(', ')}`);
    }
    console.log('');
    console.log(`${'command'.padEnd(26)} ${'median'.padStart(8)} ${'min'.padStart(7)} ${'max'.padStart(7)} ${'peak RSS'.padStart(9)}`);
    for (const side of sides) {
      const seconds = side.samples.map((s) => s.seconds);
      const peaks = side.samples.flatMap((s) => (s.peakMb === undefined ? [] : [s.peakMb]));
      const peak = peaks.length > 0 ? `${Math.max(...peaks).toFixed(0)} MB` : 'n/a';
      console.log(
        `${side.label.padEnd(26)} ${median(seconds).toFixed(2).padStart(6)} s ${Math.min(...seconds).toFixed(2).padStart(5)} s ${Math.max(...seconds).toFixed(2).padStart(5)} s ${peak.padStart(9)}`,
      );
    }
    const ratio = (side: Side) => median(stock.samples.map((s) => s.seconds)) / median(side.samples.map((s) => s.seconds));
    console.log('');
    console.log(`stock / ours:           ${ratio(ours).toFixed(1)}x  (target >= 10x)`);
    console.log(`stock / ours via cdktf: ${ratio(viaCdktf).toFixed(1)}x`);
    console.log(`${rounds} rounds, alternating order, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    fs.rmSync(stockDir, { recursive: true, force: true });
  }
}

function timeOnce(label: string, command: string, args: string[], cwd = ROOT): void {
  const sample = measure({ label, cwd, command: [command, ...args], samples: [] });
  console.log(`${label.padEnd(26)} ${sample.seconds.toFixed(1).padStart(6)} s ${sample.peakMb === undefined ? '' : `${sample.peakMb.toFixed(0)} MB`}`);
}

const others: Record<string, () => void> = {
  'npm-test': () => timeOnce('npm test', 'npm', ['test', '--silent']),
  'npm-ci': () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ci-'));
    for (const file of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
    try {
      timeOnce('npm ci', 'npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(args.splice(roundsAt, 2)[1]) : 3;
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a whole number of at least 1');
if (args.length === 0) synthComparison(rounds);
for (const name of args) {
  const bench = others[name];
  if (!bench) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(others).join(', ')} (no name: the synth comparison)`);
  bench();
}

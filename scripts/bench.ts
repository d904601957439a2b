/**
 * Timing of the developer loop, printed, never asserted: `npm run bench`.
 *
 *   synth (tsx)      npm run synth: main.ts run by tsx, no type-check
 *   synth (cdktf)    the cdktf CLI with this repo's cdktf.json (it runs the same tsx command)
 *   synth (ts-node)  the stock cdktf template path, `cdktf synth` with a ts-node app command;
 *                    measured only when ts-node is installed (it is not a dependency)
 *   npm test         type-check plus the whole jest suite
 *   npm ci           a clean install from the lockfile, in a temporary folder
 *
 * Pass names to run a subset: `npm run bench -- synth-tsx npm-test`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const env = { ...process.env, CHECKPOINT_DISABLE: '1', CI: '1' };

function time(label: string, command: string, args: string[], cwd = ROOT, extraEnv: NodeJS.ProcessEnv = {}): void {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const status = result.status === 0 ? 'ok' : `FAILED (exit ${result.status})\n${result.stderr.slice(-2000)}`;
  console.log(`${label.padEnd(18)} ${seconds.toFixed(1).padStart(6)} s  ${status}`);
}

function hasTsNode(): boolean {
  try {
    require.resolve('ts-node', { paths: [ROOT] });
    return true;
  } catch {
    return false;
  }
}

const benches: Record<string, () => void> = {
  'synth-tsx': () => time('synth (tsx)', 'npm', ['run', '--silent', 'synth']),
  'synth-cdktf': () => time('synth (cdktf)', 'npx', ['cdktf', 'synth']),
  'synth-ts-node': () => {
    if (!hasTsNode()) {
      console.log(`${'synth (ts-node)'.padEnd(18)}      -    skipped: ts-node is not installed (npm i --no-save ts-node@10.9.2 to compare)`);
      return;
    }
    // cdktf synth --app overrides cdktf.json's app command with the stock template's.
    time('synth (ts-node)', 'npx', ['cdktf', 'synth', '--app', 'npx ts-node main.ts']);
  },
  'npm-test': () => time('npm test', 'npm', ['test', '--silent']),
  'npm-ci': () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ci-'));
    for (const file of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
    time('npm ci', 'npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], dir);
    fs.rmSync(dir, { recursive: true, force: true });
  },
};

const wanted = process.argv.slice(2);
for (const name of wanted.length > 0 ? wanted : Object.keys(benches)) {
  const bench = benches[name];
  if (!bench) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(benches).join(', ')}`);
  bench();
}

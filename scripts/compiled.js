#!/usr/bin/env node
/**
 * Runs the compiled app, compiling first only when a source changed: `node scripts/compiled.js`
 * (what `npm run synth` and cdktf.json's `app` run). Plain JavaScript, so nothing compiles it.
 *
 * The build is `npm run build` (tsc: type-check, dist/ with declarations) and then dist/main.js
 * bundled with its dependencies into one file, dist/app.js: node then reads one file instead of
 * some 550, which saves about a fifth of the synth. The synthesized output is the same.
 *
 * tsc's own incremental check costs about 3 s even when nothing changed (it reads every
 * declaration file it depends on); comparing modification times costs milliseconds. A type error
 * stops here, before anything is synthesized.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const STAMP = path.join(ROOT, 'dist', '.build-stamp');
const COMPILED = path.join(ROOT, 'dist', 'main.js');
const ENTRY = path.join(ROOT, 'dist', 'app.js');
/** What `tsc -p tsconfig.build.json` reads from this repository (folders too: a deleted file changes them). */
const INPUTS = ['main.ts', 'modules', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function newestChange(file) {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return file.endsWith('.md') ? 0 : stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(file)) newest = Math.max(newest, newestChange(path.join(file, entry)));
  return newest;
}

function builtAt() {
  const stat = fs.statSync(STAMP, { throwIfNoEntry: false });
  return stat && fs.existsSync(ENTRY) ? stat.mtimeMs : -1;
}

if (Math.max(...INPUTS.map((input) => newestChange(path.join(ROOT, input)))) > builtAt()) {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('The build failed (npm run build); nothing was synthesized.');
    process.exit(result.status ?? 1);
  }
  // esbuild stays outside the bundle: its JavaScript API finds its binary relative to itself.
  require('esbuild').buildSync({
    entryPoints: [COMPILED],
    outfile: ENTRY,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['esbuild'],
    logLevel: 'warning',
  });
  fs.writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}
// Trigger bundles are reused across runs while their sources are unchanged (see bundleHandler).
process.env.COGNITO_TRIGGER_BUNDLE_CACHE ??= path.join(ROOT, 'node_modules', '.cache', 'cognito-trigger');
require(ENTRY);

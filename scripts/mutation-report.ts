/**
 * `npm run mutate`: runs StrykerJS (stryker.config.json; extra arguments are passed on, e.g.
 * `-- --force`), then writes reports/mutation.md from its JSON report (reports/mutation/mutation.json,
 * not committed): one row per mutated file, the date, the commit and the wall time of the run, and
 * every mutant that survived or was not covered. Exits 1 when Stryker fails or a file scores below
 * THRESHOLD. `--report-only` rewrites the report from the last JSON report without running Stryker.
 *
 * The score counts only mutants that can change behaviour: killed and timed-out mutants are
 * detected; survived and uncovered ones are not; mutants marked equivalent in the source
 * (`// Stryker disable next-line <mutator>: <why>`) are "Ignored" and listed apart, as are mutants
 * that do not compile or crash the runner.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const INPUT = path.join(ROOT, 'reports', 'mutation', 'mutation.json');
const INCREMENTAL = path.join(ROOT, 'reports', 'stryker-incremental.json');
const OUTPUT = path.join(ROOT, 'reports', 'mutation.md');
const THRESHOLD = 95;

interface Mutant {
  readonly id: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: 'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';
  readonly statusReason?: string;
  readonly location: { readonly start: { readonly line: number; readonly column: number } };
}
interface Report {
  readonly files: Record<string, { readonly mutants: readonly Mutant[] }>;
  readonly framework?: { readonly version?: string };
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
}

const args = process.argv.slice(2);
const reportOnly = args.includes('--report-only');
const commit = git('rev-parse', '--short=12', 'HEAD');
const dirty = git('status', '--porcelain', '--', 'modules', '__tests__', 'stryker.config.json', 'jest.config.js') !== '';
let wallMs: number | undefined;
if (!reportOnly) {
  const started = process.hrtime.bigint();
  const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'stryker'), ['run', ...args], { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
  wallMs = Number((process.hrtime.bigint() - started) / 1_000_000n);
}

/**
 * The incremental file is committed, so it must not carry this machine's paths: Stryker records the
 * project root and, in each mutant's statusReason, stack traces through the sandbox. Neither is read
 * back by an incremental run (it compares mutants and tests by their code), so both are dropped.
 */
function sanitizeIncrementalFile(): void {
  const incremental = JSON.parse(fs.readFileSync(INCREMENTAL, 'utf8')) as { projectRoot?: string; files: Record<string, { mutants: { statusReason?: string }[] }> };
  delete incremental.projectRoot;
  for (const file of Object.values(incremental.files)) for (const mutant of file.mutants) delete mutant.statusReason;
  const text = `${JSON.stringify(incremental, null, 2)}\n`;
  if (text.includes(ROOT)) throw new Error(`${path.relative(ROOT, INCREMENTAL)} still names ${ROOT}`);
  fs.writeFileSync(INCREMENTAL, text);
}
sanitizeIncrementalFile();

const report = JSON.parse(fs.readFileSync(INPUT, 'utf8')) as Report;
const count = (mutants: readonly Mutant[], ...statuses: Mutant['status'][]) => mutants.filter((m) => statuses.includes(m.status)).length;
const score = (detected: number, valid: number) => (valid === 0 ? 100 : (100 * detected) / valid);
/** One decimal, rounded down, so a file with a survivor never reads 100.0 %. */
const percent = (value: number) => `${(Math.floor(value * 10) / 10).toFixed(1)} %`;

const rows: string[] = [];
const undetected: string[] = [];
const below: string[] = [];
const total = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, equivalent: 0, errors: 0 };
for (const [file, { mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const r = {
    killed: count(mutants, 'Killed'),
    timeout: count(mutants, 'Timeout'),
    survived: count(mutants, 'Survived'),
    noCoverage: count(mutants, 'NoCoverage'),
    equivalent: count(mutants, 'Ignored'),
    errors: count(mutants, 'CompileError', 'RuntimeError'),
  };
  for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += r[key];
  const s = score(r.killed + r.timeout, r.killed + r.timeout + r.survived + r.noCoverage);
  if (s < THRESHOLD) below.push(`${file} ${percent(s)}`);
  rows.push(`| ${file} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${r.equivalent} | ${r.errors} | ${percent(s)} |`);
  for (const m of mutants.filter((x) => x.status === 'Survived' || x.status === 'NoCoverage').sort((a, b) => a.location.start.line - b.location.start.line)) {
    const replacement = (m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 80).replace(/\|/g, '\\|');
    undetected.push(`| ${file}:${m.location.start.line} | ${m.status} | ${m.mutatorName} | \`${replacement}\` |`);
  }
}
const totalScore = score(total.killed + total.timeout, total.killed + total.timeout + total.survived + total.noCoverage);

const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;

const text = `# Mutation testing of the security core

Generated by \`npm run mutate\` (StrykerJS ${report.framework?.version ?? ''}, jest runner, per-test coverage, incremental);
see the README section "Mutation testing" for how to read and refresh it.

- Run on: ${new Date().toISOString().slice(0, 10)}, commit \`${commit}\`${dirty ? ' with uncommitted changes to the sources or tests' : ''}
- Wall time: ${wallMs === undefined ? 'not measured (report rewritten with --report-only)' : minutes(wallMs)} on two cores (\`concurrency: 2\`); an incremental run re-tests only the mutants whose code or covering tests changed
- Score = (killed + timeout) / (killed + timeout + survived + no coverage). Equivalent mutants, marked in
  the source with \`// Stryker disable next-line <mutator>: <why>\` (\`grep -rn "Stryker disable" modules\`), are not
  counted; neither are mutants that do not compile or crash the test runner ("errors").
- Threshold: ${THRESHOLD} % per file. ${below.length === 0 ? 'Every file meets it.' : `Below it: ${below.join(', ')}.`}

| file | killed | timeout | survived | no coverage | equivalent | errors | score |
|---|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}
| **total** | ${total.killed} | ${total.timeout} | ${total.survived} | ${total.noCoverage} | ${total.equivalent} | ${total.errors} | **${percent(totalScore)}** |

## Mutants not detected

${undetected.length === 0 ? 'None.' : `| where | status | mutator | replacement |\n|---|---|---|---|\n${undetected.join('\n')}`}
`;
fs.writeFileSync(OUTPUT, text);
console.log(`wrote ${path.relative(ROOT, OUTPUT)}: ${percent(totalScore)} overall${below.length ? `; below ${THRESHOLD} %: ${below.join(', ')}` : ''}`);
process.exit(below.length === 0 ? 0 : 1);

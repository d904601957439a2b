import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, AppConfig } from 'cdktf';
import { formatReport, ResultStatus, RuleReport, runRules } from './run-rules';
import { allResources, StackJson } from './stack-json';
import { RuleContext, SecurityRule } from './types';

/** Options of `synthesizeChecked`. */
export interface CheckedSynthOptions {
  /** The rule context of every stack the build adds; a stack without one is a programming error. */
  readonly contexts: readonly RuleContext[];
  /**
   * Where checked output is published.
   * @default - `$CDKTF_OUTDIR` (the cdktf CLI sets it to its `--output`), else `cdktf.out`
   */
  readonly outdir?: string;
  /** Copy the checked output into `outdir`; `false` runs the rules only. @default true */
  readonly publish?: boolean;
  /** The rules to run. @default ALL_RULES */
  readonly rules?: readonly SecurityRule[];
  /** App settings other than the output directory. @default - cdktf's defaults */
  readonly app?: Omit<AppConfig, 'outdir' | 'hclOutput'>;
  /** Receives every line to print. @default - errors to stderr (console.error), everything else to stdout */
  readonly log?: (line: string, status: ResultStatus | 'note') => void;
}

/** One synthesized stack, as `synthesizeChecked` reports it. */
export interface SynthesizedStack {
  /** The stack name (`cdktf diff <name>`). */
  readonly name: string;
  /** Managed resources in its `cdk.tf.json`. */
  readonly resourceCount: number;
  /** Where its `cdk.tf.json` is (or would have been) published. */
  readonly file: string;
}

export interface CheckedSynthResult {
  /** The output directory (published or not). */
  readonly outdir: string;
  /** Every synthesized stack, in manifest order. */
  readonly stacks: readonly SynthesizedStack[];
  /** Stack folders removed from `outdir/stacks` because no stack of this synth has that name. */
  readonly removedStacks: readonly string[];
  /** Whether `outdir` was written. */
  readonly published: boolean;
  /** One report per synthesized stack, in manifest order. */
  readonly reports: readonly RuleReport[];
  /** Error findings over all stacks; publishing happens only when this is 0. */
  readonly errorCount: number;
}

/** cdktf's manifest.json, the part we read. */
interface Manifest {
  readonly stacks: Readonly<Record<string, { readonly name: string; readonly synthesizedStackPath: string }>>;
}

function defaultLog(line: string, status: ResultStatus | 'note'): void {
  if (status === 'error') console.error(line);
  else console.log(line);
}

/**
 * Synthesizes the app into a private staging directory, runs the security rules over every written
 * `cdk.tf.json`, and only when no rule reports an error copies the result into `outdir`. An error
 * therefore leaves `outdir` exactly as it was: not created, not half-written.
 *
 * Publishing copies file by file (each written to a temporary name and renamed, `manifest.json`
 * last) instead of replacing the directory, so Terraform's working files in
 * `cdktf.out/stacks/<env>/.terraform` survive a synth, as they do with a plain `app.synth()`.
 *
 * ```ts
 * const result = synthesizeChecked((app) => {
 *   for (const environment of environments) new UploadPlatformStack(app, { environment });
 * }, { contexts: environments.map(ruleContextFor) });
 * if (!result.published) process.exit(1);
 * ```
 */
export function synthesizeChecked(build: (app: App) => void, options: CheckedSynthOptions): CheckedSynthResult {
  if (hclOutputRequested()) throw new HclOutputNotSupportedError();
  const outdir = path.resolve(options.outdir ?? process.env.CDKTF_OUTDIR ?? 'cdktf.out');
  const log = options.log ?? defaultLog;
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-staging-'));
  try {
    const app = new App({ ...options.app, outdir: staging });
    build(app);
    app.synth();

    const manifest = JSON.parse(fs.readFileSync(path.join(staging, 'manifest.json'), 'utf8')) as Manifest;
    const stacks: SynthesizedStack[] = [];
    const reports = Object.values(manifest.stacks).map((entry) => {
      const ctx = options.contexts.find((c) => c.environment === entry.name);
      if (!ctx) throw new Error(`synthesizeChecked: no rule context for stack "${entry.name}"; pass one per stack in options.contexts.`);
      const stack = JSON.parse(fs.readFileSync(path.join(staging, entry.synthesizedStackPath), 'utf8')) as StackJson;
      stacks.push({ name: entry.name, resourceCount: allResources(stack).length, file: path.join(outdir, entry.synthesizedStackPath) });
      return runRules(stack, ctx, ctx.rules ?? options.rules);
    });
    for (const report of reports) for (const { line, status } of formatReport(report)) log(line, status);

    const errorCount = reports.reduce((n, r) => n + r.errors.length, 0);
    const shown = path.relative(process.cwd(), outdir) || '.';
    const errors = `${errorCount} security rule error${errorCount === 1 ? '' : 's'}`;
    if (options.publish === false) {
      if (errorCount > 0) log(`${errors}.`, 'error');
      return { outdir, stacks, removedStacks: [], published: false, reports, errorCount };
    }
    if (errorCount > 0) {
      log(`${errors}; nothing was written to ${shown}.`, 'error');
      return { outdir, stacks, removedStacks: [], published: false, reports, errorCount };
    }
    publish(staging, outdir);
    const removedStacks = removeStaleStacks(outdir, new Set(stacks.map((stack) => stack.name)));
    for (const line of formatSynthSummary(stacks, reports, removedStacks, outdir)) log(line, 'note');
    return { outdir, stacks, removedStacks, published: true, reports, errorCount };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Whether the app runs under `cdktf synth --hcl`: the CLI passes the flag to the app as the
 * environment variable SYNTH_HCL_OUTPUT (read the same way by cdktf's App and TerraformStack), and
 * every stack then writes cdk.tf (HCL) instead of cdk.tf.json, which the rules cannot read.
 */
export function hclOutputRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SYNTH_HCL_OUTPUT === 'true' || env.SYNTH_HCL_OUTPUT === '1';
}

/** `cdktf synth --hcl` was asked for; its message is one line, for a command line. */
export class HclOutputNotSupportedError extends Error {
  constructor() {
    super(
      'cdktf synth --hcl is not supported: the security rules check cdk.tf.json, which --hcl replaces by cdk.tf. ' +
        'Run cdktf synth (or npm run synth) without --hcl; to review a change, read the plan comment and the access-report diff of the pull request.',
    );
    this.name = 'HclOutputNotSupportedError';
  }
}

/**
 * For command-line entry points (`main.ts`): `synthesizeChecked`, then exit code 1 when nothing was
 * published (a rule error, already printed) or when `--hcl` was asked for (one line on stderr, no
 * stack trace). Other errors propagate.
 */
export function synthesizeCheckedOrExit(build: (app: App) => void, options: CheckedSynthOptions): CheckedSynthResult {
  let result: CheckedSynthResult;
  try {
    result = synthesizeChecked(build, options);
  } catch (error) {
    if (!(error instanceof HclOutputNotSupportedError)) throw error;
    console.error(error.message);
    return process.exit(1);
  }
  if (!result.published) process.exit(1);
  return result;
}

/**
 * What a synth tells a person: each stack with its resource count, rule summary and output file,
 * the stacks removed, and the next step.
 *
 * ```
 * Synthesized 3 stacks into cdktf.out:
 *   dev      42 resources  rules: 0 errors, 0 warnings, 2 acknowledged  cdktf.out/stacks/dev/cdk.tf.json
 * Next: npx cdktf diff <stack> to review the plan against the account, e.g. npx cdktf diff dev
 * ```
 */
export function formatSynthSummary(stacks: readonly SynthesizedStack[], reports: readonly RuleReport[], removedStacks: readonly string[], outdir: string): string[] {
  const shown = (file: string) => {
    const relative = path.relative(process.cwd(), file);
    return relative === '' ? '.' : relative.startsWith('..') ? file : relative;
  };
  const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const nameWidth = Math.max(...stacks.map((stack) => stack.name.length), 0);
  const countWidth = Math.max(...stacks.map((stack) => plural(stack.resourceCount, 'resource').length), 0);
  const lines = [`Synthesized ${plural(stacks.length, 'stack')} into ${shown(outdir)}:`];
  for (const stack of stacks) {
    const report = reports.find((r) => r.environment === stack.name);
    const rules = report
      ? `rules: ${plural(report.errors.length, 'error')}, ${plural(report.warnings.length, 'warning')}, ${report.acknowledged.length} acknowledged`
      : 'rules: not run';
    lines.push(`  ${stack.name.padEnd(nameWidth)}  ${plural(stack.resourceCount, 'resource').padEnd(countWidth)}  ${rules}  ${shown(stack.file)}`);
  }
  if (removedStacks.length > 0) {
    lines.push(`Removed ${plural(removedStacks.length, 'stack')} that no longer exist${removedStacks.length === 1 ? 's' : ''}: ${removedStacks.map((name) => shown(path.join(outdir, 'stacks', name))).join(', ')}`);
  }
  if (stacks[0]) lines.push(`Next: npx cdktf diff <stack> to review the plan against the account, e.g. npx cdktf diff ${stacks[0].name}`);
  return lines;
}

/** Removes `outdir/stacks/<name>` for every name not synthesized now (a removed environment). */
function removeStaleStacks(outdir: string, current: ReadonlySet<string>): string[] {
  const stacksDir = path.join(outdir, 'stacks');
  if (!fs.existsSync(stacksDir)) return [];
  const stale = fs
    .readdirSync(stacksDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !current.has(entry.name))
    .map((entry) => entry.name)
    .sort();
  for (const name of stale) fs.rmSync(path.join(stacksDir, name), { recursive: true, force: true });
  return stale;
}

/** Every file under `dir`, relative, with `manifest.json` last (readers look at it first). */
function filesUnder(dir: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) files.push(...filesUnder(dir, relative));
    else if (entry.isFile()) files.push(relative);
  }
  if (prefix !== '') return files;
  return [...files.filter((f) => f !== 'manifest.json').sort(), ...files.filter((f) => f === 'manifest.json')];
}

/** Copies the staged output into `outdir`, each file replaced atomically (write aside, then rename). */
function publish(staging: string, outdir: string): void {
  for (const file of filesUnder(staging)) {
    const target = path.join(outdir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp`;
    fs.copyFileSync(path.join(staging, file), temporary);
    fs.renameSync(temporary, target);
  }
}

/**
 * `npm run plan-comment -- --environment <env> --plan <plan.json> [--base <git ref>] [--out <file>]`
 *
 * Renders the pull-request comment of one environment (Markdown): the Terraform plan summary and
 * every changed resource, read from `terraform show -json <planfile>`; the diff of the committed
 * access report `reports/<env>.md` against the base branch; and the security-rule warnings of the
 * synthesized stack (`cdktf.out/stacks/<env>/cdk.tf.json`). The workflow posts it, replacing the
 * previous comment of the same environment (the first line is a marker).
 *
 * Run it locally after `npm run synth` and a `terraform plan -out=tfplan` in cdktf.out/stacks/<env>:
 *   terraform -chdir=cdktf.out/stacks/dev show -json tfplan > plan.json
 *   npm run --silent plan-comment -- --environment dev --plan plan.json --base origin/main
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEnvironmentsOrExit } from '../modules/environment-config';
import { DATA_BEARING_TYPES, formatResult, RuleReport, ruleContextFor, runRules, StackJson } from '../modules/security-rules';

/** The part of `terraform show -json` output this comment reads. https://developer.hashicorp.com/terraform/internals/json-format#plan-representation */
export interface TerraformPlanJson {
  readonly format_version?: string;
  readonly terraform_version?: string;
  readonly errored?: boolean;
  readonly resource_changes?: ReadonlyArray<{
    readonly address: string;
    readonly type: string;
    readonly mode?: 'managed' | 'data';
    readonly change: { readonly actions: readonly string[] };
    readonly action_reason?: string;
  }>;
  readonly output_changes?: Readonly<Record<string, { readonly actions: readonly string[] }>>;
}

export type ChangeKind = 'create' | 'update' | 'replace' | 'delete' | 'read';

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly kind: ChangeKind;
}

export interface PlanSummary {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  /** Every resource whose plan is not a no-op, in plan order. */
  readonly changes: readonly ResourceChange[];
  /** Outputs that change. */
  readonly outputs: readonly string[];
}

/** The first line of every comment; the workflow finds the previous comment of the environment by it. */
export function commentMarker(environment: string): string {
  return `<!-- plan-comment:${environment} -->`;
}

function kindOf(actions: readonly string[]): ChangeKind | undefined {
  const has = (a: string) => actions.includes(a);
  if (has('create') && has('delete')) return 'replace';
  if (has('create')) return 'create';
  if (has('delete')) return 'delete';
  if (has('update')) return 'update';
  if (has('read')) return 'read';
  return undefined; // no-op
}

/** What `terraform plan` prints as "Plan: X to add, Y to change, Z to destroy.", and the resources behind it. */
export function summarizePlan(plan: TerraformPlanJson): PlanSummary {
  const changes: ResourceChange[] = [];
  for (const rc of plan.resource_changes ?? []) {
    const kind = kindOf(rc.change.actions);
    // Data sources read during apply are not changes of infrastructure; terraform does not count them.
    if (!kind || rc.mode === 'data' || kind === 'read') continue;
    changes.push({ address: rc.address, type: rc.type, kind });
  }
  const count = (...kinds: ChangeKind[]) => changes.filter((c) => kinds.includes(c.kind)).length;
  const outputs = Object.entries(plan.output_changes ?? {})
    .filter(([, change]) => kindOf(change.actions) !== undefined)
    .map(([name]) => name)
    .sort();
  return { add: count('create', 'replace'), change: count('update'), destroy: count('delete', 'replace'), changes, outputs };
}

/**
 * Resources whose loss loses data: the rules' data-bearing types, plus the identity pool (recreating
 * it issues new identity ids and orphans every user's private/<identity id>/ folder).
 */
const STATEFUL_TYPES: ReadonlySet<string> = new Set([...Object.keys(DATA_BEARING_TYPES), 'aws_cognito_identity_pool']);

const SYMBOL: Readonly<Record<ChangeKind, string>> = { create: '+', update: '~', replace: '-/+', delete: '-', read: '<=' };
/** GitHub rejects comments over 65 536 characters; the resource table and the diff are cut well before. */
const MAX_RESOURCE_ROWS = 150;
const MAX_DIFF_CHARS = 20_000;

export interface PlanCommentInput {
  readonly environment: string;
  readonly plan: TerraformPlanJson;
  /** The security rules over the synthesized stack of this environment. */
  readonly rules: RuleReport;
  /** `git diff` of `reports/<env>.md` against the base branch; empty when access did not change. @default - not compared */
  readonly accessReportDiff?: string;
  /** A link to the workflow run, for the full plan. */
  readonly runUrl?: string;
}

/** The comment, Markdown. Pure: the same input gives the same text. */
export function renderPlanComment(input: PlanCommentInput): string {
  const { environment, plan, rules } = input;
  const summary = summarizePlan(plan);
  const lines: string[] = [commentMarker(environment), `### Terraform plan: \`${environment}\``, ''];

  if (plan.errored) lines.push('**The plan errored**: read the job log; the changes below are incomplete.', '');
  lines.push(
    summary.changes.length === 0
      ? '**No changes.** The infrastructure matches the configuration.'
      : `**Plan: ${summary.add} to add, ${summary.change} to change, ${summary.destroy} to destroy.**`,
    '',
  );

  const risky = summary.changes.filter((c) => (c.kind === 'delete' || c.kind === 'replace') && STATEFUL_TYPES.has(c.type));
  if (risky.length > 0) {
    lines.push(
      `> [!CAUTION]`,
      `> ${risky.length === 1 ? 'A data-bearing resource is' : `${risky.length} data-bearing resources are`} destroyed or replaced: ` +
        risky.map((c) => `\`${c.address}\``).join(', ') +
        '. Its data is lost unless this is intended; a moved address needs a `moved` block.',
      '',
    );
  }

  if (summary.changes.length > 0) {
    lines.push('| action | resource |', '|---|---|');
    for (const change of summary.changes.slice(0, MAX_RESOURCE_ROWS)) lines.push(`| \`${SYMBOL[change.kind]}\` ${change.kind} | \`${change.address}\` |`);
    if (summary.changes.length > MAX_RESOURCE_ROWS) lines.push(`| … | ${summary.changes.length - MAX_RESOURCE_ROWS} more in the job log |`);
    lines.push('');
  }
  if (summary.outputs.length > 0) lines.push(`Outputs changing: ${summary.outputs.map((o) => `\`${o}\``).join(', ')}.`, '');

  lines.push('#### Access report', '');
  if (input.accessReportDiff === undefined) {
    lines.push(`Not compared with the base branch.`, '');
  } else if (input.accessReportDiff.trim() === '') {
    lines.push(`No change of access: \`reports/${environment}.md\` is unchanged.`, '');
  } else {
    const diff = input.accessReportDiff.length > MAX_DIFF_CHARS ? `${input.accessReportDiff.slice(0, MAX_DIFF_CHARS)}\n… (cut; see the file diff)` : input.accessReportDiff;
    const fence = diff.includes('```') ? '~~~~' : '```';
    lines.push(`\`reports/${environment}.md\` changed: read who gains or loses access.`, '', '<details open><summary>access-report diff</summary>', '', `${fence}diff`, diff.trimEnd(), fence, '', '</details>', '');
  }

  lines.push('#### Security rules', '');
  const shown = [...rules.errors, ...rules.warnings];
  if (shown.length === 0) lines.push('No errors or unacknowledged warnings.');
  for (const result of shown) lines.push(`- ${formatResult(result, environment)}`);
  if (rules.acknowledged.length > 0) {
    lines.push(`- ${rules.acknowledged.length} acknowledged warning${rules.acknowledged.length === 1 ? '' : 's'} (${rules.acknowledged.map((r) => r.rule.id).join(', ')}), with reasons in \`environments/${environment}/config.json\`.`);
  }
  lines.push('');
  if (input.runUrl) lines.push(`[Full plan in the workflow run](${input.runUrl})`, '');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

const ROOT = path.join(__dirname, '..');

function argument(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

function fail(message: string): never {
  console.error(message);
  return process.exit(1);
}

/** `git diff` of the environment's access report between the merge base with `base` and the work tree. */
function accessReportDiff(environment: string, base: string): string {
  const result = spawnSync('git', ['diff', '--no-color', `${base}...`, '--', `reports/${environment}.md`], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) fail(`git diff against ${base} failed: ${result.stderr.trim()} (fetch the base branch first, e.g. actions/checkout with fetch-depth: 0).`);
  return result.stdout;
}

function main(args: readonly string[]): void {
  const environment = argument(args, 'environment') ?? fail('--environment <name> is required.');
  const planFile = argument(args, 'plan') ?? fail('--plan <file>, the output of terraform show -json <planfile>, is required.');
  const loaded = loadEnvironmentsOrExit(ROOT).find((e) => e.name === environment) ?? fail(`environments/${environment}: no such environment.`);
  const stackFile = path.join(ROOT, 'cdktf.out', 'stacks', environment, 'cdk.tf.json');
  if (!fs.existsSync(stackFile)) fail(`${path.relative(ROOT, stackFile)} is missing: run npm run synth first.`);
  const stack = JSON.parse(fs.readFileSync(stackFile, 'utf8')) as StackJson;
  const base = argument(args, 'base');
  const text = renderPlanComment({
    environment,
    plan: JSON.parse(fs.readFileSync(planFile, 'utf8')) as TerraformPlanJson,
    rules: runRules(stack, ruleContextFor(loaded)),
    accessReportDiff: base ? accessReportDiff(environment, base) : undefined,
    runUrl: argument(args, 'run-url'),
  });
  const out = argument(args, 'out');
  if (out) fs.writeFileSync(out, text);
  else process.stdout.write(text);
}

if (require.main === module) main(process.argv.slice(2));

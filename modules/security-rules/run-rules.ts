import { ALL_RULES } from './rules';
import { StackJson } from './stack-json';
import { Acknowledgement, Finding, RuleContext, SecurityRule } from './types';

/** How a finding is reported: errors fail synth, warnings are shown, acknowledged warnings are shown with their reason. */
export type ResultStatus = 'error' | 'warning' | 'acknowledged';

/** One finding of one rule, with the status it gets in this environment. */
export interface RuleResult {
  readonly rule: SecurityRule;
  readonly finding: Finding;
  readonly status: ResultStatus;
  /** The acknowledgement that silenced a warning. */
  readonly acknowledgement?: Acknowledgement | undefined;
}

/** The outcome of every rule over one stack. */
export interface RuleReport {
  readonly environment: string;
  readonly results: readonly RuleResult[];
  readonly errors: readonly RuleResult[];
  readonly warnings: readonly RuleResult[];
  readonly acknowledged: readonly RuleResult[];
  /** Acknowledgements that matched no finding: stale exceptions to remove from the config. */
  readonly unusedAcknowledgements: readonly Acknowledgement[];
  /** Acknowledgements of error-level or unknown rules; they have no effect (the config loader rejects them). */
  readonly ignoredAcknowledgements: readonly Acknowledgement[];
}

/**
 * Runs every rule over one synthesized stack. A rule that throws is reported as an error finding
 * of that rule (fail closed), so a bug in a rule can never pass a stack.
 */
export function runRules(stack: StackJson, ctx: RuleContext, rules: readonly SecurityRule[] = ALL_RULES): RuleReport {
  const acknowledgements = ctx.acknowledgements ?? [];
  const byId = new Map(rules.map((rule) => [rule.id, rule]));
  const usable = acknowledgements.filter((a) => byId.get(a.rule)?.level === 'warning');
  const ignoredAcknowledgements = acknowledgements.filter((a) => !usable.includes(a));
  const used = new Set<Acknowledgement>();
  const results: RuleResult[] = [];
  for (const rule of rules) {
    let findings: Finding[];
    let crashed = false;
    try {
      findings = rule.check(stack, ctx);
    } catch (error) {
      crashed = true;
      findings = [{ address: '(stack)', fix: `the rule failed on this stack (${(error as Error).message}); fix the rule or the stack.` }];
    }
    for (const finding of findings) {
      const acknowledgement = crashed || rule.level === 'error' ? undefined : usable.find((a) => a.rule === rule.id);
      if (acknowledgement) used.add(acknowledgement);
      const status: ResultStatus = crashed || rule.level === 'error' ? 'error' : acknowledgement ? 'acknowledged' : 'warning';
      results.push({ rule, finding, status, acknowledgement });
    }
  }
  return {
    environment: ctx.environment,
    results,
    errors: results.filter((r) => r.status === 'error'),
    warnings: results.filter((r) => r.status === 'warning'),
    acknowledged: results.filter((r) => r.status === 'acknowledged'),
    unusedAcknowledgements: usable.filter((a) => !used.has(a)),
    ignoredAcknowledgements,
  };
}

/** `ERROR IAM3 prod aws_iam_role_policy.X: <description> Fix: <fix>`, `ACKNOWLEDGED ... (<reason>)`. */
export function formatResult(result: RuleResult, environment: string): string {
  const line = `${result.status.toUpperCase()} ${result.rule.id} ${environment} ${result.finding.address}: ${result.rule.description} Fix: ${result.finding.fix}`;
  return result.acknowledgement ? `${line} (${result.acknowledgement.reason})` : line;
}

/** Every line a reviewer should see for one report: acknowledged, then warnings, then errors, then notes. */
export function formatReport(report: RuleReport): { line: string; status: ResultStatus | 'note' }[] {
  const order: ResultStatus[] = ['acknowledged', 'warning', 'error'];
  const lines: { line: string; status: ResultStatus | 'note' }[] = order.flatMap((status) =>
    report.results.filter((r) => r.status === status).map((r) => ({ line: formatResult(r, report.environment), status })),
  );
  for (const a of report.unusedAcknowledgements) {
    lines.push({ line: `NOTE ${a.rule} ${report.environment}: the acknowledgement matches no finding; remove it from the environment config.`, status: 'note' });
  }
  for (const a of report.ignoredAcknowledgements) {
    lines.push({ line: `NOTE ${a.rule} ${report.environment}: the acknowledgement was ignored; only warning-level rules can be acknowledged.`, status: 'note' });
  }
  return lines;
}

/** A per-environment table: env, errors, warnings, acknowledged. */
export function formatSummary(reports: readonly RuleReport[]): string {
  const header = ['env', 'errors', 'warnings', 'acknowledged'];
  const rows = [
    header,
    ...reports.map((r) => [r.environment, String(r.errors.length), String(r.warnings.length), String(r.acknowledged.length)]),
  ];
  const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')).join('\n');
}

/**
 * The pull-request comment (scripts/plan-comment.ts), rendered from a small `terraform show -json`
 * fixture, a fixture access-report diff and the security rules over a generated environment.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ruleContextFor, runRules } from '../modules/security-rules';
import { commentMarker, renderPlanComment, summarizePlan, TerraformPlanJson } from '../scripts/plan-comment';
import { generatedConfig, inMemoryEnvironment } from './helpers/generated-environment';
import { synthLoaded } from './helpers/synth';

const FIXTURES = path.join(__dirname, 'fixtures', 'plan');
const plan = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'plan.json'), 'utf8')) as TerraformPlanJson;
const accessReportDiff = fs.readFileSync(path.join(FIXTURES, 'access-report.diff'), 'utf8');

const qa = inMemoryEnvironment('qa', generatedConfig('qa'));
const rules = runRules(synthLoaded(qa), ruleContextFor(qa));

describe('plan comment', () => {
  it('counts like terraform plan: a replacement is one add and one destroy, no-ops and data reads are not changes', () => {
    const summary = summarizePlan(plan);
    expect({ add: summary.add, change: summary.change, destroy: summary.destroy }).toEqual({ add: 2, change: 1, destroy: 2 });
    expect(summary.changes.map((c) => c.kind)).toEqual(['create', 'update', 'replace', 'delete']);
    expect(summary.outputs).toEqual(['upload_bucket_name']);
  });

  it('starts with the marker the workflow finds the previous comment of the environment by', () => {
    const text = renderPlanComment({ environment: 'qa', plan, rules });
    expect(text.split('\n')[0]).toBe(commentMarker('qa'));
    expect(text).toContain('### Terraform plan: `qa`');
  });

  it('states the summary and lists every changed resource with its action', () => {
    const text = renderPlanComment({ environment: 'qa', plan, rules });
    expect(text).toContain('**Plan: 2 to add, 1 to change, 2 to destroy.**');
    expect(text).toContain('| `+` create | `aws_cognito_identity_provider.SamlProvider-initech_Provider_0A1B2C3D` |');
    expect(text).toContain('| `~` update | `aws_cognito_user_pool_client.UserPool_FederatedClient_5E6F7A8B` |');
    expect(text).toContain('| `-/+` replace | `aws_s3_bucket.UploadBucket_E75E61AC` |');
    expect(text).toContain('| `-` delete | `aws_cognito_identity_provider.SamlProvider-globex_Provider_9C8D7E6F` |');
    expect(text).not.toContain('aws_kms_key.DataKey_Key_1A2B3C4D');
    expect(text).not.toContain('data.aws_caller_identity');
    expect(text).toContain('Outputs changing: `upload_bucket_name`.');
  });

  it('warns when a data-bearing resource is destroyed or replaced, and only then', () => {
    expect(renderPlanComment({ environment: 'qa', plan, rules })).toMatch(/\[!CAUTION\]\n> A data-bearing resource is destroyed or replaced: `aws_s3_bucket\.UploadBucket_E75E61AC`/);
    const withoutBucket = { ...plan, resource_changes: plan.resource_changes!.filter((r) => r.type !== 'aws_s3_bucket') };
    expect(renderPlanComment({ environment: 'qa', plan: withoutBucket, rules })).not.toContain('CAUTION');
  });

  it('shows the access-report diff, says so when access is unchanged, and when it was not compared', () => {
    const changed = renderPlanComment({ environment: 'qa', plan, rules, accessReportDiff });
    expect(changed).toContain('`reports/qa.md` changed');
    expect(changed).toContain('```diff\ndiff --git a/reports/qa.md b/reports/qa.md');
    expect(changed).toContain('+| initech | `initech/` | rwdl |');
    expect(renderPlanComment({ environment: 'qa', plan, rules, accessReportDiff: '' })).toContain('No change of access: `reports/qa.md` is unchanged.');
    expect(renderPlanComment({ environment: 'qa', plan, rules })).toContain('Not compared with the base branch.');
  });

  it('lists the unacknowledged security-rule warnings of the environment', () => {
    expect(rules.warnings.length).toBeGreaterThan(0); // the generated environment acknowledges nothing
    const text = renderPlanComment({ environment: 'qa', plan, rules });
    for (const warning of rules.warnings) expect(text).toContain(`- WARNING ${warning.rule.id} qa ${warning.finding.address}:`);
    const acknowledged = runRules(synthLoaded(qa), { ...ruleContextFor(qa), acknowledgements: rules.warnings.map((w) => ({ rule: w.rule.id, reason: 'accepted for the test' })) });
    const quiet = renderPlanComment({ environment: 'qa', plan, rules: acknowledged });
    expect(quiet).toContain('No errors or unacknowledged warnings.');
    expect(quiet).toMatch(/- \d+ acknowledged warnings? \(.+\), with reasons in `environments\/qa\/config\.json`\./);
  });

  it('says "No changes." for an empty plan', () => {
    const text = renderPlanComment({ environment: 'qa', plan: { resource_changes: [{ address: 'aws_kms_key.K', type: 'aws_kms_key', change: { actions: ['no-op'] } }] }, rules });
    expect(text).toContain('**No changes.**');
    expect(text).not.toContain('| action | resource |');
  });
});

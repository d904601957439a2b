/**
 * The `$${...}` escapes in the synthesized policies, evaluated by Terraform itself rather than by
 * our resolver (helpers/terraform-refs.ts): a provider-less configuration (locals and outputs only,
 * so no provider download and no network) holds each synthesized policy string of every environment, with the
 * Terraform references replaced by the same fake literals the simulator gets but the escapes left as
 * synthesized. `terraform apply` then evaluates the templates, and each output must equal exactly
 * the string the access matrix fed the simulator.
 *
 * terraform is on PATH on developer machines and CI; where it is not, the suite is skipped with a
 * message in its title instead of failing.
 */
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EnvironmentModel, POLICY_NAMES, readEnvironment } from './helpers/access-matrix';
import { repositoryEnvironments, synthEnvironment } from './helpers/synth';
import { hermeticTerraformEnv, terraformVersion } from './helpers/terraform';
import { resolveTerraformString, substituteTerraformReferences } from './helpers/terraform-refs';

/** A hermetic environment (helpers/terraform.ts) with an empty CLI config: no provider is needed. */
function terraformEnv(dir: string): NodeJS.ProcessEnv {
  const cliConfig = path.join(dir, 'terraformrc');
  if (!fs.existsSync(cliConfig)) fs.writeFileSync(cliConfig, '');
  return hermeticTerraformEnv(cliConfig, path.join(dir, '.terraform-data'));
}

function terraform(dir: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync('terraform', [...args, '-no-color'], { cwd: dir, env: terraformEnv(dir), encoding: 'utf8', timeout: 60_000 });
}

function mustSucceed(result: SpawnSyncReturns<string>, what: string): string {
  if (result.error || result.status !== 0) {
    throw new Error(`terraform ${what} failed (exit ${result.status}${result.error ? `, ${result.error.message}` : ''}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** Writes `main.tf.json` with the locals and one output per local, in a fresh tmp dir. */
function configuration(locals: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-escaping-'));
  const output = Object.fromEntries(Object.keys(locals).map((name) => [name, { value: `\${local.${name}}` }]));
  fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify({ locals, output }, null, 2));
  return dir;
}

const hasTerraform = terraformVersion() !== undefined;
const describeWithTerraform = hasTerraform ? describe : describe.skip;
if (!hasTerraform) {
  // Jest does not print the titles of a fully skipped file, so say it once.
  console.warn('terraform-escaping.test.ts: SKIPPED, `terraform` is not on PATH; install Terraform >= 1.10 to run it.');
}
const title = hasTerraform
  ? 'policy escaping evaluated by terraform (every environment)'
  : 'policy escaping evaluated by terraform: SKIPPED because `terraform` is not on PATH';

describeWithTerraform(title, () => {
  let models: EnvironmentModel[];
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  beforeAll(() => {
    models = repositoryEnvironments().map((environment) => readEnvironment(environment, synthEnvironment(environment.name)));
  });

  it('evaluates every synthesized policy string to exactly what the simulator was fed', () => {
    const locals: Record<string, string> = {};
    for (const model of models) {
      // Guard against a vacuous test: the strings must hold both escapes and references.
      expect(model.synthesized.role).toContain('$${aws:PrincipalTag/');
      expect(model.synthesized.role).toContain('$${cognito-identity.amazonaws.com:sub}');
      expect(model.synthesized.trust).toMatch(/"\$\{aws_cognito_identity_pool\.[^}]+\.id\}"/);
      for (const name of POLICY_NAMES) locals[`${model.name}_${name}_policy`] = substituteTerraformReferences(model.synthesized[name], model.refs);
      expect(locals[`${model.name}_role_policy`]).toContain('$${aws:PrincipalTag/'); // escapes left for Terraform
      expect(locals[`${model.name}_role_policy`]).not.toMatch(/(?<!\$)\$\{aws_/); // references replaced
    }

    // One configuration for every environment: one init and one apply.
    const dir = configuration(locals);
    dirs.push(dir);
    mustSucceed(terraform(dir, ['init', '-input=false']), 'init');
    mustSucceed(terraform(dir, ['apply', '-auto-approve', '-input=false']), 'apply');
    const outputs = JSON.parse(mustSucceed(terraform(dir, ['output', '-json']), 'output')) as Record<string, { value: string }>;

    for (const model of models) {
      for (const name of POLICY_NAMES) {
        const output = `${model.name}_${name}_policy`;
        const fedToSimulator = resolveTerraformString(model.synthesized[name], model.refs);
        expect({ output, value: outputs[output]?.value }).toEqual({ output, value: fedToSimulator });
        expect(JSON.parse(outputs[output].value)).toEqual(model.policies[name]);
      }
      expect(outputs[`${model.name}_role_policy`].value).toContain(`"${model.bucketArn}/\${aws:PrincipalTag/customerName}/*"`);
    }
  });

  it('fails on an unescaped IAM policy variable ("Extra characters after interpolation expression")', () => {
    const dir = configuration({
      tenant: '{"Resource":"arn:aws:s3:::b/${aws:PrincipalTag/customerName}/*"}',
      identity: '{"Resource":"arn:aws:s3:::b/private/${cognito-identity.amazonaws.com:sub}/*"}',
    });
    dirs.push(dir);
    mustSucceed(terraform(dir, ['init', '-input=false']), 'init');
    const result = terraform(dir, ['apply', '-auto-approve', '-input=false']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('Extra characters after interpolation expression');
    expect(result.stderr).toContain('you can escape it by starting with "$${"');
    expect(fs.existsSync(path.join(dir, 'terraform.tfstate'))).toBe(false);
  });
});

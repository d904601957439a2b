/**
 * Every synthesized stack, checked by Terraform with the real hashicorp/aws provider schema:
 * `terraform init` from a local filesystem mirror (no network) and `terraform validate`, on every
 * repository environment and a generated one with a remote backend and no SAML tenant.
 *
 * Each stack is validated in a scratch copy: the provider version constraint is set to the version
 * the mirror holds (the stacks pin the version @cdktf/provider-aws was generated for, which an
 * offline mirror may not have) and the backend is replaced by a local one (validate needs no state;
 * init must not reach S3). One plugin cache is shared, so the provider is linked, not copied.
 *
 * Where `terraform` or a mirror is missing, the suite is skipped with one printed line; see
 * helpers/terraform.ts for where a mirror is looked for. The README says how to run the same check
 * against the pinned provider version with network access.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generatedConfig, removeGeneratedEnvironments, unusedEnvironmentName, writeGeneratedEnvironments } from './helpers/generated-environment';
import { repositoryEnvironments, StackJson, synthChecked } from './helpers/synth';
import { findAwsProviderMirror, hermeticTerraformEnv, mirrorCliConfig, runTerraform, TerraformRun, terraformVersion } from './helpers/terraform';

const version = terraformVersion();
const mirror = version ? findAwsProviderMirror() : undefined;
const skipReason = !version
  ? '`terraform` is not on PATH'
  : !mirror
    ? 'no offline hashicorp/aws provider mirror: set TF_PROVIDER_MIRROR to one, or put one in ~/.terraform.d/plugins (see __tests__/helpers/terraform.ts)'
    : undefined;
// One line, without the code frame jest adds to console output.
if (skipReason) process.stderr.write(`terraform-validate.test.ts: SKIPPED, ${skipReason}.\n`);

/** `terraform validate -json` output. */
interface ValidateJson {
  readonly valid: boolean;
  readonly diagnostics: ReadonlyArray<{ readonly severity: string; readonly summary: string; readonly detail?: string; readonly address?: string }>;
}

/** The stack as Terraform will validate it here: local backend, the mirror's provider version. */
export function scratchCopy(stack: StackJson, providerVersion: string): StackJson {
  const copy = structuredClone(stack) as any;
  copy.terraform.backend = { local: { path: 'terraform.tfstate' } };
  copy.terraform.required_providers.aws.version = providerVersion;
  return copy;
}

/** Synthesized in the same app as the repository's environments, so under a name none of them has. */
const GENERATED_NAME = unusedEnvironmentName('qa', repositoryEnvironments().map((e) => e.name));
const GENERATED = { [GENERATED_NAME]: generatedConfig(GENERATED_NAME, { remoteBackend: true }) };
const NAMES = [...repositoryEnvironments().map((e) => e.name), ...Object.keys(GENERATED)];
/** A copy of the first stack with an argument the provider does not have: validate must reject it. */
const BROKEN = 'broken-on-purpose';

(skipReason ? describe.skip : describe)(
  skipReason ? `terraform validate: SKIPPED because ${skipReason}` : `terraform validate with hashicorp/aws ${mirror!.version} from ${mirror!.foundBy}`,
  () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-validate-'));
    const results = new Map<string, { init: TerraformRun; validate?: ValidateJson; raw?: TerraformRun }>();
    afterAll(() => {
      fs.rmSync(work, { recursive: true, force: true });
      removeGeneratedEnvironments();
    });

    beforeAll(async () => {
      const environments = [...repositoryEnvironments(), ...writeGeneratedEnvironments(GENERATED)];
      const synth = synthChecked(environments);
      if (synth.errorCount > 0) throw new Error(`the checked synth reported rule errors:\n${synth.log.join('\n')}`);
      const stacks = new Map([...synth.stacks].map(([name, stack]) => [name, scratchCopy(stack, mirror!.version)]));
      const broken = structuredClone(stacks.get(NAMES[0])!) as any;
      Object.values(broken.resource.aws_s3_bucket as Record<string, any>)[0].not_an_aws_argument = true;
      stacks.set(BROKEN, broken);

      const cache = path.join(work, 'plugin-cache');
      fs.mkdirSync(cache);
      const cliConfig = path.join(work, 'terraform.tfrc');
      fs.writeFileSync(cliConfig, mirrorCliConfig(mirror!, cache));
      const env = hermeticTerraformEnv(cliConfig);
      for (const [name, stack] of stacks) {
        fs.mkdirSync(path.join(work, name));
        fs.writeFileSync(path.join(work, name, 'cdk.tf.json'), JSON.stringify(stack, null, 2));
      }
      // init one at a time (the plugin cache is not safe for concurrent writers), then validate two
      // at a time: each validate starts the provider to read its schema, which is the slow part.
      for (const name of stacks.keys()) results.set(name, { init: await runTerraform(path.join(work, name), ['init', '-input=false'], env) });
      const queue = [...stacks.keys()].filter((name) => results.get(name)!.init.status === 0);
      const worker = async () => {
        for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
          const raw = await runTerraform(path.join(work, name), ['validate', '-json'], env);
          let validate: ValidateJson | undefined;
          try {
            validate = JSON.parse(raw.stdout) as ValidateJson;
          } catch {
            validate = undefined;
          }
          results.set(name, { ...results.get(name)!, validate, raw });
        }
      };
      await Promise.all([worker(), worker()]);
    }, 110_000);

    it.each(NAMES)('%s: terraform init installs the provider from the mirror, and validate passes', (name) => {
      const result = results.get(name)!;
      expect({ name, init: result.init.status, stderr: result.init.status === 0 ? '' : result.init.stderr }).toEqual({ name, init: 0, stderr: '' });
      expect(result.init.stdout).toContain(`Installed hashicorp/aws v${mirror!.version}`);
      const errors = (result.validate?.diagnostics ?? []).map((d) => `${d.severity}: ${d.summary}${d.address ? ` (${d.address})` : ''}${d.detail ? `: ${d.detail}` : ''}`);
      expect({ name, valid: result.validate?.valid, diagnostics: result.validate ? errors : [result.raw?.stderr] }).toEqual({ name, valid: true, diagnostics: [] });
    });

    it('rejects an argument the provider does not have (the check is not vacuous)', () => {
      const result = results.get(BROKEN)!;
      expect(result.validate?.valid).toBe(false);
      // In JSON syntax Terraform names an unknown argument "Extraneous JSON object property".
    expect(result.validate?.diagnostics.map((d) => d.summary)).toContain('Extraneous JSON object property');
    });
  },
);

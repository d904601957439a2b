/**
 * `npm run --silent stacks [-- --remote-state]`: the synthesized stacks as a JSON array for a CI
 * matrix, read from `cdktf.out/manifest.json` (so run `npm run synth` first), e.g.
 *   [{"environment":"dev","region":"eu-central-1","backend":"local"},{"environment":"prod","region":"eu-west-1","backend":"s3"}]
 * Region and backend are read from each stack's cdk.tf.json. `--remote-state` keeps only stacks
 * with a remote backend: CI plans and applies only those, because local state would be lost with
 * the runner. Only environment stacks are listed: the CI access stacks (`account-<name>`) are applied
 * by a person with administrator access, never by CI. Nothing here lists the environments: whatever
 * folders environments/ holds are what main.ts synthesized.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEnvironmentsOrExit } from '../modules/environment-config';

export interface StackEntry {
  readonly environment: string;
  readonly region: string;
  /** The backend type (`s3`, or `local` for state in a file). */
  readonly backend: string;
}

/** The stacks of a synthesized cdktf output folder (those named in `only`, if given), sorted by name. */
export function listStacks(outdir: string, only?: readonly string[]): StackEntry[] {
  const manifestFile = path.join(outdir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) throw new Error(`${manifestFile} is missing: run npm run synth first.`);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { stacks: Record<string, { name: string; synthesizedStackPath: string }> };
  return Object.values(manifest.stacks)
    .filter((entry) => !only || only.includes(entry.name))
    .map((entry) => {
      const stack = JSON.parse(fs.readFileSync(path.join(outdir, entry.synthesizedStackPath), 'utf8')) as {
        provider?: { aws?: Array<{ region?: string }> };
        terraform?: { backend?: Record<string, unknown> };
      };
      const region = stack.provider?.aws?.[0]?.region;
      if (!region) throw new Error(`${entry.synthesizedStackPath}: no AWS provider region.`);
      const backend = Object.keys(stack.terraform?.backend ?? {})[0] ?? 'local';
      return { environment: entry.name, region, backend };
    })
    .sort((a, b) => a.environment.localeCompare(b.environment));
}

if (require.main === module) {
  try {
    const environments = loadEnvironmentsOrExit(path.join(__dirname, '..')).map((e) => e.name);
    const stacks = listStacks(path.resolve(process.env.CDKTF_OUTDIR ?? path.join(__dirname, '..', 'cdktf.out')), environments);
    const remoteOnly = process.argv.includes('--remote-state');
    process.stdout.write(`${JSON.stringify(remoteOnly ? stacks.filter((s) => s.backend !== 'local') : stacks)}\n`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}

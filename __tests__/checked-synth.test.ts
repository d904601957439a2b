import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoadedEnvironment } from '../modules/environment-config';
import { ruleContextFor, synthesizeChecked } from '../modules/security-rules';
import { UploadPlatformStack } from '../modules/upload-platform-stack';
import { repositoryEnvironment } from './helpers/synth';

const created: string[] = [];
afterAll(() => created.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function synth(outdir: string, environments: readonly LoadedEnvironment[]) {
  const lines: string[] = [];
  const result = synthesizeChecked(
    (app) => {
      for (const environment of environments) new UploadPlatformStack(app, { environment });
    },
    { outdir, contexts: environments.map(ruleContextFor), log: (line) => lines.push(line), app: { stackTraces: false } },
  );
  return { result, lines };
}

describe('a synth that reports what it did', () => {
  const dev = repositoryEnvironment('dev');
  const qa: LoadedEnvironment = { ...dev, name: 'qa' };

  it('names each stack with its resource count, rule summary and output file, then the next step', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
    created.push(outdir);
    const { result, lines } = synth(outdir, [dev, qa]);
    expect(result.published).toBe(true);
    expect(result.stacks.map((stack) => stack.name)).toEqual(['dev', 'qa']);
    const count = result.stacks[0]!.resourceCount;
    expect(count).toBeGreaterThan(10);
    const summary = lines.slice(lines.findIndex((line) => line.startsWith('Synthesized')));
    expect(summary).toEqual([
      `Synthesized 2 stacks into ${outdir}:`,
      `  dev  ${count} resources  rules: 0 errors, 0 warnings, 2 acknowledged  ${path.join(outdir, 'stacks', 'dev', 'cdk.tf.json')}`,
      `  qa   ${count} resources  rules: 0 errors, 0 warnings, 2 acknowledged  ${path.join(outdir, 'stacks', 'qa', 'cdk.tf.json')}`,
      'Next: npx cdktf diff <stack> to review the plan against the account, e.g. npx cdktf diff dev',
    ]);
  });

  it('removes the folder of a stack that no longer exists, and says so', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
    created.push(outdir);
    synth(outdir, [dev, qa]);
    fs.mkdirSync(path.join(outdir, 'stacks', 'dev', '.terraform'));
    const { result, lines } = synth(outdir, [dev]);
    expect(result.removedStacks).toEqual(['qa']);
    expect(fs.readdirSync(path.join(outdir, 'stacks'))).toEqual(['dev']);
    expect(fs.existsSync(path.join(outdir, 'stacks', 'dev', '.terraform'))).toBe(true); // Terraform's working files stay
    expect(lines).toContain(`Removed 1 stack that no longer exists: ${path.join(outdir, 'stacks', 'qa')}`);
  });
});

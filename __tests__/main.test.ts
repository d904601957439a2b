import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generatedConfig } from './helpers/generated-environment';

const REPO = path.join(__dirname, '..');
const created: string[] = [];
afterAll(() => created.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/**
 * A throw-away project: the real main.ts, modules/, node_modules/ and saml/, with the environments
 * given. main.ts finds its project root from its own location, so it runs there as `npm run synth` would.
 */
function projectWith(environments: Record<string, string>, accounts: Record<string, string> = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'main-'));
  created.push(root);
  fs.copyFileSync(path.join(REPO, 'main.ts'), path.join(root, 'main.ts'));
  for (const shared of ['modules', 'node_modules', 'saml']) fs.symlinkSync(path.join(REPO, shared), path.join(root, shared));
  for (const [name, config] of Object.entries(environments)) {
    fs.mkdirSync(path.join(root, 'environments', name), { recursive: true });
    fs.writeFileSync(path.join(root, 'environments', name, 'config.json'), config);
  }
  for (const [name, config] of Object.entries(accounts)) {
    fs.mkdirSync(path.join(root, 'accounts', name), { recursive: true });
    fs.writeFileSync(path.join(root, 'accounts', name, 'config.json'), config);
  }
  return root;
}

function synth(root: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const { CDKTF_OUTDIR: _fromCli, SYNTH_HCL_OUTPUT: _hcl, ...inherited } = process.env;
  const env = { ...inherited, ...extraEnv };
  const result = spawnSync(path.join(REPO, 'node_modules', '.bin', 'tsx'), ['main.ts'], { cwd: root, encoding: 'utf8', env });
  return { status: result.status, stderr: result.stderr, outdir: path.join(root, 'cdktf.out') };
}

/** A config written for the test, independent of the repository's environment folders. */
const dev = JSON.stringify(generatedConfig('dev'), null, 2);


describe('main.ts', () => {
  it('synthesizes one stack per environment folder, named after it', () => {
    const { status, stderr, outdir } = synth(projectWith({ dev, qa: dev }));
    expect(stderr).not.toMatch(/ERROR/);
    expect(status).toBe(0);
    expect(fs.readdirSync(path.join(outdir, 'stacks')).sort()).toEqual(['dev', 'qa']);
    expect(fs.existsSync(path.join(outdir, 'stacks', 'qa', 'cdk.tf.json'))).toBe(true);
  });

  it('exits non-zero with every problem of every environment and writes no cdktf.out', () => {
    const bad = JSON.parse(dev);
    bad.tenants[0].id = '../x';
    const { status, stderr, outdir } = synth(projectWith({ dev, prod: JSON.stringify({ ...bad, regoin: 'x' }), staging: '{' }));
    expect(status).not.toBe(0);
    expect(stderr).toContain('environments/prod/config.json: regoin is not a known key');
    expect(stderr).toContain('environments/prod/config.json: tenants[0].id must match');
    expect(stderr).toContain('environments/staging/config.json: is not valid JSON');
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(fs.existsSync(outdir)).toBe(false);
  });

  it('synthesizes one CI access stack per accounts/ folder, named account-<folder>, beside the environments', () => {
    const qa = JSON.stringify(generatedConfig('qa', { remoteBackend: true, region: 'eu-north-1' }));
    const ci = JSON.stringify({ region: 'eu-north-1', namePrefix: 'tenantup', github: { owner: 'example-org', repository: 'tenant-uploads' }, stateBucket: 'tenantup-terraform-state', environments: ['qa'] });
    const { status, stderr, outdir } = synth(projectWith({ qa }, { ci }));
    expect(stderr).not.toMatch(/ERROR/);
    expect(status).toBe(0);
    expect(fs.readdirSync(path.join(outdir, 'stacks')).sort()).toEqual(['account-ci', 'qa']);
  });

  it('exits non-zero with the account problems and writes no cdktf.out', () => {
    const ci = JSON.stringify({ region: 'eu-north-1', namePrefix: 'tenantup', github: { owner: 'example-org', repository: 'tenant-*' }, stateBucket: 'tenantup-terraform-state', environments: ['dev'] });
    const { status, stderr, outdir } = synth(projectWith({ dev }, { ci }));
    expect(status).toBe(1);
    expect(stderr).toContain('accounts/ci/config.json: github.repository must be a GitHub repository name');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(outdir)).toBe(false);
  });

  it('refuses cdktf synth --hcl with one line on stderr, exit 1, no stack trace and no cdktf.out', () => {
    // The cdktf CLI tells the app about --hcl through this variable (cdktf-cli's synth handler).
    const { status, stderr, outdir } = synth(projectWith({ dev }), { SYNTH_HCL_OUTPUT: 'true' });
    expect(status).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^cdktf synth --hcl is not supported: .*plan comment and the access-report diff/)]);
    expect(fs.existsSync(outdir)).toBe(false);
  });
});

describe('main.ts and the quota budget', () => {
  it('exits 1 and writes no cdktf.out when a stack goes over a quota, naming the quota, the count, the limit and the way out', () => {
    const over = JSON.stringify({ ...generatedConfig('dev'), quotas: { iamRolesPerAccount: 1000, iamRolesOutsideStack: 999 } });
    const { status, stderr, outdir } = synth(projectWith({ dev: over }));
    expect(status).toBe(1);
    expect(stderr).toMatch(/ERROR IAM8 dev aws_iam_role\.\S+: .*quota iamRolesPerAccount .*: 1001 against a limit of 1000 .*Service Quotas/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(outdir)).toBe(false);
  });
});

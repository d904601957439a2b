/**
 * Running the real `terraform` in tests, offline: finding the binary, finding a local filesystem
 * mirror of hashicorp/aws, and a hermetic environment (no inherited TF_* settings, a generated CLI
 * config, no checkpoint calls).
 *
 * A mirror is looked for, in order, in:
 *   1. $TF_PROVIDER_MIRROR (a filesystem mirror folder, as `terraform providers mirror` writes);
 *   2. the `filesystem_mirror` paths of the machine's Terraform CLI config ($TF_CLI_CONFIG_FILE or
 *      ~/.terraformrc), where a machine declares its mirror;
 *   3. Terraform's implied local mirror directories on Unix: ~/.terraform.d/plugins, and
 *      terraform/plugins under $XDG_DATA_HOME (~/.local/share) and each of $XDG_DATA_DIRS
 *      (/usr/local/share:/usr/share);
 *   4. /opt and each folder directly in it, where add-on software is installed (FHS).
 * https://developer.hashicorp.com/terraform/cli/config/config-file#implied-local-mirror-directories
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** hashicorp/aws, below the registry host folder of a mirror (`<host>/hashicorp/aws`). */
const AWS_PROVIDER = path.join('hashicorp', 'aws');

/** `linux_amd64`, the provider package target of this machine. */
export function terraformPlatform(): string {
  const arch = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' }[process.arch as string] ?? process.arch;
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return `${platform}_${arch}`;
}

/** The terraform version on PATH, or undefined. */
export function terraformVersion(): string | undefined {
  const probe = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  if (probe.error || probe.status !== 0) return undefined;
  try {
    return (JSON.parse(probe.stdout) as { terraform_version: string }).terraform_version;
  } catch {
    return undefined;
  }
}

export interface ProviderMirror {
  /** The mirror folder (holding `<registry host>/hashicorp/aws`). */
  readonly dir: string;
  /** The registry host folder hashicorp/aws was found under, the provider's source hostname. */
  readonly host: string;
  /** The newest hashicorp/aws version in it for this platform. */
  readonly version: string;
  /** Where the folder was found, for messages. */
  readonly foundBy: string;
}

/** `filesystem_mirror { path = "..." }` entries of a CLI config file (HCL), read loosely. */
function cliConfigMirrors(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/filesystem_mirror\s*\{[^}]*?\bpath\s*=\s*"([^"]+)"/g)].map((m) => m[1].replace(/^~(?=\/)/, os.homedir()));
}

/** The candidate mirror folders, in the order above, with how each was found. */
export function mirrorCandidates(env: NodeJS.ProcessEnv = process.env): Array<{ dir: string; foundBy: string }> {
  const home = os.homedir();
  const candidates: Array<{ dir: string; foundBy: string }> = [];
  if (env.TF_PROVIDER_MIRROR) candidates.push({ dir: env.TF_PROVIDER_MIRROR, foundBy: 'TF_PROVIDER_MIRROR' });
  const cliConfig = env.TF_CLI_CONFIG_FILE ?? path.join(home, '.terraformrc');
  for (const dir of cliConfigMirrors(cliConfig)) candidates.push({ dir, foundBy: `filesystem_mirror in ${cliConfig}` });
  candidates.push({ dir: path.join(home, '.terraform.d', 'plugins'), foundBy: 'implied mirror directory' });
  const dataHome = env.XDG_DATA_HOME || path.join(home, '.local', 'share');
  const dataDirs = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':').filter(Boolean);
  for (const base of [dataHome, ...dataDirs]) candidates.push({ dir: path.join(base, 'terraform', 'plugins'), foundBy: 'implied mirror directory' });
  // Add-on software goes under /opt (Filesystem Hierarchy Standard), so a machine image that ships a
  // provider mirror without declaring it is found there too: /opt itself and each folder in it.
  const addOns = '/opt';
  if (fs.existsSync(addOns) && fs.statSync(addOns).isDirectory()) {
    candidates.push({ dir: addOns, foundBy: 'add-on software folder' });
    for (const entry of fs.readdirSync(addOns, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory()) candidates.push({ dir: path.join(addOns, entry.name), foundBy: 'add-on software folder' });
    }
  }
  return candidates;
}

/** The registry host folders of a mirror that hold hashicorp/aws, with the versions for this platform (unpacked or packed layout). */
export function awsVersionsIn(dir: string): Array<{ host: string; versions: string[] }> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return [];
  const target = terraformPlatform();
  const key = (v: string) => v.split('.').map(Number);
  const byVersion = (a: string, b: string) => {
    const [x, y] = [key(a), key(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  };
  const found: Array<{ host: string; versions: string[] }> = [];
  for (const host of fs.readdirSync(dir).sort()) {
    const root = path.join(dir, host, AWS_PROVIDER);
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) continue;
    const versions = new Set<string>();
    for (const entry of fs.readdirSync(root)) {
      const packed = new RegExp(`^terraform-provider-aws_(\\d+\\.\\d+\\.\\d+)_${target}\\.zip$`).exec(entry);
      if (packed) versions.add(packed[1]);
      else if (/^\d+\.\d+\.\d+$/.test(entry) && fs.existsSync(path.join(root, entry, target))) versions.add(entry);
    }
    if (versions.size > 0) found.push({ host, versions: [...versions].sort(byVersion) });
  }
  return found;
}

/** The first candidate holding hashicorp/aws for this platform, with its newest version. */
export function findAwsProviderMirror(env: NodeJS.ProcessEnv = process.env): ProviderMirror | undefined {
  for (const { dir, foundBy } of mirrorCandidates(env)) {
    const [first] = awsVersionsIn(dir);
    if (first) return { dir: path.resolve(dir), host: first.host, version: first.versions[first.versions.length - 1], foundBy };
  }
  return undefined;
}

/**
 * A hermetic environment: no inherited TF_* settings, `cliConfig` as the CLI config, no checkpoint
 * calls, no prompts.
 */
export function hermeticTerraformEnv(cliConfig: string, dataDir?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TF_')) env[k] = v;
  return { ...env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: cliConfig, TF_INPUT: '0', ...(dataDir ? { TF_DATA_DIR: dataDir } : {}) };
}

/** A CLI config that installs hashicorp/aws from `mirror` only, with a shared plugin cache. */
export function mirrorCliConfig(mirror: ProviderMirror, pluginCacheDir: string): string {
  return [
    `plugin_cache_dir = ${JSON.stringify(pluginCacheDir)}`,
    'disable_checkpoint = true',
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${JSON.stringify(mirror.dir)}`,
    `    include = [${JSON.stringify(`${mirror.host}/hashicorp/aws`)}]`,
    '  }',
    '}',
    '',
  ].join('\n');
}

export interface TerraformRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs terraform asynchronously (several working directories can run at once). */
export function runTerraform(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<TerraformRun> {
  return new Promise((resolve) => {
    const child = spawn('terraform', [...args, '-no-color'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => resolve({ status: null, stdout, stderr: `${stderr}${error.message}` }));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

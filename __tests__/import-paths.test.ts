import * as fs from 'node:fs';
import * as path from 'node:path';

const REPO = path.join(__dirname, '..');
const PROVIDERS = ['@cdktf/provider-aws', '@cdktf/provider-tls'];

function typescriptFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name.startsWith('.') || entry.name === 'cdktf.out' ? [] : typescriptFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Module specifiers of import/export-from/require/import() in a source text. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const pattern = /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\1/gm;
  for (const match of source.matchAll(pattern)) found.push(match[2]);
  return found;
}

describe('imports', () => {
  // The package root loads every resource of the AWS provider: measured at 3 s and 550 MB just to
  // require, 3–5x slower synth and 1.4 GB jest workers. Deep paths load one resource each.
  it('never imports a provider package from its root, only from lib/<resource>', () => {
    const sources = typescriptFiles(REPO);
    expect(sources.length).toBeGreaterThan(10);
    const offenders = sources.flatMap((file) =>
      specifiers(fs.readFileSync(file, 'utf8'))
        .filter((spec) => PROVIDERS.includes(spec) || PROVIDERS.some((p) => spec === `${p}/lib` || spec === `${p}/lib/index`))
        .map((spec) => `${path.relative(REPO, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  // The IAM simulator is AGPL-3.0: fine as a test tool, never part of what other repositories import.
  it('keeps the AGPL IAM simulator out of modules/ and out of runtime dependencies', () => {
    const offenders = typescriptFiles(path.join(REPO, 'modules')).flatMap((file) =>
      specifiers(fs.readFileSync(file, 'utf8'))
        .filter((spec) => spec.startsWith('@cloud-copilot/'))
        .map((spec) => `${path.relative(REPO, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies).filter((name) => name.startsWith('@cloud-copilot/'))).toEqual([]);
    expect(pkg.devDependencies['@cloud-copilot/iam-simulate']).toBe('0.1.173');
  });

  it('recognises every import form it is meant to catch', () => {
    const [aws, tls] = PROVIDERS;
    const source = [
      `import { S3Bucket } from '${aws}';`,
      `import * as aws from "${tls}";`,
      `const p = require('${aws}');`,
      `export * from '${aws}';`,
      `const q = import('${aws}');`,
      `import '${aws}';`,
      `import { S3Bucket as B } from '${aws}/lib/s3-bucket';`,
    ].join('\n');
    expect(specifiers(source)).toEqual([
      '@cdktf/provider-aws',
      '@cdktf/provider-tls',
      '@cdktf/provider-aws',
      '@cdktf/provider-aws',
      '@cdktf/provider-aws',
      '@cdktf/provider-aws',
      '@cdktf/provider-aws/lib/s3-bucket',
    ]);
  });
});

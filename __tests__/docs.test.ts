/**
 * The documentation can be trusted: what is generated from code is current, and every file,
 * construct id and Terraform address a README names exists.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_RULES, CATALOGUE_BEGIN, CATALOGUE_END, ruleCatalogue } from '../modules/security-rules';
import { repositoryEnvironments, synthEnvironment } from './helpers/synth';

const REPO = path.join(__dirname, '..');
const READMES = ['README.md', ...fs.readdirSync(path.join(REPO, 'modules')).map((dir) => path.join('modules', dir, 'README.md'))].filter((file) =>
  fs.existsSync(path.join(REPO, file)),
);
const REPOSITORY_FILES = ['environments', 'modules', 'saml', 'scripts', '__tests__'].flatMap((dir) =>
  fs.readdirSync(path.join(REPO, dir), { recursive: true, encoding: 'utf8' }).map((file) => path.join(dir, file)),
);
/** Files that exist only after a synth or a build, or inside the deployed package, never in the repository. */
const GENERATED = new Set(['cdk.tf.json', 'manifest.json', 'bindings.json', 'sign-up-bindings.json', 'linking.json', 'function.zip', 'index.js', 'cdk.tf']);

const read = (file: string) => fs.readFileSync(path.join(REPO, file), 'utf8');
/** Every TypeScript source under `dir`, as one text. */
function sources(dir: string): string {
  return fs
    .readdirSync(path.join(REPO, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => fs.readFileSync(path.join(REPO, dir, file), 'utf8'))
    .join('\n');
}

/** The README without its fenced code blocks (examples name files of the reader's project). */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '');

/** Every file a README names: relative link targets, and code spans or words that look like a path. */
function namedFiles(text: string): string[] {
  const names = new Set<string>();
  for (const [, target] of prose(text).matchAll(/\]\(([\w<>./-]+)(?:#[^)]*)?\)/g)) names.add(target!);
  for (const [name] of prose(text).matchAll(/(?<![\w@:/.-])[\w<>./-]+\.(?:md|ts|js|json|xml)\b/g)) names.add(name);
  names.delete('Node.js');
  return [...names];
}

/** A name exists relative to the README, to the repository root, or (a bare name) anywhere; `<env>` matches any folder. */
function exists(name: string, readme: string): boolean {
  if (GENERATED.has(path.basename(name)) || name.startsWith('dist/')) return true;
  const candidates = [path.join(REPO, path.dirname(readme), name), path.join(REPO, name)];
  if (candidates.some((candidate) => matches(candidate))) return true;
  // An optional layout (`accounts/<name>/config.json`): its folder may be absent, but the code must read it.
  const [first] = name.split('/');
  if (name.includes('<') && first && !first.includes('<') && !fs.existsSync(path.join(REPO, first)) && sources('modules').includes(`'${first}'`)) return true;
  return !name.includes('/') && REPOSITORY_FILES.some((file) => path.basename(file) === name);
}

function matches(pattern: string): boolean {
  if (!pattern.includes('<')) return fs.existsSync(pattern);
  const parts = pattern.split(path.sep);
  const at = parts.findIndex((part) => part.includes('<'));
  const parent = parts.slice(0, at).join(path.sep) || path.sep;
  if (!fs.existsSync(parent) || !fs.statSync(parent).isDirectory()) return false;
  const shape = new RegExp(`^${parts[at]!.split(/<[^>]+>/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}$`);
  return fs.readdirSync(parent).some((entry) => shape.test(entry) && matches([parent, entry, ...parts.slice(at + 1)].join(path.sep)));
}

describe('documentation', () => {
  it('has the rule catalogue generated from the rules (run `npm run docs` when this fails)', () => {
    const readme = read('modules/security-rules/README.md');
    const generated = readme.slice(readme.indexOf(CATALOGUE_BEGIN) + CATALOGUE_BEGIN.length, readme.indexOf(CATALOGUE_END)).trim();
    expect(generated).toBe(ruleCatalogue());
  });

  it('gives every rule a fix for the catalogue', () => {
    expect(ALL_RULES.filter((rule) => !rule.fix || rule.fix.length < 20).map((rule) => rule.id)).toEqual([]);
  });

  it.each(READMES)('%s names only files that exist', (readme) => {
    const missing = namedFiles(read(readme)).filter((name) => !exists(name, readme));
    expect(missing).toEqual([]);
  });

  it.each(READMES)('%s names only construct ids the code uses', (readme) => {
    const text = read(readme);
    const code = sources('modules');
    const ids = [...text.matchAll(/^\| `([A-Za-z][\w<>/ -]*)` \|/gm)]
      .filter((match) => /\| Construct id \|/.test(text.slice(0, match.index)))
      .map((match) => match[1]!)
      .filter((id) => /^[A-Z]/.test(id));
    const unused = ids.filter((id) => {
      const last = id.split('/').pop()!;
      const literal = last.split(/<[^>]+>/)[0]!;
      // Constructs are created with `new X(this, 'Id', ...)` or through a helper such as `this.role('Id', ...)`.
      return !code.includes(`(this, '${last}'`) && !code.includes(`(this, \`${literal}`) && !new RegExp(`this\\.\\w+\\(['\`]${literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).test(code);
    });
    expect(unused).toEqual([]);
  });

  it.each(READMES)('%s quotes only patterns the code uses', (readme) => {
    const code = sources('modules');
    const patterns = [...read(readme).matchAll(/`(\^[^`]*\$)`/g)].map(([, pattern]) => pattern!);
    expect(patterns.filter((pattern) => !code.includes(`/${pattern}/`) && !code.includes(`'${pattern}'`))).toEqual([]);
  });

  it.each(READMES)('%s names only Terraform addresses the stacks have', (readme) => {
    const addresses = new Set(
      repositoryEnvironments().flatMap((environment) => {
        const stack = synthEnvironment(environment.name) as { resource?: Record<string, Record<string, unknown>> };
        return Object.entries(stack.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`));
      }),
    );
    const named = [...read(readme).matchAll(/\baws_[a-z0-9_]+\.[A-Za-z][\w-]*_[0-9A-F]{8}\b/g)].map(([address]) => address);
    expect(named.filter((address) => !addresses.has(address))).toEqual([]);
  });
});

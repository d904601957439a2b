import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  EnvironmentConfigError,
  EnvironmentConfigInput,
  environmentFromConfig,
  loadEnvironments,
  validateEnvironment,
} from '../modules/environment-config';
import { SamlMetadata } from '../modules/saml-federation';
import { sampleEnvironmentConfig } from './helpers/sample-config';

const REPO = path.join(__dirname, '..');
const NOW = new Date('2026-11-25T00:00:00Z');
const GLOBEX_XML = fs.readFileSync(path.join(REPO, 'saml', 'globex.xml'), 'utf8');
const created: string[] = [];
afterAll(() => created.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

const config = sampleEnvironmentConfig;

/** The problems the file loader reports for `environments/dev/config.json` holding `text`. */
function fileProblems(text: string): string[] {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'envcode-'));
  created.push(root);
  fs.mkdirSync(path.join(root, 'environments', 'dev'), { recursive: true });
  fs.mkdirSync(path.join(root, 'saml'));
  fs.writeFileSync(path.join(root, 'saml', 'globex.xml'), GLOBEX_XML);
  fs.writeFileSync(path.join(root, 'environments', 'dev', 'config.json'), text);
  try {
    loadEnvironments(root, { now: NOW });
  } catch (error) {
    expect(error).toBeInstanceOf(EnvironmentConfigError);
    return [...(error as EnvironmentConfigError).problems];
  }
  throw new Error('expected the configuration to be rejected');
}

function codeProblems(input: unknown): string[] {
  try {
    environmentFromConfig('dev', input as EnvironmentConfigInput, { samlMetadata: { 'globex.xml': GLOBEX_XML }, now: NOW });
  } catch (error) {
    expect(error).toBeInstanceOf(EnvironmentConfigError);
    return [...(error as EnvironmentConfigError).problems];
  }
  throw new Error('expected the configuration to be rejected');
}

describe('environmentFromConfig', () => {
  it('builds the environment the file loader builds from the same config', () => {
    const fromCode = environmentFromConfig('dev', config(), { samlMetadata: { 'globex.xml': GLOBEX_XML }, now: NOW });
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'envcode-'));
    created.push(root);
    fs.mkdirSync(path.join(root, 'environments', 'dev'), { recursive: true });
    fs.mkdirSync(path.join(root, 'saml'));
    fs.writeFileSync(path.join(root, 'saml', 'globex.xml'), GLOBEX_XML);
    fs.writeFileSync(path.join(root, 'environments', 'dev', 'config.json'), JSON.stringify(config()));
    const [fromFile] = loadEnvironments(root, { now: NOW });
    expect(fromCode.config).toEqual(fromFile!.config);
    expect(fromCode.config.protected).toBe(false); // defaults filled in
    expect([...fromCode.samlMetadata.keys()]).toEqual(['globex']);
    expect(fromCode.file).toBe('environment "dev"');
  });

  it('takes metadata from a folder or as a parsed document', () => {
    expect(environmentFromConfig('dev', config(), { samlDir: path.join(REPO, 'saml'), now: NOW }).samlMetadata.has('globex')).toBe(true);
    const document = SamlMetadata.fromXml(GLOBEX_XML, 'globex.xml');
    expect(environmentFromConfig('dev', config(), { samlMetadata: { 'globex.xml': document }, now: NOW }).samlMetadata.get('globex')).toBe(document);
  });

  it('says where the metadata of a SAML tenant should come from when none is given', () => {
    expect(() => environmentFromConfig('dev', config(), { now: NOW })).toThrow(/tenants\[1\]\.saml\.metadataFile \("globex\.xml"\): no metadata given: pass it as samlMetadata\["globex\.xml"\] or pass samlDir/);
  });

  it('reports the same problems, in the same words, as the file loader', () => {
    const bad = { ...config(), region: 'US-WEST-2', regoin: 'x', tenants: [{ id: 'Acme Corp', displayName: 'A' }, { id: 'private', displayName: 'P' }] };
    const fromFile = fileProblems(JSON.stringify(bad)).map((p) => p.replace('environments/dev/config.json: ', ''));
    const fromCode = codeProblems(bad).map((p) => p.replace('environment "dev": ', ''));
    expect(fromCode).toEqual(fromFile);
    expect(fromCode.length).toBe(4);
  });
});

describe('configuration errors come in one round', () => {
  it('reports schema and cross-field problems together', () => {
    const problems = codeProblems({ ...config(), mfa: 'SMS', region: 'eu-middle-9', tenants: [{ id: 'private', displayName: 'P' }, { id: 'acme' }] }).join('\n');
    expect(problems).toMatch(/mfa Invalid option/); // schema
    expect(problems).toMatch(/tenants\[1\]\.displayName is required/); // schema
    expect(problems).toMatch(/region is not a known AWS Region/); // cross-field
    expect(problems).toMatch(/tenants\[0\]\.id is reserved/); // cross-field
  });

  it('gives a JSON syntax error its line and column', () => {
    const text = '{\n  "region": "eu-central-1",\n  "tenants": [\n    { "id": "acme", }\n  ]\n}\n';
    expect(fileProblems(text)).toEqual([expect.stringMatching(/^environments\/dev\/config\.json: is not valid JSON \(line 4, column 21: .+\)\.$/)]);
    expect(fileProblems('{\n  "a": 1,\n  "b": }')[0]).toContain('(line 3, column 8: ');
    expect(fileProblems('{ "region": ')[0]).toContain('(line 1, column 13: Unexpected end of JSON input)');
  });

  it.each([
    ['a Region in the wrong case', { region: 'US-WEST-2' }, 'region is not a known AWS Region of the aws partition: did you mean "us-west-2"? (received "US-WEST-2").'],
    ['a misspelt Region', { region: 'eu-centrl-1' }, 'did you mean "eu-central-1"?'],
    ['a misspelt key', { regoin: 'eu-central-1' }, 'regoin is not a known key (a typo?); allowed keys here: region, namePrefix'],
    ['a misspelt key, suggested', { regoin: 'eu-central-1' }, '; did you mean "region"?'],
    ['a value of the wrong case', { mfa: 'optional' }, '(received "optional"); did you mean "OPTIONAL"?'],
    ['a tenant id with capitals and a space', { tenants: [{ id: 'Acme Corp', displayName: 'A' }] }, '(received "Acme Corp"); did you mean "acme-corp"?'],
    ['an acknowledgement of a near-miss rule id', { acknowledgements: [{ rule: 'UP44', reason: 'a reason long enough' }] }, 'did you mean "UP4"?'],
  ])('suggests the near miss for %s', (_, change, expected) => {
    expect(codeProblems({ ...config(), ...change }).join('\n')).toContain(expected);
  });

  it('suggests nothing when nothing is near', () => {
    expect(codeProblems({ ...config(), region: 'nowhere' }).join('\n')).toContain('use a code such as eu-central-1 (received "nowhere")');
    expect(codeProblems({ ...config(), tenants: [{ id: '*', displayName: 'S' }] }).join('\n')).not.toMatch(/did you mean/);
  });

  it('never throws for input that is not an object', () => {
    for (const input of [null, 42, 'x', []]) expect(validateEnvironment('dev', input).problems.length).toBeGreaterThan(0);
  });
});

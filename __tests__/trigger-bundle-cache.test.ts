import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const created: string[] = [];
afterAll(() => created.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
afterEach(() => delete process.env.COGNITO_TRIGGER_BUNDLE_CACHE);

/** bundleHandler from a fresh copy of the module, as a new process would have it (no in-memory cache). */
function freshBundleHandler(): (handlerFile: string) => Buffer {
  let fn: ((handlerFile: string) => Buffer) | undefined;
  jest.isolateModules(() => {
    fn = require('../modules/cognito-trigger/trigger-package').bundleHandler;
  });
  return fn!;
}

function handlerProject(): { handler: string; helper: string; cache: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-cache-'));
  created.push(dir);
  const helper = path.join(dir, 'helper.ts');
  const handler = path.join(dir, 'handler.ts');
  fs.writeFileSync(helper, "export const answer = (): string => 'one';\n");
  fs.writeFileSync(handler, "import { answer } from './helper';\nexport async function handler() { return answer(); }\n");
  return { handler, helper, cache: path.join(dir, 'cache') };
}

describe('the trigger bundle cache (COGNITO_TRIGGER_BUNDLE_CACHE)', () => {
  it('reuses a bundle across processes while every input is unchanged', () => {
    const { handler, cache } = handlerProject();
    process.env.COGNITO_TRIGGER_BUNDLE_CACHE = cache;
    const first = freshBundleHandler()(handler);
    expect(fs.readdirSync(cache)).toHaveLength(1);
    const entry = path.join(cache, fs.readdirSync(cache)[0]!);
    const written = fs.statSync(entry).mtimeMs;
    expect(freshBundleHandler()(handler).equals(first)).toBe(true);
    expect(fs.statSync(entry).mtimeMs).toBe(written); // read, not rebuilt
  });

  it('bundles afresh when an imported file changed', () => {
    const { handler, helper, cache } = handlerProject();
    process.env.COGNITO_TRIGGER_BUNDLE_CACHE = cache;
    const first = freshBundleHandler()(handler).toString('utf8');
    fs.writeFileSync(helper, "export const answer = (): string => 'two';\n");
    const second = freshBundleHandler()(handler).toString('utf8');
    expect(first).toContain('"one"');
    expect(second).toContain('"two"');
  });

  it('writes nothing when the variable is unset, and gives the same bundle', () => {
    const { handler, cache } = handlerProject();
    const uncached = freshBundleHandler()(handler);
    expect(fs.existsSync(cache)).toBe(false);
    process.env.COGNITO_TRIGGER_BUNDLE_CACHE = cache;
    expect(freshBundleHandler()(handler).equals(uncached)).toBe(true);
    delete process.env.COGNITO_TRIGGER_BUNDLE_CACHE;
    freshBundleHandler()(handler);
    expect(fs.readdirSync(cache)).toHaveLength(1);
  });
});

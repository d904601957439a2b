import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageTrigger, readZip } from '../modules/cognito-trigger';
import {
  assignTenant,
  compileSignUpBindings,
  CompiledSignUpBindings,
  createSignUpHandler,
  invitationCodeSha256,
  PostConfirmationEvent,
  PUBLIC_EMAIL_DOMAINS,
  renderSignUpBindings,
  SIGN_UP_BINDINGS_FILE_NAME,
  signUpLogRecord,
  SIGN_UP_NOT_COMPLETED,
  TENANT_SIGN_UP_HANDLER_FILE,
  TenantSignUpBinding,
  tenantSignUpBindingProblems,
  tenantSignUpBindings,
  TenantSignUpTrigger,
} from '../modules/tenant-sign-up';
import { onlyResource, parsePolicy, resources, synthModule } from './helpers/module-stack';

const FIXTURES = path.join(__dirname, 'fixtures', 'cognito-events');
const ATTRIBUTE = 'custom:customerName';
/** The code in post-confirmation-sign-up.json; tests only, never a real tenant's. */
const ACME_CODE = 'k4V9-qT2x-Lm8R-w7Zc';
const INITECH_CODE = 'p3Nq-8vWx-Zt5K-c1Hd';
const TENANTS: readonly TenantSignUpBinding[] = [
  { id: 'acme', emailDomains: ['acme.example'], invitationCodeSha256: [invitationCodeSha256(ACME_CODE)] },
  { id: 'initech', emailDomains: ['initech.example', 'mail.initech.example'], invitationCodeSha256: [invitationCodeSha256(INITECH_CODE)] },
];
/** User data in the fixtures: none of it may reach a log line. */
const PII = ['pat.lee@acme.example', '7c1e4b0a-2f3d-4e5f-8a9b-0c1d2e3f4a5b', 'j.smith', ACME_CODE, INITECH_CODE, '1example23456789'];

function compiled(tenants: readonly TenantSignUpBinding[] = TENANTS): CompiledSignUpBindings {
  // Through the JSON text, as the handler reads it.
  return compileSignUpBindings(JSON.parse(renderSignUpBindings(tenantSignUpBindings({ tenantAttribute: ATTRIBUTE, tenants }))));
}

/** A fresh copy of a fixture, with user attributes and client metadata set (a string) or removed (undefined). */
function event(name: string, attributes: Record<string, string | undefined> = {}, metadata?: Record<string, unknown> | null): PostConfirmationEvent {
  const parsed = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as PostConfirmationEvent;
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) delete parsed.request.userAttributes[key];
    else parsed.request.userAttributes[key] = value;
  }
  if (metadata === null) delete parsed.request.clientMetadata;
  else if (metadata !== undefined) parsed.request.clientMetadata = metadata as Record<string, string>;
  return parsed;
}
const signUp = (attributes: Record<string, string | undefined> = {}, metadata?: Record<string, unknown> | null) => event('post-confirmation-sign-up', attributes, metadata);
const byDomain = (email: string) => signUp({ email }, null);

describe('tenant-sign-up: assignTenant', () => {
  // Compiled in each test (it is cheap), so no module code runs while the file loads: a broken compileSignUpBindings fails tests, not the file.
  let bindings: CompiledSignUpBindings;
  beforeEach(() => {
    bindings = compiled();
  });

  describe('invitation codes', () => {
    it("assigns the tenant of the invitation code sent with ConfirmSignUp", () => {
      expect(assignTenant(signUp(), bindings)).toEqual({ tenant: 'acme', basis: 'INVITATION_CODE' });
      expect(assignTenant(signUp({}, { invitationCode: INITECH_CODE }), bindings)).toEqual({ tenant: 'initech', basis: 'INVITATION_CODE' });
    });
    it('lets an invitation code win over the e-mail domain (an explicit invitation)', () => {
      expect(assignTenant(signUp({ email: 'pat@initech.example' }), bindings)).toEqual({ tenant: 'acme', basis: 'INVITATION_CODE' });
    });
    it('assigns nothing for an unknown code, and never falls back to the e-mail domain', () => {
      expect(assignTenant(signUp({}, { invitationCode: 'k4V9-qT2x-Lm8R-w7Zd' }), bindings)).toEqual({ skip: 'INVITATION_CODE_UNKNOWN' });
      expect(assignTenant(signUp({}, { invitationCode: ` ${ACME_CODE}` }), bindings)).toEqual({ skip: 'INVITATION_CODE_UNKNOWN' });
      expect(assignTenant(signUp({}, { invitationCode: ACME_CODE.toLowerCase() }), bindings)).toEqual({ skip: 'INVITATION_CODE_UNKNOWN' });
    });
    it('refuses a code that is empty, not a string, or longer than 256 characters, and accepts 256', () => {
      for (const code of ['', 42, null, ['x'], 'x'.repeat(257)]) {
        expect(assignTenant(signUp({}, { invitationCode: code }), bindings)).toEqual({ skip: 'INVITATION_CODE_MALFORMED' });
      }
      const long = 'y'.repeat(256);
      expect(assignTenant(signUp({}, { invitationCode: long }), compiled([{ id: 'acme', invitationCodeSha256: [invitationCodeSha256(long)] }]))).toEqual({ tenant: 'acme', basis: 'INVITATION_CODE' });
    });
    it('hashes the UTF-8 bytes of the code, as `printf %s "$CODE" | sha256sum` does', () => {
      expect(invitationCodeSha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(invitationCodeSha256('\u00e9')).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
    });
    it('reads the code only from an own key of clientMetadata', () => {
      const inherited = Object.create({ invitationCode: ACME_CODE }) as Record<string, string>;
      expect(assignTenant(signUp({}, inherited), bindings)).toEqual({ tenant: 'acme', basis: 'EMAIL_DOMAIN' });
      expect(assignTenant(signUp({ email: 'pat@elsewhere.example' }, inherited), bindings)).toEqual({ skip: 'NO_MATCHING_EMAIL_DOMAIN' });
    });
  });

  describe('e-mail domains', () => {
    it('assigns the tenant of the verified address’s domain, in any case', () => {
      expect(assignTenant(byDomain('pat.lee@acme.example'), bindings)).toEqual({ tenant: 'acme', basis: 'EMAIL_DOMAIN' });
      expect(assignTenant(byDomain('Pat.Lee@ACME.Example'), bindings)).toEqual({ tenant: 'acme', basis: 'EMAIL_DOMAIN' });
      expect(assignTenant(byDomain('x@mail.initech.example'), bindings)).toEqual({ tenant: 'initech', basis: 'EMAIL_DOMAIN' });
    });
    it('matches exactly: no subdomain, no parent domain, no look-alike, the last @ decides', () => {
      for (const email of ['pat@sub.acme.example', 'pat@example', 'pat@acme.example.evil.example', 'pat@evilacme.example', 'acme.example@evil.example', 'pat@acme.example@evil.example', 'acme.example', '']) {
        expect(assignTenant(byDomain(email), bindings)).toEqual({ skip: 'NO_MATCHING_EMAIL_DOMAIN' });
      }
    });
    it('assigns nothing without an e-mail attribute', () => {
      expect(assignTenant(signUp({ email: undefined }, null), bindings)).toEqual({ skip: 'NO_MATCHING_EMAIL_DOMAIN' });
    });
  });

  describe('who never gets a tenant from this trigger', () => {
    it('ignores a confirmed password reset', () => {
      expect(assignTenant(event('post-confirmation-forgot-password'), bindings)).toEqual({ skip: 'NOT_A_SIGN_UP' });
    });
    it('ignores federated users, whose tenant is their provider’s, whatever their e-mail or code', () => {
      expect(assignTenant(event('post-confirmation-federated'), bindings)).toEqual({ skip: 'FEDERATED_USER' });
      expect(assignTenant(event('post-confirmation-federated', { 'cognito:user_status': undefined, email_verified: 'true' }), bindings)).toEqual({ skip: 'FEDERATED_USER' });
      expect(assignTenant(event('post-confirmation-federated', { identities: undefined, email_verified: 'true' }), bindings)).toEqual({ skip: 'FEDERATED_USER' });
    });
    it('never overwrites a tenant, even one of another tenant', () => {
      expect(assignTenant(signUp({ [ATTRIBUTE]: 'initech' }), bindings)).toEqual({ skip: 'TENANT_ALREADY_SET' });
      expect(assignTenant(signUp({ [ATTRIBUTE]: 'acme' }), bindings)).toEqual({ skip: 'TENANT_ALREADY_SET' });
    });
    it('treats an empty tenant attribute as none', () => {
      expect(assignTenant(signUp({ [ATTRIBUTE]: '' }), bindings)).toEqual({ tenant: 'acme', basis: 'INVITATION_CODE' });
    });
    it('requires a verified e-mail address (AdminConfirmSignUp confirms without one)', () => {
      for (const verified of ['false', 'True', undefined]) {
        expect(assignTenant(signUp({ email_verified: verified }), bindings)).toEqual({ skip: 'EMAIL_NOT_VERIFIED' });
      }
    });
    it('refuses a malformed event', () => {
      const broken = signUp();
      (broken.request as { userAttributes: unknown }).userAttributes = null;
      expect(assignTenant(broken, bindings)).toEqual({ skip: 'MALFORMED_EVENT' });
      (broken.request as { userAttributes: unknown }).userAttributes = [];
      expect(assignTenant(broken, bindings)).toEqual({ skip: 'MALFORMED_EVENT' });
      expect(assignTenant({ ...signUp(), userName: '' }, bindings)).toEqual({ skip: 'MALFORMED_EVENT' });
      expect(assignTenant({ ...signUp(), userPoolId: undefined as unknown as string }, bindings)).toEqual({ skip: 'MALFORMED_EVENT' });
      expect(assignTenant(undefined as unknown as PostConfirmationEvent, bindings)).toEqual({ skip: 'NOT_A_SIGN_UP' });
    });
    it('refuses an event without a request, user name or pool id to write to, even when everything else would assign a tenant', () => {
      expect(assignTenant({ ...signUp(), request: undefined as never }, bindings)).toEqual({ skip: 'MALFORMED_EVENT' });
      expect(assignTenant({ ...signUp(), userName: undefined as never }, bindings)).toEqual({ skip: 'MALFORMED_EVENT' });
      expect(assignTenant({ ...signUp(), userPoolId: '' }, bindings)).toEqual({ skip: 'MALFORMED_EVENT' });
    });
    it('reads attributes only from own keys of userAttributes: an inherited email_verified or e-mail counts for nothing', () => {
      const own = signUp({ email_verified: undefined, email: undefined });
      own.request.userAttributes = Object.assign(Object.create({ email_verified: 'true', email: 'pat@acme.example' }) as Record<string, string>, own.request.userAttributes);
      expect(assignTenant(own, bindings)).toEqual({ skip: 'EMAIL_NOT_VERIFIED' });
    });
  });

  describe('odd attribute and metadata values', () => {
    it('assigns nothing for an e-mail attribute that is not a string', () => {
      for (const email of [42, ['pat@acme.example'], { toLowerCase: () => 'acme.example' }]) {
        const odd = signUp({}, null);
        (odd.request.userAttributes as Record<string, unknown>).email = email;
        expect(assignTenant(odd, bindings)).toEqual({ skip: 'NO_MATCHING_EMAIL_DOMAIN' });
      }
    });
    it('treats clientMetadata that is not an object as no invitation code, and falls back to the e-mail domain', () => {
      for (const metadata of [null, 'invitationCode', 42, [ACME_CODE]]) {
        const odd = signUp({ email: 'pat@initech.example' });
        (odd.request as { clientMetadata: unknown }).clientMetadata = metadata;
        expect(assignTenant(odd, bindings)).toEqual({ tenant: 'initech', basis: 'EMAIL_DOMAIN' });
      }
    });
    it('gives the first listed tenant when hand-built bindings list one code hash twice (compileSignUpBindings refuses that)', () => {
      const hash = Buffer.from(invitationCodeSha256(ACME_CODE), 'hex');
      const twice: CompiledSignUpBindings = { ...bindings, invitationCodes: [{ hash, tenant: 'acme' }, { hash, tenant: 'initech' }] };
      expect(assignTenant(signUp(), twice)).toEqual({ tenant: 'acme', basis: 'INVITATION_CODE' });
    });
  });
});

describe('tenant-sign-up: the handler (SDK injected)', () => {
  // Compiled in each test (it is cheap), so no module code runs while the file loads: a broken compileSignUpBindings fails tests, not the file.
  let bindings: CompiledSignUpBindings;
  beforeEach(() => {
    bindings = compiled();
  });
  function run(input: PostConfirmationEvent, write: (request: unknown) => Promise<unknown> = async () => ({})) {
    const writes: unknown[] = [];
    const logs: Record<string, string>[] = [];
    const handler = createSignUpHandler(bindings, (request) => (writes.push(request), write(request)), (record) => logs.push(record));
    return { promise: handler(input), writes, logs };
  }

  it('writes exactly the tenant attribute of exactly this user, once, and returns the event unchanged', async () => {
    const input = signUp();
    const before = JSON.stringify(input);
    const { promise, writes, logs } = run(input);
    await expect(promise).resolves.toBe(input);
    expect(JSON.stringify(input)).toBe(before);
    expect(writes).toEqual([{ UserPoolId: 'eu-central-1_EXAMPLE', Username: '7c1e4b0a-2f3d-4e5f-8a9b-0c1d2e3f4a5b', UserAttributes: [{ Name: ATTRIBUTE, Value: 'acme' }] }]);
    expect(logs).toEqual([{ event: 'tenant-sign-up', triggerSource: 'PostConfirmation_ConfirmSignUp', outcome: 'assigned', reason: 'INVITATION_CODE' }]);
  });

  it('writes nothing and succeeds when no tenant is decided (the user stays without one)', async () => {
    for (const [input, reason] of [
      [event('post-confirmation-forgot-password'), 'NOT_A_SIGN_UP'],
      [event('post-confirmation-federated'), 'FEDERATED_USER'],
      [byDomain('pat@elsewhere.example'), 'NO_MATCHING_EMAIL_DOMAIN'],
      [signUp({ [ATTRIBUTE]: 'initech' }), 'TENANT_ALREADY_SET'],
    ] as const) {
      const { promise, writes, logs } = run(input);
      await expect(promise).resolves.toBe(input);
      expect(writes).toEqual([]);
      expect(logs).toEqual([{ event: 'tenant-sign-up', triggerSource: input.triggerSource, outcome: 'no-tenant', reason }]);
    }
  });

  it('fails the confirmation call with a message naming no reason when the write fails, and logs no user data', async () => {
    const { promise, logs } = run(signUp(), async () => {
      throw new Error('User 7c1e4b0a-2f3d-4e5f-8a9b-0c1d2e3f4a5b pat.lee@acme.example is not authorized');
    });
    await expect(promise).rejects.toThrow(new Error(SIGN_UP_NOT_COMPLETED));
    expect(logs).toEqual([{ event: 'tenant-sign-up', triggerSource: 'PostConfirmation_ConfirmSignUp', outcome: 'write-failed', reason: 'INVITATION_CODE' }]);
    for (const secret of [...PII, 'acme']) expect(JSON.stringify(logs)).not.toContain(secret);
  });

  it('logs INVALID for a trigger source that is not a plain name', async () => {
    const input = { ...signUp(), triggerSource: 'PostConfirmation ConfirmSignUp\n' };
    const { promise, logs } = run(input);
    // Awaited, so a failing handler fails this test instead of crashing the worker with an unhandled rejection.
    await expect(promise).resolves.toBe(input);
    expect(logs[0]).toMatchObject({ triggerSource: 'INVALID', reason: 'NOT_A_SIGN_UP' });
  });

  it('logs INVALID unless the whole trigger source is 1–64 letters, digits or _, and never throws while logging', () => {
    const noTenant = { skip: 'NOT_A_SIGN_UP' } as const;
    for (const triggerSource of ['{"forged":1}\nPostConfirmation_ConfirmSignUp', 'PostConfirmation_ConfirmSignUp\n{"forged":1}', 'A'.repeat(65), '', 42]) {
      expect(signUpLogRecord({ ...signUp(), triggerSource: triggerSource as string }, noTenant)).toEqual({ event: 'tenant-sign-up', triggerSource: 'INVALID', outcome: 'no-tenant', reason: 'NOT_A_SIGN_UP' });
    }
    expect(signUpLogRecord(undefined as never, noTenant)).toEqual({ event: 'tenant-sign-up', triggerSource: 'INVALID', outcome: 'no-tenant', reason: 'NOT_A_SIGN_UP' });
    expect(signUpLogRecord({ ...signUp(), triggerSource: 'A'.repeat(64) }, noTenant).triggerSource).toBe('A'.repeat(64));
  });
});

describe('tenant-sign-up: bindings', () => {
  it('builds deterministic bindings: pairs sorted by domain and by hash, whatever the order of the tenants', () => {
    const forward = tenantSignUpBindings({ tenantAttribute: ATTRIBUTE, tenants: TENANTS });
    const backward = tenantSignUpBindings({ tenantAttribute: ATTRIBUTE, tenants: [...TENANTS].reverse() });
    expect(renderSignUpBindings(backward)).toBe(renderSignUpBindings(forward));
    expect(forward.emailDomains).toEqual([['acme.example', 'acme'], ['initech.example', 'initech'], ['mail.initech.example', 'initech']]);
    expect(forward.invitationCodes.map(([, tenant]) => tenant).sort()).toEqual(['acme', 'initech']);
    // Hashes only: no code in the package.
    expect(renderSignUpBindings(forward)).not.toContain(ACME_CODE);
  });

  it('reports every problem in one list', () => {
    const problems = tenantSignUpBindingProblems({
      tenantAttribute: 'customerName',
      tenants: [
        { id: 'acme', emailDomains: ['Acme.example', 'gmail.com', '*.acme.example', 'acme'], invitationCodeSha256: [ACME_CODE] },
        { id: 'initech', emailDomains: ['shared.example'] },
        { id: 'hooli', emailDomains: ['shared.example'], invitationCodeSha256: ['a'.repeat(64), 'a'.repeat(64)] },
        { id: 'Bad Id' },
      ],
    });
    expect(problems).toEqual([
      expect.stringMatching(/^tenantAttribute must match/),
      expect.stringMatching(/^tenants\[0\]\.emailDomains\[0\] must be lowercase: write "acme\.example"/),
      expect.stringMatching(/^tenants\[0\]\.emailDomains\[1\] is a public mailbox provider/),
      expect.stringMatching(/^tenants\[0\]\.emailDomains\[2\] must be a domain name/),
      expect.stringMatching(/^tenants\[0\]\.emailDomains\[3\] must be a domain name/),
      expect.stringMatching(/^tenants\[0\]\.invitationCodeSha256\[0\] must be 64 lowercase hex digits.*\(received 19 characters\): never the code itself/),
      expect.stringMatching(/^tenants\[2\]\.emailDomains\[0\] "shared\.example" belongs to tenant initech already/),
      expect.stringMatching(/^tenants\[2\]\.invitationCodeSha256\[1\] repeats a code of tenant hooli/),
      expect.stringMatching(/^tenants\[3\]\.id must match/),
      expect.stringMatching(/^tenants\[3\] \(Bad Id\) lists neither emailDomains nor invitationCodeSha256/),
    ]);
    for (const problem of problems) expect(problem).not.toContain(ACME_CODE);
    expect(tenantSignUpBindingProblems({ tenantAttribute: ATTRIBUTE, tenants: [] })).toEqual([expect.stringMatching(/at least one tenant/)]);
    expect(() => tenantSignUpBindings({ tenantAttribute: ATTRIBUTE, tenants: [] })).toThrow(/^tenantSignUpBindings:\n {2}- tenants must list/);
  });

  it('refuses every public mailbox domain it lists', () => {
    for (const domain of PUBLIC_EMAIL_DOMAINS) {
      expect(tenantSignUpBindingProblems({ tenantAttribute: ATTRIBUTE, tenants: [{ id: 'acme', emailDomains: [domain] }] })).toEqual([expect.stringMatching(/public mailbox provider/)]);
    }
  });

  it('lists the relay and alias services and the privacy mailboxes too (Apple private relay, DuckDuckGo, Tuta, HEY)', () => {
    expect(PUBLIC_EMAIL_DOMAINS).toEqual(expect.arrayContaining(['privaterelay.appleid.com', 'duck.com', 'tuta.com', 'tutanota.com', 'hey.com', 'pm.me', 'fastmail.com']));
    expect([...PUBLIC_EMAIL_DOMAINS].sort()).toEqual(PUBLIC_EMAIL_DOMAINS);
  });

  it('scales to 10 000 tenants with a domain and a code each: a file in the package, Map lookups', () => {
    const many = Array.from({ length: 10000 }, (_, i) => ({ id: `t${String(i).padStart(5, '0')}`, emailDomains: [`t${i}.example`], invitationCodeSha256: [invitationCodeSha256(`code-${i}`)] }));
    const text = renderSignUpBindings(tenantSignUpBindings({ tenantAttribute: ATTRIBUTE, tenants: many }));
    // About 110 bytes a tenant: far beyond Lambda's 4 KB of environment variables, nothing for a package.
    expect(text.length).toBeLessThan(10000 * 120);
    const big = compileSignUpBindings(JSON.parse(text));
    expect(assignTenant(byDomain('x@t9999.example'), big)).toEqual({ tenant: 't09999', basis: 'EMAIL_DOMAIN' });
    expect(assignTenant(signUp({}, { invitationCode: 'code-4242' }), big)).toEqual({ tenant: 't04242', basis: 'INVITATION_CODE' });
  });

  it('refuses a bindings file it does not understand', () => {
    const good = JSON.parse(renderSignUpBindings(tenantSignUpBindings({ tenantAttribute: ATTRIBUTE, tenants: TENANTS })));
    for (const [bad, message] of [
      [null, /JSON object/],
      [[], /JSON object/],
      [{ ...good, version: 2 }, /version must be 1/],
      [{ ...good, tenantAttribute: 'customerName' }, /tenantAttribute must match/],
      [{ ...good, emailDomains: {} }, /emailDomains must be an array/],
      [{ ...good, emailDomains: [['ACME.example', 'acme']] }, /emailDomains\[0\] must be a \[key, tenant\] pair/],
      [{ ...good, emailDomains: [['acme.example', '']] }, /emailDomains\[0\]/],
      [{ ...good, emailDomains: [['acme.example', 'acme', 'x']] }, /emailDomains\[0\]/],
      [{ ...good, emailDomains: [[['acme.example'], 'acme']] }, /emailDomains\[0\] must be a \[key, tenant\] pair/],
      [{ ...good, emailDomains: [['acme.example', 7]] }, /emailDomains\[0\] must be a \[key, tenant\] pair/],
      [{ ...good, emailDomains: [['acme.example', ['acme']]] }, /emailDomains\[0\] must be a \[key, tenant\] pair/],
      [{ ...good, emailDomains: [['acme.example', 'acme'], ['acme.example', 'initech']] }, /lists "acme\.example" twice/],
      [{ ...good, invitationCodes: [[ACME_CODE, 'acme']] }, /invitationCodes\[0\]/],
      [{ ...good, invitationCodes: [['a'.repeat(64), 'acme'], ['a'.repeat(64), 'initech']] }, /lists a hash twice/],
    ] as const) {
      expect(() => compileSignUpBindings(bad)).toThrow(message);
    }
    expect(compileSignUpBindings(good).emailDomains.get('__proto__')).toBeUndefined();
  });
});

describe('tenant-sign-up: the packaged handler', () => {
  let dir: string;
  let bundle: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-sign-up-test-'));
    const pkg = packageTrigger(TENANT_SIGN_UP_HANDLER_FILE, { [SIGN_UP_BINDINGS_FILE_NAME]: renderSignUpBindings(tenantSignUpBindings({ tenantAttribute: ATTRIBUTE, tenants: TENANTS })) });
    for (const [name, content] of Object.entries(readZip(pkg.zip))) fs.writeFileSync(path.join(dir, name), content);
    bundle = pkg.bundle.toString();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /**
   * Loads index.js in a fresh Node process with the SDK resolvable as in the Lambda runtime, and no
   * Region or credentials, so a write fails before any network call.
   */
  function invoke(input: PostConfirmationEvent): { result?: PostConfirmationEvent; error?: string; output: string } {
    const script = `const { handler } = require(${JSON.stringify(path.join(dir, 'index.js'))});
      handler(JSON.parse(process.env.EVENT)).then(
        (r) => process.stdout.write('\\nRESULT ' + JSON.stringify(r) + '\\n'),
        (e) => process.stdout.write('\\nERROR ' + e.message + '\\n'));`;
    const run = spawnSync(process.execPath, ['-e', script], {
      cwd: os.tmpdir(),
      env: { EVENT: JSON.stringify(input), NODE_PATH: path.join(__dirname, '..', 'node_modules'), AWS_EC2_METADATA_DISABLED: 'true' },
      encoding: 'utf8',
    });
    const lines = run.stdout.split('\n');
    const result = lines.find((l) => l.startsWith('RESULT '));
    const error = lines.find((l) => l.startsWith('ERROR '));
    const output = [...lines.filter((l) => !l.startsWith('RESULT ') && !l.startsWith('ERROR ')), run.stderr].join('\n');
    return { result: result ? JSON.parse(result.slice(7)) : undefined, error: error?.slice(6), output };
  }

  it('bundles no SDK and no code: the runtime’s AWS SDK, hashes only', () => {
    expect(bundle).toMatch(/require\("@aws-sdk\/client-cognito-identity-provider"\)/);
    expect(bundle).not.toMatch(/require\("(?!node:|@aws-sdk\/client-cognito-identity-provider")/);
    expect(bundle).not.toContain(ACME_CODE);
  });

  it('ignores a password reset and logs one line without user data', () => {
    const input = event('post-confirmation-forgot-password');
    const { result, error, output } = invoke(input);
    expect(error).toBeUndefined();
    expect(result).toEqual(input);
    expect(output.match(/tenant-sign-up/g)).toHaveLength(1);
    expect(output).toContain("reason: 'NOT_A_SIGN_UP'");
    for (const secret of PII) expect(output).not.toContain(secret);
  });

  it('calls AdminUpdateUserAttributes through the SDK, and fails the call without user data when it cannot', () => {
    const { result, error, output } = invoke(signUp());
    expect(result).toBeUndefined();
    expect(error).toBe(SIGN_UP_NOT_COMPLETED);
    expect(output).toContain("outcome: 'write-failed'");
    for (const secret of [...PII, 'acme']) expect(output).not.toContain(secret);
  });

  it('fails every invocation when sign-up-bindings.json is missing (fail closed)', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-sign-up-nobindings-'));
    try {
      fs.copyFileSync(path.join(dir, 'index.js'), path.join(empty, 'index.js'));
      const run = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(empty, 'index.js'))})`], { encoding: 'utf8', env: { NODE_PATH: path.join(__dirname, '..', 'node_modules') } });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toMatch(/ENOENT.*sign-up-bindings\.json/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('TenantSignUpTrigger', () => {
  const POOL_ARN = 'arn:aws:cognito-idp:eu-central-1:123456789012:userpool/eu-central-1_EXAMPLE';

  it('ships handler.ts with sign-up-bindings.json through CognitoTrigger, allowed AdminUpdateUserAttributes on its pool only', () => {
    let trigger!: TenantSignUpTrigger;
    const json = synthModule((scope) => {
      trigger = new TenantSignUpTrigger(scope, 'TenantSignUp', { functionName: 'up-dev-tenant-sign-up', tenantAttribute: ATTRIBUTE, tenants: TENANTS });
      trigger.allowInvocationBy(POOL_ARN);
    });
    expect(onlyResource(json, 'aws_lambda_function')).toMatchObject({ function_name: 'up-dev-tenant-sign-up', runtime: 'nodejs22.x', handler: 'index.handler' });
    expect(onlyResource(json, 'aws_lambda_permission')).toMatchObject({ principal: 'cognito-idp.amazonaws.com', source_arn: POOL_ARN });
    const policies = resources(json, 'aws_iam_role_policy').map(([, config]) => parsePolicy(config.policy));
    const grants = policies.flatMap((p) => p.Statement).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('cognito-idp:')));
    expect(grants).toEqual([{ Sid: 'OwnUserPool', Effect: 'Allow', Action: ['cognito-idp:AdminUpdateUserAttributes'], Resource: POOL_ARN }]);
    const pkg = packageTrigger(TENANT_SIGN_UP_HANDLER_FILE, { [SIGN_UP_BINDINGS_FILE_NAME]: renderSignUpBindings(trigger.bindings) });
    expect(trigger.trigger.assetHash).toBe(pkg.sha256Hex);
    expect(JSON.parse(readZip(pkg.zip)[SIGN_UP_BINDINGS_FILE_NAME]!.toString())).toEqual(trigger.bindings);
  });

  it('reports binding and function problems together, before creating anything', () => {
    expect(() =>
      synthModule((scope) => new TenantSignUpTrigger(scope, 'TenantSignUp', { functionName: 'x'.repeat(65), tenantAttribute: ATTRIBUTE, tenants: [{ id: 'acme', emailDomains: ['gmail.com'] }], logRetentionDays: 2 })),
    ).toThrow(/^TenantSignUpTrigger test\/TenantSignUp:\n {2}- tenants\[0\]\.emailDomains\[0\] is a public mailbox provider[\s\S]*functionName must be 1–64[\s\S]*logRetentionDays must be one of/);
  });
});

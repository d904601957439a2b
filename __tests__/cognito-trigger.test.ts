import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CognitoUserPool } from '@cdktf/provider-aws/lib/cognito-user-pool';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import {
  CognitoTrigger,
  CognitoTriggerProps,
  deterministicZip,
  LOG_RETENTION_DAYS,
  packageTrigger,
  readZip,
  removeWrittenPackages,
  validateCognitoTriggerProps,
} from '../modules/cognito-trigger';
import { onlyResource, parsePolicy, resources, StackJson, synthModule } from './helpers/module-stack';

const REPO_ROOT = path.join(__dirname, '..');
const ECHO_HANDLER = path.join(__dirname, 'fixtures', 'cognito-events', 'echo-trigger.ts');
const POOL_ARN = 'arn:aws:cognito-idp:eu-central-1:123456789012:userpool/eu-central-1_EXAMPLE';

const BASE: CognitoTriggerProps = {
  functionName: 'up-dev-echo',
  description: 'Echoes the event',
  handlerFile: ECHO_HANDLER,
  dataFiles: { 'greeting.txt': 'hello' },
};

function synthTrigger(props: Partial<CognitoTriggerProps> = {}, wire?: (trigger: CognitoTrigger, scope: Construct) => void) {
  let trigger!: CognitoTrigger;
  const json = synthModule((scope) => {
    trigger = new CognitoTrigger(scope, 'Trigger', { ...BASE, ...props });
    wire?.(trigger, scope);
  });
  return { json, trigger };
}

/** The Terraform address of the only resource of a type, as it appears in `${...}` references. */
function address(json: StackJson, type: string): string {
  const found = resources(json, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return `${type}.${found[0][0]}`;
}

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-trigger-test-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
  removeWrittenPackages();
});

/** Runs `handler(event)` of an unpacked bundle in a fresh Node process, as Lambda would load it. */
function runBundle(dir: string, event: unknown): { stdout: string; stderr: string; status: number | null } {
  const script = `require(${JSON.stringify(path.join(dir, 'index.js'))}).handler(JSON.parse(process.env.EVENT)).then(
    (result) => process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n'),
    (error) => process.stdout.write('ERROR ' + error.message + '\\n'))`;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: os.tmpdir(), env: { EVENT: JSON.stringify(event) }, encoding: 'utf8' });
  return { stdout: run.stdout, stderr: run.stderr, status: run.status };
}

describe('CognitoTrigger', () => {
  describe('resources', () => {
    it('creates /aws/lambda/<functionName> with a one-year retention by default, or the one given', () => {
      expect(onlyResource(synthTrigger().json, 'aws_cloudwatch_log_group')).toEqual({ name: '/aws/lambda/up-dev-echo', retention_in_days: 365 });
      expect(onlyResource(synthTrigger({ logRetentionDays: 30 }).json, 'aws_cloudwatch_log_group')).toMatchObject({ retention_in_days: 30 });
    });

    it('creates a nodejs22.x arm64 function with index.handler, 256 MB, a 5-second timeout and JSON logs into its log group', () => {
      const { json, trigger } = synthTrigger();
      const fn = onlyResource(json, 'aws_lambda_function');
      const logGroup = address(json, 'aws_cloudwatch_log_group');
      expect(fn).toMatchObject({
        function_name: 'up-dev-echo',
        description: 'Echoes the event',
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        architectures: ['arm64'],
        memory_size: 256,
        timeout: 5,
        role: `\${${address(json, 'aws_iam_role')}.arn}`,
        source_code_hash: trigger.sourceCodeHash,
        logging_config: { log_format: 'JSON', log_group: `\${${logGroup}.name}`, application_log_level: 'INFO', system_log_level: 'WARN' },
      });
      expect(fn.filename).toMatch(new RegExp(`^assets/[\\w-]+/${trigger.assetHash}/function\\.zip$`));
      expect(fn.reserved_concurrent_executions).toBeUndefined();
      expect(fn.environment).toBeUndefined();
      expect(fn.depends_on).toEqual(expect.arrayContaining([logGroup, address(json, 'aws_iam_role_policy')]));
    });

    it('passes memory, timeout, architecture and reserved concurrency through', () => {
      const fn = onlyResource(synthTrigger({ memorySize: 512, timeoutSeconds: 3, architecture: 'x86_64', reservedConcurrency: 10 }).json, 'aws_lambda_function');
      expect(fn).toMatchObject({ memory_size: 512, timeout: 3, architectures: ['x86_64'], reserved_concurrent_executions: 10 });
    });

    it('computes source_code_hash in TypeScript: the base64 SHA-256 of the zip', () => {
      const { trigger } = synthTrigger();
      const pkg = packageTrigger(ECHO_HANDLER, BASE.dataFiles);
      expect(trigger.sourceCodeHash).toBe(pkg.sha256Base64);
      expect(Buffer.from(trigger.sourceCodeHash, 'base64').toString('hex')).toBe(trigger.assetHash);
      expect(trigger.packageSizeBytes).toBe(pkg.zip.length);
    });

    it('exposes typed outputs that reference the resources', () => {
      const { json, trigger } = synthTrigger({}, (t, scope) => {
        for (const [name, value] of Object.entries({ arn: t.functionArn, name: t.functionName, role: t.roleArn, logs: t.logGroupName })) {
          new TerraformOutput(scope, name, { value });
        }
      });
      const fn = address(json, 'aws_lambda_function');
      expect(json.output).toEqual({
        arn: { value: `\${${fn}.arn}` },
        name: { value: `\${${fn}.function_name}` },
        role: { value: `\${${address(json, 'aws_iam_role')}.arn}` },
        logs: { value: `\${${address(json, 'aws_cloudwatch_log_group')}.name}` },
      });
      expect(trigger.assetHash).toMatch(/^[0-9a-f]{64}$/);
      expect(trigger.lambdaFunction.terraformResourceType).toBe('aws_lambda_function');
      expect(trigger.role.terraformResourceType).toBe('aws_iam_role');
      expect(trigger.rolePolicy.terraformResourceType).toBe('aws_iam_role_policy');
      expect(trigger.logGroup.terraformResourceType).toBe('aws_cloudwatch_log_group');
      expect(trigger.invokePermission).toBeUndefined();
    });
  });

  describe('least privilege', () => {
    it('names the role after the function and says what it may do, so an auditor can tell whose it is', () => {
      const { json } = synthTrigger();
      expect(onlyResource(json, 'aws_iam_role')).toMatchObject({ name: 'up-dev-echo', description: 'Execution role of the up-dev-echo Cognito trigger: writes its own logs only.' });
      expect(onlyResource(json, 'aws_iam_role_policy').name).toBe('write-own-logs');
    });

    it('lets only the Lambda service assume the role', () => {
      const { json } = synthTrigger();
      expect(parsePolicy(onlyResource(json, 'aws_iam_role').assume_role_policy)).toEqual({
        Version: '2012-10-17',
        Statement: [{ Sid: 'LambdaService', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      });
    });

    it('allows exactly logs:CreateLogStream and logs:PutLogEvents on its own log group, nothing else', () => {
      const { json } = synthTrigger();
      const policies = resources(json, 'aws_iam_role_policy');
      expect(policies).toHaveLength(1);
      expect(resources(json, 'aws_iam_role_policy_attachment')).toEqual([]);
      expect(onlyResource(json, 'aws_iam_role').managed_policy_arns).toBeUndefined();
      expect(parsePolicy(policies[0][1].policy)).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'WriteOwnLogGroup',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: `\${${address(json, 'aws_cloudwatch_log_group')}.arn}:*`,
          },
        ],
      });
    });
  });

  describe('invoke permission', () => {
    it('has none until a user pool is named', () => {
      expect(resources(synthTrigger().json, 'aws_lambda_permission')).toEqual([]);
    });

    it('lets exactly one user pool invoke it: cognito-idp.amazonaws.com with source_arn = the pool', () => {
      const { json } = synthTrigger({}, (trigger, scope) => {
        const pool = new CognitoUserPool(scope, 'Pool', {
          name: 'up-dev-users',
          lambdaConfig: { preTokenGenerationConfig: { lambdaArn: trigger.functionArn, lambdaVersion: 'V1_0' } },
        });
        trigger.allowInvocationBy(pool.arn);
      });
      const pool = address(json, 'aws_cognito_user_pool');
      expect(onlyResource(json, 'aws_lambda_permission')).toEqual({
        statement_id: 'AllowCognitoUserPool',
        action: 'lambda:InvokeFunction',
        function_name: `\${${address(json, 'aws_lambda_function')}.function_name}`,
        principal: 'cognito-idp.amazonaws.com',
        source_arn: `\${${pool}.arn}`,
      });
      // No cycle: the pool refers to the function, the permission to both, the function to neither.
      expect(onlyResource(json, 'aws_cognito_user_pool').lambda_config.pre_token_generation_config).toEqual({
        lambda_arn: `\${${address(json, 'aws_lambda_function')}.arn}`,
        lambda_version: 'V1_0',
      });
      expect(JSON.stringify(onlyResource(json, 'aws_lambda_function'))).not.toContain('aws_cognito_user_pool');
    });

    it('accepts a literal pool ARN, and refuses a second pool or something that is not a pool ARN', () => {
      expect(onlyResource(synthTrigger({}, (t) => t.allowInvocationBy(POOL_ARN)).json, 'aws_lambda_permission').source_arn).toBe(POOL_ARN);
      expect(() => synthTrigger({}, (t) => t.allowInvocationBy('arn:aws:iam::123456789012:role/x'))).toThrow(/userPoolArn must be a user pool ARN \(received "arn:aws:iam::123456789012:role\/x"\)/);
      expect(() =>
        synthTrigger({}, (t) => {
          t.allowInvocationBy(POOL_ARN);
          t.allowInvocationBy(POOL_ARN);
        }),
      ).toThrow(/allowInvocationBy was called already/);
    });

    it('grants userPoolActions on the invoking pool only, and nothing without them', () => {
      const withActions = synthTrigger({ userPoolActions: ['cognito-idp:ListUsers', 'cognito-idp:AdminLinkProviderForUser', 'cognito-idp:ListUsers'] }, (t) => t.allowInvocationBy(POOL_ARN)).json;
      const policies = resources(withActions, 'aws_iam_role_policy');
      const poolPolicy = policies.map(([, config]) => config).find((p) => p.name === 'own-user-pool-admin-actions');
      expect(parsePolicy(poolPolicy!.policy)).toEqual({
        Version: '2012-10-17',
        Statement: [{ Sid: 'OwnUserPool', Effect: 'Allow', Action: ['cognito-idp:AdminLinkProviderForUser', 'cognito-idp:ListUsers'], Resource: POOL_ARN }],
      });
      expect(policies).toHaveLength(2);
      expect(resources(synthTrigger({}, (t) => t.allowInvocationBy(POOL_ARN)).json, 'aws_iam_role_policy')).toHaveLength(1);
      expect(() => synthTrigger({ userPoolActions: ['cognito-idp:*'] })).toThrow(/userPoolActions has "cognito-idp:\*"/);
      expect(() => synthTrigger({ userPoolActions: ['s3:GetObject'] })).toThrow(/userPoolActions has "s3:GetObject"/);
    });
  });

  describe('validation', () => {
    it('reports every problem in one error, before creating anything', () => {
      let error: Error | undefined;
      try {
        synthTrigger({
          functionName: 'up dev echo/' + 'x'.repeat(60),
          handlerFile: 'relative/handler.ts',
          dataFiles: { '../escape.json': '{}', 'index.js': 'x', 'a/b.txt': '' },
          logRetentionDays: 42,
          memorySize: 64,
          timeoutSeconds: 30,
          reservedConcurrency: 0,
        });
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message.split('\n')[0]).toBe('CognitoTrigger test/Trigger:');
      const lines = error!.message.split('\n').slice(1);
      expect(lines).toEqual([
        expect.stringMatching(/^ {2}- functionName must be 1–64 letters, digits, hyphens or underscores \(received "up dev echo\/x+"\)/),
        expect.stringMatching(/handlerFile must be an absolute path to a \.ts file \(received "relative\/handler\.ts"\)/),
        expect.stringMatching(/dataFiles name "\.\.\/escape\.json" must match/),
        expect.stringMatching(/dataFiles must not contain "index\.js": that is the bundled handler/),
        expect.stringMatching(/dataFiles name "a\/b\.txt" must match/),
        expect.stringMatching(/logRetentionDays must be one of 1, 3, 5, .*, 3653 \(received 42\)/),
        expect.stringMatching(/memorySize must be a whole number of MB from 128 to 10240 \(received 64\)/),
        expect.stringMatching(/timeoutSeconds must be a whole number from 1 to 5 \(received 30\): Cognito stops waiting/),
        expect.stringMatching(/reservedConcurrency must be a whole number of at least 1 \(received 0\)/),
      ]);
    });

    describe('each limit and one past it', () => {
      const problems = (props: Partial<CognitoTriggerProps>) => validateCognitoTriggerProps({ ...BASE, ...props });

      it('accepts a function name of 1 and of 64 letters, digits, - and _, and refuses 65, an empty one and other characters', () => {
        expect(problems({ functionName: 'a' })).toEqual([]);
        expect(problems({ functionName: `A_b-9${'x'.repeat(59)}` })).toEqual([]);
        for (const bad of ['', 'x'.repeat(65), 'up.dev', 'up dev', 'ü']) {
          expect(problems({ functionName: bad })).toEqual([
            `functionName must be 1–64 letters, digits, hyphens or underscores (received ${JSON.stringify(bad)}): it also names the role, whose limit is 64.`,
          ]);
        }
      });

      it('accepts a description of 256 characters and refuses 257', () => {
        expect(problems({ description: 'd'.repeat(256) })).toEqual([]);
        expect(problems({ description: 'd'.repeat(257) })).toEqual(["description must be at most 256 characters (received 257): Lambda's limit."]);
      });

      it('refuses a handler that is not a .ts file, and a folder', () => {
        expect(problems({ handlerFile: ECHO_HANDLER.replace(/\.ts$/, '.js') })).toEqual([expect.stringMatching(/^handlerFile must be an absolute path to a \.ts file/)]);
        const folder = path.join(tempDir(), 'handler.ts');
        fs.mkdirSync(folder);
        expect(problems({ handlerFile: folder })).toEqual([`handlerFile ${JSON.stringify(folder)} does not exist.`]);
      });

      it('refuses the bundle name as a data file in any case', () => {
        expect(problems({ dataFiles: { 'INDEX.JS': '' } })).toEqual(['dataFiles must not contain "INDEX.JS": that is the bundled handler.']);
        expect(problems({ dataFiles: { 'index.json': '' } })).toEqual([]);
      });

      it('accepts 128 and 10240 MB, and refuses 127, 10241 and fractions', () => {
        expect(problems({ memorySize: 128 })).toEqual([]);
        expect(problems({ memorySize: 10240 })).toEqual([]);
        for (const bad of [127, 10241, 128.5]) expect(problems({ memorySize: bad })).toEqual([`memorySize must be a whole number of MB from 128 to 10240 (received ${bad}).`]);
      });

      it('accepts a timeout of 1 to 5 seconds, and refuses 0, 6 and fractions', () => {
        expect(problems({ timeoutSeconds: 1 })).toEqual([]);
        expect(problems({ timeoutSeconds: 5 })).toEqual([]);
        for (const bad of [0, 6, 1.5]) expect(problems({ timeoutSeconds: bad })).toEqual([expect.stringContaining(`timeoutSeconds must be a whole number from 1 to 5 (received ${bad})`)]);
      });

      it('accepts both architectures and nothing else', () => {
        expect(problems({ architecture: 'x86_64' })).toEqual([]);
        expect(problems({ architecture: 'arm64' })).toEqual([]);
        expect(problems({ architecture: 'arm' as never })).toEqual(['architecture must be "arm64" or "x86_64" (received "arm").']);
      });

      it('accepts a reserved concurrency of 1, and refuses fractions', () => {
        expect(problems({ reservedConcurrency: 1 })).toEqual([]);
        expect(problems({ reservedConcurrency: 1.5 })).toEqual([expect.stringContaining('reservedConcurrency must be a whole number of at least 1 (received 1.5)')]);
      });

      it('accepts the shortest retention and refuses a value between two accepted ones', () => {
        expect(problems({ logRetentionDays: 1 })).toEqual([]);
        expect(problems({ logRetentionDays: 2 })).toEqual([expect.stringContaining('logRetentionDays must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (received 2)')]);
      });

      it('leaves a function name, a description and a pool ARN that are unresolved tokens to Terraform', () => {
        const { json } = synthTrigger({}, (trigger, scope) => trigger.allowInvocationBy(new TerraformVariable(scope, 'Pool', { type: 'string' }).stringValue));
        expect(onlyResource(json, 'aws_lambda_permission').source_arn).toBe('${var.Pool}');
        const stack = new TerraformStack(new App(), 'tokens');
        const v = (id: string) => new TerraformVariable(stack, id, { type: 'string' }).stringValue;
        expect(validateCognitoTriggerProps({ ...BASE, functionName: v('Name'), description: v('Description') })).toEqual([]);
      });

      it('reports both problems of a second, malformed pool together, under the construct path', () => {
        expect(() =>
          synthTrigger({}, (t) => {
            expect(t.invokePermission).toBeUndefined();
            const permission = t.allowInvocationBy(POOL_ARN);
            expect(t.invokePermission).toBe(permission);
            t.allowInvocationBy('x');
          }),
        ).toThrow(/^CognitoTrigger test\/Trigger:\n {2}- allowInvocationBy was called already[^\n]*\n {2}- userPoolArn must be a user pool ARN \(received "x"\)/);
      });

      it('names the handler that does not bundle', () => {
        const broken = path.join(tempDir(), 'broken.ts');
        fs.writeFileSync(broken, 'export const handler = (;\n');
        expect(() => synthTrigger({ handlerFile: broken })).toThrow(/^CognitoTrigger test\/Trigger: bundling broken\.ts failed: /);
      });

      it('accepts user pool ARNs of every partition, and refuses anything else', () => {
        for (const arn of [POOL_ARN, 'arn:aws-cn:cognito-idp:cn-north-1:123456789012:userpool/cn-north-1_A1', 'arn:aws-us-gov:cognito-idp:us-gov-west-1:123456789012:userpool/us-gov-west-1_abc']) {
          expect(() => synthTrigger({}, (t) => t.allowInvocationBy(arn))).not.toThrow();
        }
        for (const bad of [
          'arn:aws:cognito-idp:eu-central-1:12345678901:userpool/eu-central-1_EXAMPLE',
          'arn:aws:cognito-idp:eu-central-1:123456789012:userpool/eu-central-1_',
          'arn:aws:cognito-idp:eu-central-1:123456789012:userpool/eu-central-1_EX-AMPLE',
          'arn:aws:cognito-identity:eu-central-1:123456789012:userpool/eu-central-1_EXAMPLE',
          `x${POOL_ARN}`,
          `${POOL_ARN}/x`,
        ]) {
          expect(() => synthTrigger({}, (t) => t.allowInvocationBy(bad))).toThrow(`userPoolArn must be a user pool ARN (received ${JSON.stringify(bad)}): pass the user pool's arn attribute.`);
        }
      });
    });

    it('names a handler file that does not exist', () => {
      expect(() => synthTrigger({ handlerFile: path.join(__dirname, 'no-such-handler.ts') })).toThrow(/handlerFile ".*no-such-handler\.ts" does not exist/);
    });

    it('accepts every retention CloudWatch Logs accepts, and not "never expire"', () => {
      expect(LOG_RETENTION_DAYS).toHaveLength(22);
      expect(() => synthTrigger({ logRetentionDays: 3653 })).not.toThrow();
      expect(() => synthTrigger({ logRetentionDays: 0 })).toThrow(/logRetentionDays must be one of .* \(received 0\)/);
    });
  });

  describe('package', () => {
    it('is byte-for-byte reproducible: two synths give the same hash, file name and zip bytes', () => {
      const a = synthTrigger();
      const b = synthTrigger();
      expect(b.trigger.assetHash).toBe(a.trigger.assetHash);
      expect(onlyResource(b.json, 'aws_lambda_function').filename).toBe(onlyResource(a.json, 'aws_lambda_function').filename);
      expect(packageTrigger(ECHO_HANDLER, { 'greeting.txt': 'hello' }).zip.equals(packageTrigger(ECHO_HANDLER, { 'greeting.txt': 'hello' }).zip)).toBe(true);
      // Independent of the order the data files are given in.
      const twoFiles = deterministicZip({ 'b.txt': 'b', 'a.txt': 'a' });
      expect(twoFiles.equals(deterministicZip({ 'a.txt': 'a', 'b.txt': 'b' }))).toBe(true);
    });

    it('changes hash, file name and source_code_hash when a data file changes', () => {
      const a = synthTrigger();
      const b = synthTrigger({ dataFiles: { 'greeting.txt': 'hello!' } });
      const c = synthTrigger({ dataFiles: { 'greeting.txt': 'hello', 'extra.txt': '' } });
      expect(new Set([a.trigger.assetHash, b.trigger.assetHash, c.trigger.assetHash]).size).toBe(3);
      expect(onlyResource(b.json, 'aws_lambda_function').source_code_hash).not.toBe(onlyResource(a.json, 'aws_lambda_function').source_code_hash);
    });

    it('holds index.js and the data files, sorted, dated 1980-01-01, mode 0644, readable with unzip', () => {
      const pkg = packageTrigger(ECHO_HANDLER, { 'greeting.txt': 'hello', 'bindings.json': '{"a":1}' });
      const files = readZip(pkg.zip);
      expect(Object.keys(files)).toEqual(['bindings.json', 'greeting.txt', 'index.js']);
      expect(files['index.js'].equals(pkg.bundle)).toBe(true);
      expect(files['greeting.txt'].toString()).toBe('hello');

      const dir = tempDir();
      const zipFile = path.join(dir, 'function.zip');
      fs.writeFileSync(zipFile, pkg.zip);
      expect(spawnSync('unzip', ['-p', zipFile, 'bindings.json'], { encoding: 'utf8' }).stdout).toBe('{"a":1}');
      expect(spawnSync('unzip', ['-p', zipFile, 'index.js']).stdout.equals(pkg.bundle)).toBe(true);
      const listing = spawnSync('zipinfo', [zipFile], { encoding: 'utf8' }).stdout;
      expect(listing.split('\n').filter((line) => line.startsWith('-rw-r--r--'))).toEqual([
        expect.stringMatching(/ 80-Jan-01 00:00 bindings\.json$/),
        expect.stringMatching(/ 80-Jan-01 00:00 greeting\.txt$/),
        expect.stringMatching(/ 80-Jan-01 00:00 index\.js$/),
      ]);
      expect(spawnSync('unzip', ['-t', zipFile], { encoding: 'utf8' }).status).toBe(0);
    });

    it('bundles without any path of the build machine', () => {
      const bundle = packageTrigger(ECHO_HANDLER).bundle.toString('utf8');
      expect(bundle).toContain('// echo-trigger.ts');
      for (const local of [REPO_ROOT, os.homedir(), os.tmpdir(), __dirname]) expect(bundle).not.toContain(local);
      expect(bundle).not.toMatch(/sourceMappingURL/);
    });

    it('runs in Node: the bundled index.js exports handler and reads its data files from __dirname', () => {
      const dir = tempDir();
      for (const [name, content] of Object.entries(readZip(packageTrigger(ECHO_HANDLER, { 'greeting.txt': 'hello' }).zip))) {
        fs.writeFileSync(path.join(dir, name), content);
      }
      const run = runBundle(dir, { triggerSource: 'PreSignUp_SignUp', response: { autoConfirmUser: false } });
      expect(run.stdout).toBe('RESULT {"triggerSource":"PreSignUp_SignUp","response":{"autoConfirmUser":false,"greeting":"hello"}}\n');
      expect(run.stderr).toBe('');
    });

    it('is copied into cdktf.out by app.synth(), unchanged', () => {
      const outdir = tempDir();
      const app = new App({ outdir, stackTraces: false });
      const stack = new TerraformStack(app, 'assets');
      new AwsProvider(stack, 'Aws', { region: 'eu-central-1' });
      const trigger = new CognitoTrigger(stack, 'Trigger', BASE);
      app.synth();
      const stackDir = path.join(outdir, 'stacks', 'assets');
      const json = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as StackJson;
      const copied = fs.readFileSync(path.join(stackDir, onlyResource(json, 'aws_lambda_function').filename));
      expect(copied.equals(packageTrigger(ECHO_HANDLER, BASE.dataFiles).zip)).toBe(true);
      expect(trigger.assetHash).toBe(packageTrigger(ECHO_HANDLER, BASE.dataFiles).sha256Hex);
    });
  });
});

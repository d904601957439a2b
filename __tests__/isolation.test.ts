/**
 * The simulated access matrix: for every environment under environments/ (discovered) and a generated 100-tenant environment, the
 * policies are synthesized, READ BACK from cdk.tf.json (role inline policy, trust policy, bucket
 * policy, key policy), references resolved to fake values and `$${` un-escaped, and evaluated by
 * iam-simulate (see helpers/simulate.ts for what the library does and does not do).
 *
 * The checks themselves are defined in helpers/access-matrix.ts, which the access report
 * (`npm run access-report`) renders from the same evaluation. Every denial there names a control:
 * the rightful owner's allowed request of the same action, asserted in the same `it`.
 *
 * Modes (details in access-matrix.ts):
 * - tenant prefix, hostile tags, transport/encryption: CHECKED mode; each check also asserts that
 *   iam-simulate's checked entry point ignored no context key.
 * - identity prefix and the "every caller × every path" grid: UNSAFE mode, because the requests
 *   carry `cognito-identity.amazonaws.com:sub`, which the checked entry point drops on S3 actions
 *   (so `private/${cognito-identity.amazonaws.com:sub}/*` would never match).
 * - KMS: UNSAFE mode, because the checked entry point drops `kms:EncryptionContext:aws:s3:arn`,
 *   the key the tenant binding of the data key relies on.
 * - trust: UNSAFE mode, because `cognito-identity.amazonaws.com:amr` is multi-valued in real tokens
 *   and the checked entry point drops the cognito keys on sts:TagSession.
 * - tenant table (environments with `table`): CHECKED mode; `dynamodb:LeadingKeys` is a list there.
 * - tenant secrets (environments with `tenantSecrets`): UNSAFE mode, because iam-simulate's data does
 *   not know `secretsmanager:ResourceTag/<key>` (it would drop it, and the ABAC condition with it).
 */
import type { LoadedEnvironment } from '../modules/environment-config';
import {
  actionOf,
  generatedEnvironment,
  Group,
  Matrix,
  MatrixEvaluation,
  matrixForEnvironment,
  matrixForLoaded,
  othersFor,
  plannedMatrix,
  REPORTED_ENVIRONMENTS,
} from './helpers/access-matrix';
import { COGNITO_IDENTITY_PROVIDER } from './helpers/simulate';
import { generatedConfig, inMemoryEnvironment } from './helpers/generated-environment';
import { repositoryEnvironment } from './helpers/synth';

/**
 * 100 tenants × 99 others × 4 actions is ~40 000 simulations, about 50 s at ~1.3 ms each on this
 * machine, too slow for `npm test`. Above 10 tenants every tenant T is therefore checked against a
 * deterministic set of others: its two neighbours, the first, the last and the one halfway round
 * (othersFor), plus a prefix twin of T and a look-alike folder `T0/`. Every tenant is covered as a
 * caller and as a target; the small environments check all ordered pairs.
 */
const GENERATED_TENANTS = 100;
/**
 * Role per tenant (document 004) on a generated environment, so no sample environment has to use it:
 * every tenant has its own role, and the whole matrix (tenant prefixes, hostile tags, identity
 * folders, the grid, encryption, KMS, the tenant table and secrets, trust per role) runs against
 * those roles. The default role (a user in no tenant group, which the tenant-claim trigger puts into
 * such a user's token) is checked to grant nothing of any tenant, on every target; the environment
 * serves tenant-less users too, who get that role and only their own folder.
 */
const ROLE_PER_TENANT_TENANTS = 10;

/**
 * The environments, loaded (not synthesized) at load: the `it` titles come from plannedMatrix, which
 * needs the configuration only; each environment is synthesized in its describe's beforeAll.
 */
const subjects: ReadonlyArray<{ readonly environment: LoadedEnvironment; readonly synthesize: () => Matrix }> = [
  ...REPORTED_ENVIRONMENTS.map((name) => ({ environment: repositoryEnvironment(name), synthesize: () => matrixForEnvironment(name) })),
  ((environment) => ({ environment, synthesize: () => matrixForLoaded(environment) }))(generatedEnvironment(GENERATED_TENANTS)),
  ((environment) => ({ environment, synthesize: () => matrixForLoaded(environment) }))(
    generatedEnvironment(ROLE_PER_TENANT_TENANTS, { isolation: 'role-per-tenant', table: {}, tenantSecrets: {}, tenantlessUsers: true }, 'pertenant'),
  ),
  // The tenant table with one partition key per tenant ("leadingKey": "exact"), which no sample environment uses.
  ((environment) => ({ environment, synthesize: () => matrixForLoaded(environment) }))(
    inMemoryEnvironment('exactkeys', { ...generatedConfig('exactkeys'), table: { leadingKey: 'exact', actions: ['read', 'write'] }, tenantSecrets: {} }),
  ),
];

/** Row titles and check ids, group by group: what the `it`s are declared from. */
const shape = (matrix: Matrix) => matrix.groups.map((g) => ({ key: g.key, rows: g.rows.map((r) => ({ title: r.title, checks: r.checks })) }));

describe.each(subjects.map((s) => [s.environment.name, s] as const))('access matrix of %s', (name, subject) => {
  const plan = plannedMatrix(subject.environment);
  let matrix: Matrix;
  let evaluation: MatrixEvaluation;
  let model: Matrix['model'];
  beforeAll(() => {
    matrix = subject.synthesize();
    evaluation = new MatrixEvaluation(matrix);
    model = matrix.model;
  });

  /** One `it` per planned row, evaluated against the row of the synthesized matrix with the same title. */
  function rowsOf(key: Group['key']): void {
    const rows = plan.groups.find((g) => g.key === key)!.rows;
    it.each(rows.map((row) => ({ title: row.title })))('$title', async ({ title }) => {
      const row = matrix.groups.find((g) => g.key === key)?.rows.find((r) => r.title === title);
      expect(row?.title).toBe(title);
      expect(await evaluation.rowProblems(row!)).toEqual([]);
    });
  }

  it('declares exactly the rows of the synthesized matrix (titles and checks depend on the configuration only)', () => {
    expect(shape(plan)).toEqual(shape(matrix));
  });

  it('reads every policy back from cdk.tf.json with the references resolved and the $${ escapes undone', () => {
    for (const [policyName, text] of Object.entries(model.synthesized)) {
      const resolved = JSON.stringify(model.policies[policyName as keyof typeof model.policies]);
      expect({ policyName, leftover: /\$\{(aws_|data\.)/.test(resolved) || resolved.includes('$${') }).toEqual({ policyName, leftover: false });
      expect(text).not.toMatch(/(?<!\$)\$\{(aws:|cognito-identity)/);
    }
    if (model.isolation === 'shared-role') {
      expect(JSON.stringify(model.policies.role)).toContain(`${model.bucketArn}/\${${model.tenantTagKey}}/*`);
    } else {
      // Role per tenant: the default role names no tenant; each tenant's role names its own folder.
      expect(JSON.stringify(model.policies.role)).not.toContain(model.tenantTagKey.replace('aws:PrincipalTag/', '${aws:PrincipalTag/'));
      for (const tenant of model.tenants) {
        expect(JSON.stringify(model.groupRoles[`tenant-${tenant}`]?.policies.role)).toContain(`"${model.bucketArn}/${tenant}/*"`);
      }
    }
  });

  it('pairs every denial with an allowed control of the same action', () => {
    const unpaired = [...matrix.checks.values()]
      .filter((c) => c.expect !== 'allowed')
      .filter((c) => {
        const control = c.control === undefined ? undefined : matrix.checks.get(c.control);
        return !control || control.expect !== 'allowed' || actionOf(control) !== actionOf(c);
      })
      .map((c) => c.id);
    expect(unpaired).toEqual([]);
  });

  describe(`tenant prefix (${name})`, () => {
    if (plan.model.tenants.length > 10) {
      it(`checks each of the ${plan.model.tenants.length} tenants against its neighbours, the first, the last and the one halfway round`, () => {
        const n = model.tenants.length;
        matrix.tenantCoverage.forEach(({ tenant, others }, i) => {
          expect(tenant).toBe(model.tenants[i]);
          expect(others).toEqual(othersFor(model.tenants, i, 10));
          for (const j of [(i + n - 1) % n, (i + 1) % n, 0, n - 1]) if (j !== i) expect(others).toContain(model.tenants[j]);
        });
        // Every tenant is also a target of some other tenant's checks.
        const targets = new Set(matrix.tenantCoverage.flatMap((c) => c.others));
        expect(model.tenants.filter((t) => !targets.has(t))).toEqual([]);
      });
    }
    rowsOf('tenant');
  });

  describe(`hostile tenant tags (${name})`, () => rowsOf('hostile'));

  // Unsafe mode: these requests carry cognito-identity.amazonaws.com:sub (see the header).
  describe(`identity prefix (${name})`, () => rowsOf('identity'));
  describe(`every caller × every path, with the identity id in the context (${name})`, () => rowsOf('grid'));

  describe(`transport and encryption (${name})`, () => {
    // A request without SSE headers is allowed by design and relies on default encryption, so the
    // default must be SSE-KMS with this key, and Bucket Keys must stay off (they would change the
    // encryption context to the bucket ARN, which the tenant binding of the key denies).
    it('encrypts by default with SSE-KMS and this environment’s key (full ARN), S3 Bucket Keys off', () => {
      expect(model.defaultEncryption).toEqual({ sseAlgorithm: 'aws:kms', kmsMasterKeyId: model.keyArn, bucketKeyEnabled: false });
    });
    rowsOf('encryption');
  });

  // Unsafe mode: the tenant binding is kms:EncryptionContext:aws:s3:arn (see the header).
  describe(`KMS data key (${name})`, () => rowsOf('kms'));

  // Unsafe mode: tier folders and tenant-less users' folders hold the identity id.
  if (plan.groups.some((g) => g.key === 'tier')) describe(`tiers (${name})`, () => rowsOf('tier'));
  if (plan.groups.some((g) => g.key === 'tenantless')) describe(`tenant-less users (${name})`, () => rowsOf('tenantless'));
  // Checked mode: iam-simulate keeps dynamodb:LeadingKeys as a list, so ForAllValues covers every key of a batch.
  if (plan.groups.some((g) => g.key === 'table')) describe(`tenant table (${name})`, () => rowsOf('table'));
  // Unsafe mode: iam-simulate's data does not know secretsmanager:ResourceTag/<key> (simulate.ts, fact 8).
  if (plan.groups.some((g) => g.key === 'secrets')) describe(`tenant secrets (${name})`, () => rowsOf('secrets'));

  // Unsafe mode: amr is multi-valued; TagSession loses the cognito keys in checked mode.
  describe(`role trust (${name})`, () => {
    // iam-simulate cannot evaluate a web-identity provider that is not an *.amazonaws.com service
    // (e.g. accounts.google.com): such a principal can never be allowed there, so a simulated
    // denial would prove nothing. The trust policy is checked structurally instead.
    it('trusts only the Cognito identity-pool provider, for AssumeRoleWithWebIdentity and TagSession (accounts.google.com is not trusted)', () => {
      const statements = model.policies.trust.Statement as Array<Record<string, unknown>>;
      const allows = statements.filter((s) => s.Effect === 'Allow');
      expect(allows.map((s) => s.Principal)).toEqual(allows.map(() => ({ Federated: COGNITO_IDENTITY_PROVIDER })));
      expect(allows.flatMap((s) => s.Action as string[]).sort()).toEqual(['sts:AssumeRoleWithWebIdentity', 'sts:TagSession']);
      expect(JSON.stringify(model.policies.trust)).not.toContain('accounts.google.com');
    });
    rowsOf('trust');
  });
});

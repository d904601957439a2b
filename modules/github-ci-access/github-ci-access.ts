import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { DataTlsCertificate } from '@cdktf/provider-tls/lib/data-tls-certificate';
import { Construct } from 'constructs';
import { policyDocument, PolicyStatement, renderPolicy } from '../iam-policy';
import {
  applyPlatformStatements,
  applySignInAndDataStatements,
  applyStatements,
  EnvironmentScope,
  overlappingPrefixes,
  planEnvironmentStatements,
  planStatements,
  PolicyTargets,
  secretSourceProblems,
} from './ci-policies';

/**
 * The managed policies each apply role gets (their statements do not depend on the other
 * environments): construct id prefix, physical name suffix, statements.
 */
const APPLY_MANAGED_POLICIES = [
  { id: 'ApplyPlatformPolicy', suffix: 'platform', statements: applyPlatformStatements, description: 'its roles, functions, log groups, upload bucket and keys' },
  { id: 'ApplySignInAndDataPolicy', suffix: 'sign-in-and-data', statements: applySignInAndDataStatements, description: 'its Cognito pools, tenant table, tenant secret containers and social sign-in sources' },
] as const;

/** GitHub's OIDC issuer. https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services */
export const GITHUB_OIDC_ISSUER = 'token.actions.githubusercontent.com';
/** The audience configure-aws-credentials requests, and the only one the roles accept. */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';
/**
 * AWS managed policies start with this; none may be attached to a GitHub-trusted role (rule CI3):
 * AdministratorAccess would let one environment's apply role change another's resources, and
 * ReadOnlyAccess includes s3:GetObject on every bucket.
 */
export const AWS_MANAGED_POLICY_PREFIX = 'arn:aws:iam::aws:policy/';

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPOSITORY = /^[A-Za-z0-9._-]{1,100}$/;
const ENVIRONMENT = /^[A-Za-z0-9._-]{1,255}$/;

/** One environment CI deploys: its GitHub environment name, its state object and where its resources live. */
export interface CiEnvironment {
  /** The environment folder, which is also the GitHub environment name. */
  readonly name: string;
  /** The key of its Terraform state in the state bucket (the environment's `backend.key`). */
  readonly stateKey: string;
  /** The environment's `namePrefix`: its stack names every resource `<namePrefix>-<name>-<purpose>`. */
  readonly namePrefix: string;
  /** The Region its stack deploys to (the environment's `region`). */
  readonly region: string;
  /**
   * SSM parameter names its social sign-in reads at plan time (`socialSignIn.*.ssmParameter`): the
   * roles may read exactly these parameters, and no other. @default - none
   */
  readonly socialSecretParameters?: readonly string[];
  /**
   * Secrets Manager secret names or ARNs its social sign-in reads at plan time
   * (`socialSignIn.*.secretsManagerSecret`): the roles may read exactly these values, and no other.
   * @default - none
   */
  readonly socialSecrets?: readonly string[];
}

export interface GithubCiAccessProps {
  /** The GitHub owner (user or organization) of the one repository trusted. */
  readonly githubOwner: string;
  /** The GitHub repository trusted. */
  readonly githubRepository: string;
  /** Physical name of the state bucket this construct creates. */
  readonly stateBucketName: string;
  /** The environments deployed with these roles; each gets one apply role. */
  readonly environments: readonly CiEnvironment[];
  /** Prefix of the role names: `<rolePrefix>-plan`, `<rolePrefix>-apply-<env>`. */
  readonly rolePrefix: string;
  /**
   * Customer managed policies attached to every apply role, on top of the environment-scoped inline
   * policy: an escape hatch for a resource type the inline policy does not cover yet. AWS managed
   * policies are refused. A broad policy here defeats the isolation between environments, except for
   * the explicit denies (other environments' state, the CI roles), which still hold.
   * @default - none
   */
  readonly applyPolicyArns?: readonly string[];
}

/**
 * The `sub` claim GitHub puts in a job's token: `repo:<owner>/<repo>:pull_request` for a
 * pull_request job without environment, `repo:<owner>/<repo>:environment:<env>` for a job in a
 * GitHub environment. Built from validated parts only: a wildcard here would let any branch, fork
 * or environment of the repository (or, in the owner, any repository) assume the role.
 * https://docs.github.com/en/actions/reference/security/oidc#example-subject-claims
 */
export function githubSubject(owner: string, repository: string, context: { readonly pullRequest: true } | { readonly environment: string }): string {
  const problems: string[] = [];
  if (!OWNER.test(owner)) problems.push(`the GitHub owner ${JSON.stringify(owner)} must be a user or organization name (letters, digits, single hyphens)`);
  if (!REPOSITORY.test(repository)) problems.push(`the GitHub repository ${JSON.stringify(repository)} must be a repository name (letters, digits, ".", "_", "-")`);
  if ('environment' in context && !ENVIRONMENT.test(context.environment)) {
    problems.push(`the GitHub environment ${JSON.stringify(context.environment)} must be a plain name (letters, digits, ".", "_", "-")`);
  }
  const subject = `repo:${owner}/${repository}:${'environment' in context ? `environment:${context.environment}` : 'pull_request'}`;
  if (/[*?]/.test(subject)) problems.push(`the subject ${JSON.stringify(subject)} has a wildcard`);
  if (problems.length > 0) throw new Error(`GithubCiAccess: ${problems.join('; ')}; the role trust pins one exact subject, so wildcards are rejected.`);
  return subject;
}

/**
 * CI access to one AWS account through GitHub OIDC: the GitHub OIDC provider (its thumbprint read
 * from the issuer's certificate chain by the tls provider), a read-only plan role for pull requests,
 * one apply role per environment for jobs in the GitHub environment of that name, and the
 * encrypted, versioned state bucket the roles reach. Every trust pins `aud` and the exact `sub`;
 * every permission is an inline policy built in ci-policies.ts (no AWS managed policy), scoped to
 * the environments' name prefixes, Environment tags and state keys.
 */
export class GithubCiAccess extends Construct {
  public readonly oidcProviderArn: string;
  public readonly planRoleArn: string;
  /** Apply role ARNs, keyed by environment name. */
  public readonly applyRoleArns: ReadonlyMap<string, string>;
  public readonly stateBucketName: string;
  /** The underlying resources, for overrides. */
  public readonly oidcProvider: IamOpenidConnectProvider;
  public readonly stateBucket: S3Bucket;

  constructor(scope: Construct, id: string, props: GithubCiAccessProps) {
    super(scope, id);
    // Validate everything before creating anything.
    const planSubject = githubSubject(props.githubOwner, props.githubRepository, { pullRequest: true });
    const applySubjects = props.environments.map((env) => githubSubject(props.githubOwner, props.githubRepository, { environment: env.name }));
    const badKeys = props.environments.filter((env) => env.stateKey.length === 0 || /[*?]/.test(env.stateKey));
    if (badKeys.length > 0) {
      throw new Error(`GithubCiAccess: state keys must be exact object keys without wildcards (received ${badKeys.map((e) => JSON.stringify(e.stateKey)).join(', ')}).`);
    }
    if (new Set(props.environments.map((e) => e.name)).size !== props.environments.length) {
      throw new Error(`GithubCiAccess: environments must be unique (received ${props.environments.map((e) => e.name).join(', ')}).`);
    }
    const scopes: EnvironmentScope[] = props.environments.map((env) => ({
      name: env.name,
      stateKey: env.stateKey,
      resourcePrefix: `${env.namePrefix}-${env.name}`,
      region: env.region,
      socialSecretParameters: env.socialSecretParameters ?? [],
      socialSecrets: env.socialSecrets ?? [],
    }));
    const problems = [...overlappingPrefixes(scopes, props.rolePrefix), ...secretSourceProblems(scopes)];
    const applyPolicyArns = props.applyPolicyArns ?? [];
    applyPolicyArns.forEach((policyArn, i) => {
      if (policyArn.startsWith(AWS_MANAGED_POLICY_PREFIX)) {
        problems.push(`applyPolicyArns[${i}] is the AWS managed policy ${JSON.stringify(policyArn)}: attach a customer managed policy that names what is missing instead (rule CI3)`);
      }
    });
    problems.push(...oversizedPolicies(scopes, props));
    if (problems.length > 0) throw new Error(`GithubCiAccess: ${problems.join('; ')}.`);

    // IAM asks for the thumbprint of the issuer's top intermediate CA; the tls provider lists the
    // chain root first. (AWS now validates GitHub's JWKS endpoint against its own trusted CAs and
    // keeps the thumbprint for the API only, so a rotation does not break the trust.)
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html
    const issuerCertificate = new DataTlsCertificate(this, 'IssuerCertificate', { url: `https://${GITHUB_OIDC_ISSUER}/.well-known/openid-configuration` });
    this.oidcProvider = new IamOpenidConnectProvider(this, 'OidcProvider', {
      url: `https://${GITHUB_OIDC_ISSUER}`,
      clientIdList: [GITHUB_OIDC_AUDIENCE],
      thumbprintList: [issuerCertificate.certificates.get(0).sha1Fingerprint],
    });
    this.oidcProviderArn = this.oidcProvider.arn;

    this.stateBucket = new S3Bucket(this, 'StateBucket', { bucket: props.stateBucketName, forceDestroy: false, lifecycle: { preventDestroy: true } });
    this.stateBucketName = this.stateBucket.bucket;
    const bucketArn = this.stateBucket.arn;
    // Versions are how a broken or deleted state is recovered.
    new S3BucketVersioningA(this, 'StateVersioning', { bucket: this.stateBucket.id, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'StateEncryption', {
      bucket: this.stateBucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    new S3BucketPublicAccessBlock(this, 'StatePublicAccessBlock', {
      bucket: this.stateBucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'StateOwnership', { bucket: this.stateBucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketPolicy(this, 'StatePolicy', {
      bucket: this.stateBucket.id,
      policy: renderPolicy(
        policyDocument([
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [bucketArn, `${bucketArn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': false } },
          },
        ]),
      ),
    });

    // Every role is created first: each apply role's denies name all of them.
    const plan = this.role('PlanRole', `${props.rolePrefix}-plan`, planSubject, 'Plans pull requests: reads resources and state, takes the state lock, reads no object data');
    const applyRoles = props.environments.map((env, index) =>
      // Keyed by environment name, never by position: adding an environment touches only its role.
      this.role(`ApplyRole-${env.name}`, `${props.rolePrefix}-apply-${env.name}`, applySubjects[index]!, `Applies ${env.name} from its GitHub environment: its own resources and state only`),
    );
    const partition = new DataAwsPartition(this, 'Partition');
    const account = new DataAwsCallerIdentity(this, 'Account');
    const baseTargets = { partition: partition.partition, account: account.accountId, stateBucketArn: bucketArn, environments: scopes, oidcProviderArn: this.oidcProviderArn };
    // Each environment's name-scoped reads: one managed policy per environment on the plan role.
    const planPolicies = props.environments.map(
      (env, index) =>
        new IamPolicy(this, `PlanReadsPolicy-${env.name}`, {
          name: `${props.rolePrefix}-plan-${env.name}`,
          description: `Plan role: reads the resources of ${env.name} (no object, item or secret value)`,
          policy: renderPolicy(policyDocument(planEnvironmentStatements({ ...baseTargets, ciRoleArns: [], ciPolicyArns: [] }, scopes[index]!))),
        }),
    );
    planPolicies.forEach((policy, index) => {
      new IamRolePolicyAttachment(this, `PlanReadsPolicyAttachment-${props.environments[index]!.name}`, { role: plan.name, policyArn: policy.arn });
    });
    // The per-environment permissions are customer managed policies (6,144 characters each), so the
    // inline policy keeps only what grows with the environments. Their statements name no CI role.
    const managedPolicies = props.environments.map((env, index) =>
      APPLY_MANAGED_POLICIES.map(
        (managed) =>
          new IamPolicy(this, `${managed.id}-${env.name}`, {
            name: `${props.rolePrefix}-apply-${env.name}-${managed.suffix}`,
            description: `Apply role of ${env.name}: ${managed.description}`,
            policy: renderPolicy(policyDocument(managed.statements({ ...baseTargets, ciRoleArns: [], ciPolicyArns: [] }, scopes[index]!))),
          }),
      ),
    );
    const targets: PolicyTargets = { ...baseTargets, ciRoleArns: [plan.arn, ...applyRoles.map((r) => r.arn)], ciPolicyArns: [...planPolicies, ...managedPolicies.flat()].map((p) => p.arn) };

    // Construct ids PlanStateAccess / ApplyStateAccess-<env> are kept (Terraform addresses); the
    // policy name says what the document now is.
    new IamRolePolicy(this, 'PlanStateAccess', { role: plan.id, name: 'plan', policy: renderPolicy(policyDocument(planStatements(targets))) });
    this.planRoleArn = plan.arn;

    const applyRoleArns = new Map<string, string>();
    props.environments.forEach((env, index) => {
      const role = applyRoles[index]!;
      const scope = scopes[index]!;
      applyPolicyArns.forEach((policyArn) => {
        new IamRolePolicyAttachment(this, `ApplyPolicy-${env.name}-${policyArn.split('/').pop()}`, { role: role.name, policyArn });
      });
      APPLY_MANAGED_POLICIES.forEach((managed, i) => {
        new IamRolePolicyAttachment(this, `${managed.id}Attachment-${env.name}`, { role: role.name, policyArn: managedPolicies[index]![i]!.arn });
      });
      new IamRolePolicy(this, `ApplyStateAccess-${env.name}`, {
        role: role.id,
        name: 'apply',
        policy: renderPolicy(policyDocument(applyStatements(targets, scope))),
      });
      applyRoleArns.set(env.name, role.arn);
    });
    this.applyRoleArns = applyRoleArns;
  }

  /** A role only GitHub's OIDC tokens for exactly `subject`, with audience sts.amazonaws.com, can assume. */
  private role(id: string, name: string, subject: string, description: string): IamRole {
    return new IamRole(this, id, {
      name,
      description,
      maxSessionDuration: 3600,
      assumeRolePolicy: renderPolicy(
        policyDocument([
          {
            Sid: 'GitHubActions',
            Effect: 'Allow',
            Principal: { Federated: this.oidcProviderArn },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringEquals: {
                [`${GITHUB_OIDC_ISSUER}:aud`]: GITHUB_OIDC_AUDIENCE,
                [`${GITHUB_OIDC_ISSUER}:sub`]: subject,
              },
            },
          },
        ]),
      ),
    });
  }
}

/**
 * IAM counts a role's inline policies together, without whitespace, against 10,240 characters. The
 * apply policies grow with the number of environments (each denies the others' state), so the size
 * is checked before anything is created, with the longest values the tokens can take.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length
 */
export const INLINE_POLICY_LIMIT = 10240;

function oversizedPolicies(scopes: readonly EnvironmentScope[], props: GithubCiAccessProps): string[] {
  const account = '123456789012';
  const role = (name: string) => `arn:aws-us-gov:iam::${account}:role/${name}`;
  const targets: PolicyTargets = {
    partition: 'aws-us-gov',
    account,
    stateBucketArn: `arn:aws-us-gov:s3:::${props.stateBucketName}`,
    environments: scopes,
    ciRoleArns: [role(`${props.rolePrefix}-plan`), ...scopes.map((e) => role(`${props.rolePrefix}-apply-${e.name}`))],
    ciPolicyArns: scopes.flatMap((e) => [
      `arn:aws-us-gov:iam::${account}:policy/${props.rolePrefix}-plan-${e.name}`,
      ...APPLY_MANAGED_POLICIES.map((m) => `arn:aws-us-gov:iam::${account}:policy/${props.rolePrefix}-apply-${e.name}-${m.suffix}`),
    ]),
    oidcProviderArn: `arn:aws-us-gov:iam::${account}:oidc-provider/${GITHUB_OIDC_ISSUER}`,
  };
  // IAM attaches at most 10 managed policies to a role by default (a quota that can be raised to 20).
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entities
  const attached = [
    { role: `${props.rolePrefix}-plan`, count: scopes.length },
    ...scopes.map((e) => ({ role: `${props.rolePrefix}-apply-${e.name}`, count: APPLY_MANAGED_POLICIES.length + (props.applyPolicyArns ?? []).length })),
  ].filter((r) => r.count > MANAGED_POLICIES_PER_ROLE);
  return [
    ...attached.map((r) => `${r.role} would have ${r.count} managed policies attached, over IAM's default ${MANAGED_POLICIES_PER_ROLE} per role: deploy fewer environments from this account (the plan role has one per environment), or fewer applyPolicyArns`),
    ...ciPolicySizes(targets, props.rolePrefix)
      .filter((p) => p.size > p.limit)
    .map((p) =>
      p.kind === 'inline'
        ? `the inline policy of ${p.name} would be ${p.size} characters, over IAM's ${p.limit} per role: deploy fewer environments from this account, or split the per-environment denies (a code change)`
        : `the managed policy ${p.name} would be ${p.size} characters, over IAM's ${p.limit}: shorten the name prefix or split the policy (a code change)`,
      ),
  ];
}

/** IAM's default quota of managed policies attached to one role. */
export const MANAGED_POLICIES_PER_ROLE = 10;

/** IAM's size of a customer managed policy document, without whitespace. */
export const MANAGED_POLICY_LIMIT = 6144;

/** The size of every CI policy document (minified, as IAM counts), with the limit it must stay under. */
export function ciPolicySizes(targets: PolicyTargets, rolePrefix: string): { name: string; kind: 'inline' | 'managed'; size: number; limit: number }[] {
  const size = (statements: readonly PolicyStatement[]) => JSON.stringify(policyDocument(statements)).length;
  return [
    { name: `${rolePrefix}-plan`, kind: 'inline' as const, size: size(planStatements(targets)), limit: INLINE_POLICY_LIMIT },
    ...targets.environments.flatMap((e) => [
      { name: `${rolePrefix}-plan-${e.name}`, kind: 'managed' as const, size: size(planEnvironmentStatements(targets, e)), limit: MANAGED_POLICY_LIMIT },
      { name: `${rolePrefix}-apply-${e.name}`, kind: 'inline' as const, size: size(applyStatements(targets, e)), limit: INLINE_POLICY_LIMIT },
      ...APPLY_MANAGED_POLICIES.map((m) => ({ name: `${rolePrefix}-apply-${e.name}-${m.suffix}`, kind: 'managed' as const, size: size(m.statements(targets, e)), limit: MANAGED_POLICY_LIMIT })),
    ]),
  ];
}

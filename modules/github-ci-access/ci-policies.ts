/**
 * The permissions of the CI roles, as typed statements (serialised once by `renderPolicy`).
 *
 * These lists are derived from what the environment stacks synthesize (UploadPlatformStack: Cognito
 * user pool, clients, domain and SAML providers; identity pool, principal tags and roles attachment;
 * IAM roles with inline policies; a KMS key and alias; the upload bucket and its sub-resources; the
 * tenant-claim Lambda, its invoke permission and log group) and from the IAM actions, resource types
 * and condition keys of the Service Authorization Reference:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 *
 * UNVERIFIED against a real account. Which API calls the AWS provider makes for a plan or an apply
 * changes between provider versions; a missing action shows up as an AccessDenied in the plan or
 * apply, never as a silent widening. How a platform team checks them: run a plan (plan role) and an
 * apply and destroy (apply role) of each environment in a sandbox account; run IAM Access Analyzer
 * policy validation on the synthesized documents
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-policy-validation.html); and
 * read CloudTrail for `errorCode = AccessDenied` from the role sessions
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).
 */
import { PolicyStatement } from '../iam-policy';
import type { SocialSignInConfig } from '../environment-config/schema';
import { OBJECT_DATA_ACTIONS } from '../upload-bucket/upload-bucket';

/** The tag every environment stack puts on every resource (the AWS provider's `default_tags`). */
export const ENVIRONMENT_TAG = 'Environment';

/** One environment as the policies see it. */
export interface EnvironmentScope {
  /** The environment (and GitHub environment) name. */
  readonly name: string;
  /** Its state object key in the state bucket. */
  readonly stateKey: string;
  /** `<namePrefix>-<env>`: the prefix of every physical name its stack creates. */
  readonly resourcePrefix: string;
  /** The Region its stack deploys to. */
  readonly region: string;
  /**
   * SSM parameter names its social sign-in reads at plan time (`socialSignIn.*.ssmParameter`): the
   * only parameters the CI roles may read. @default - none
   */
  readonly socialSecretParameters?: readonly string[];
  /**
   * Secrets Manager secret names or ARNs its social sign-in reads at plan time
   * (`socialSignIn.*.secretsManagerSecret`): the only secret values the CI roles may read.
   * @default - none
   */
  readonly socialSecrets?: readonly string[];
}

/** Where the policies point: the account, the state bucket and the CI's own identities. */
export interface PolicyTargets {
  /** AWS partition (a token: `data.aws_partition`). */
  readonly partition: string;
  /** Account id (a token: `data.aws_caller_identity`). */
  readonly account: string;
  /** ARN of the state bucket. */
  readonly stateBucketArn: string;
  /** Every environment of the account. */
  readonly environments: readonly EnvironmentScope[];
  /** ARNs of every role this construct creates (plan and apply roles). */
  readonly ciRoleArns: readonly string[];
  /** ARNs of the managed policies this construct creates for the apply roles. */
  readonly ciPolicyArns: readonly string[];
  /** ARN of the GitHub OIDC provider. */
  readonly oidcProviderArn: string;
}

const stateObject = (t: PolicyTargets, key: string) => `${t.stateBucketArn}/${key}`;
/**
 * S3-native locking writes `<key>.tflock` next to the state object, and deletes it on unlock.
 * https://developer.hashicorp.com/terraform/language/backend/s3#s3-state-locking
 */
const lockFile = (t: PolicyTargets, key: string) => `${t.stateBucketArn}/${key}.tflock`;

const arn = (t: PolicyTargets, service: string, region: string, resource: string) => `arn:${t.partition}:${service}:${region}:${t.account}:${resource}`;
const roleArns = (t: PolicyTargets, envs: readonly EnvironmentScope[]) => envs.map((e) => `arn:${t.partition}:iam::${t.account}:role/${e.resourcePrefix}-*`);
const functionArns = (t: PolicyTargets, envs: readonly EnvironmentScope[]) => envs.map((e) => arn(t, 'lambda', e.region, `function:${e.resourcePrefix}-*`));
// A log group ARN is `...:log-group:<name>` or `...:log-group:<name>:*`; the trailing `*` covers both.
const logGroupArns = (t: PolicyTargets, envs: readonly EnvironmentScope[]) => envs.map((e) => arn(t, 'logs', e.region, `log-group:/aws/lambda/${e.resourcePrefix}-*`));
const uploadBucketArns = (t: PolicyTargets, envs: readonly EnvironmentScope[]) => envs.map((e) => `arn:${t.partition}:s3:::${e.resourcePrefix}-uploads-*`);
const regions = (envs: readonly EnvironmentScope[]) => [...new Set(envs.map((e) => e.region))];
// The tenant table is `<prefix>-tenant-data`; `table/<prefix>-*` also covers its indexes and streams.
const tableArns = (t: PolicyTargets, envs: readonly EnvironmentScope[]) => envs.map((e) => arn(t, 'dynamodb', e.region, `table/${e.resourcePrefix}-*`));
/**
 * Tenant secrets are named `<prefix>/tenant/<id>/secret`; Secrets Manager appends `-` and six random
 * characters to the ARN. https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples.html#auth-and-access_examples_wildcard
 */
export const tenantSecretArns = (t: PolicyTargets, envs: readonly EnvironmentScope[]) => envs.map((e) => arn(t, 'secretsmanager', e.region, `secret:${e.resourcePrefix}/tenant/*`));
/** `arn:...:ssm:<region>:<account>:parameter/<name without its leading slash>`. https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-access.html */
export const parameterArn = (t: PolicyTargets, env: EnvironmentScope, name: string) => arn(t, 'ssm', env.region, `parameter/${name.replace(/^\//, '')}`);
/** A secret given by ARN is taken as written; by name, its ARN ends in `-??????` (exactly six characters). */
export const secretSourceArn = (t: PolicyTargets, env: EnvironmentScope, id: string) => (id.startsWith('arn:') ? id : arn(t, 'secretsmanager', env.region, `secret:${id}-??????`));
const parameterSources = (t: PolicyTargets, envs: readonly EnvironmentScope[]) => envs.flatMap((e) => (e.socialSecretParameters ?? []).map((name) => parameterArn(t, e, name)));
const secretSources = (t: PolicyTargets, envs: readonly EnvironmentScope[]) => envs.flatMap((e) => (e.socialSecrets ?? []).map((id) => secretSourceArn(t, e, id)));

/**
 * Bucket-level reads the provider's `aws_s3_bucket` (and its `aws_s3_bucket_*` sub-resources) makes
 * on refresh. `s3:ListBucket` is what HeadBucket is authorized as; it lists keys, never contents.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html
 */
export const S3_BUCKET_READ_ACTIONS: readonly string[] = [
  's3:ListBucket',
  's3:GetBucketLocation',
  's3:GetBucketTagging',
  's3:GetBucketPolicy',
  's3:GetBucketPolicyStatus',
  's3:GetBucketAcl',
  's3:GetBucketCORS',
  's3:GetBucketWebsite',
  's3:GetBucketVersioning',
  's3:GetBucketLogging',
  's3:GetBucketRequestPayment',
  's3:GetBucketObjectLockConfiguration',
  's3:GetBucketOwnershipControls',
  's3:GetBucketPublicAccessBlock',
  's3:GetBucketNotification',
  's3:GetAccelerateConfiguration',
  's3:GetLifecycleConfiguration',
  's3:GetReplicationConfiguration',
  's3:GetEncryptionConfiguration',
  's3:GetIntelligentTieringConfiguration',
];
/** Bucket-level writes of the upload bucket's resources: no object data action among them. */
export const S3_BUCKET_WRITE_ACTIONS: readonly string[] = [
  's3:CreateBucket',
  's3:DeleteBucket',
  's3:PutBucketTagging',
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:PutBucketCORS',
  's3:PutBucketVersioning',
  's3:PutBucketOwnershipControls',
  's3:PutBucketPublicAccessBlock',
  's3:PutEncryptionConfiguration',
  's3:PutLifecycleConfiguration',
];

const COGNITO_USER_POOL_READS = [
  'cognito-idp:DescribeUserPool',
  'cognito-idp:DescribeUserPoolClient',
  'cognito-idp:DescribeIdentityProvider',
  'cognito-idp:DescribeRiskConfiguration',
  'cognito-idp:GetUserPoolMfaConfig',
  'cognito-idp:GetLogDeliveryConfiguration',
  'cognito-idp:GetUICustomization',
  'cognito-idp:GetSigningCertificate',
  'cognito-idp:ListUserPoolClients',
  'cognito-idp:ListIdentityProviders',
  'cognito-idp:ListTagsForResource',
  // aws_cognito_user_group reads GetGroup on refresh.
  'cognito-idp:GetGroup',
  'cognito-idp:ListGroups',
];
const COGNITO_IDENTITY_POOL_READS = [
  'cognito-identity:DescribeIdentityPool',
  'cognito-identity:GetIdentityPoolRoles',
  'cognito-identity:GetPrincipalTagAttributeMap',
  'cognito-identity:ListTagsForResource',
];
const IAM_ROLE_READS = ['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:ListRoleTags', 'iam:ListInstanceProfilesForRole'];
const KMS_KEY_READS = ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags'];
const LAMBDA_READS = [
  'lambda:GetFunction',
  'lambda:GetFunctionConfiguration',
  'lambda:GetFunctionCodeSigningConfig',
  'lambda:GetFunctionConcurrency',
  'lambda:GetFunctionRecursionConfig',
  'lambda:GetRuntimeManagementConfig',
  'lambda:GetPolicy',
  'lambda:ListVersionsByFunction',
  'lambda:ListTags',
];
const LOG_GROUP_READS = ['logs:ListTagsForResource', 'logs:ListTagsLogGroup'];
/**
 * What the provider's aws_dynamodb_table reads on refresh: the table, PITR (DescribeContinuousBackups),
 * TTL and tags; none of them returns an item.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
 * https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dynamodb_table
 */
const TABLE_READS = ['dynamodb:DescribeTable', 'dynamodb:DescribeContinuousBackups', 'dynamodb:DescribeTimeToLive', 'dynamodb:ListTagsOfResource', 'dynamodb:GetResourcePolicy'];
/**
 * What the provider's aws_secretsmanager_secret reads on refresh: metadata and the resource policy,
 * never the value. https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html
 */
const SECRET_READS = ['secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy'];
/**
 * Every DynamoDB action that reads, writes or copies items: no CI role needs one (Terraform manages
 * no item), so both roles deny them on every table. Export and restore copy a table's items.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
 */
export const TABLE_DATA_ACTIONS: readonly string[] = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:PartiQL*',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:GetRecords',
  'dynamodb:ExportTableToPointInTime',
  'dynamodb:RestoreTable*',
];
/**
 * What writes, moves or exposes a tenant secret's value: the apply role manages the containers only.
 * UpdateSecret is among them because it can carry a SecretString (no condition key tells), so a
 * change of a tenant secret's description or key is applied by a person. A resource policy or a
 * replica would hand the value to someone else.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecret.html
 */
export const TENANT_SECRET_VALUE_ACTIONS: readonly string[] = [
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecret',
  'secretsmanager:UpdateSecretVersionStage',
  'secretsmanager:RotateSecret',
  'secretsmanager:ReplicateSecretToRegions',
];
/** Every S3 action that returns object content or metadata: denied outside state and lock files. */
export const OBJECT_READ_ACTIONS: readonly string[] = ['s3:GetObject*'];

/**
 * The plan role: reads every environment's resources and state, takes the state lock, and can never
 * read an object other than state, a table item or a secret value other than the social sign-in
 * sources, nor use a KMS key to decrypt outside SSM and Secrets Manager (so it cannot read tenant
 * data). Its inline policy holds what does not depend on names; each environment's name-scoped
 * reads are a managed policy of their own (`planEnvironmentStatements`), so the plan role stays under
 * IAM's sizes as environments are added.
 */
export function planStatements(t: PolicyTargets): PolicyStatement[] {
  const envs = t.environments;
  const keys = envs.map((e) => e.stateKey);
  const statements: PolicyStatement[] = [
    // GetCallerIdentity needs no permission; listed so a reader sees the data source is covered.
    // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
    { Sid: 'Identity', Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' },
    { Sid: 'ListState', Effect: 'Allow', Action: 's3:ListBucket', Resource: t.stateBucketArn },
    { Sid: 'ReadState', Effect: 'Allow', Action: 's3:GetObject', Resource: keys.map((k) => stateObject(t, k)) },
    { Sid: 'TakeStateLock', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: keys.map((k) => lockFile(t, k)) },
    // User pool ids are random, so reads cannot be scoped by name; the user pool is the only resource
    // type of these actions. DescribeUserPoolDomain has no resource type and needs "*".
    { Sid: 'ReadUserPools', Effect: 'Allow', Action: COGNITO_USER_POOL_READS, Resource: regions(envs).map((r) => arn(t, 'cognito-idp', r, 'userpool/*')) },
    { Sid: 'ReadUserPoolDomains', Effect: 'Allow', Action: 'cognito-idp:DescribeUserPoolDomain', Resource: '*' },
    { Sid: 'ReadIdentityPools', Effect: 'Allow', Action: COGNITO_IDENTITY_POOL_READS, Resource: regions(envs).map((r) => arn(t, 'cognito-identity', r, 'identitypool/*')) },
    { Sid: 'ReadKeys', Effect: 'Allow', Action: KMS_KEY_READS, Resource: regions(envs).map((r) => arn(t, 'kms', r, 'key/*')) },
    // ListAliases has no resource type. https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html
    { Sid: 'ListKeyAliases', Effect: 'Allow', Action: 'kms:ListAliases', Resource: '*' },
    // DescribeLogGroups has no resource type: it is authorized against every log group of the Region.
    { Sid: 'ListLogGroups', Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
    // An explicit Deny wins over any Allow, including one a later change attaches: the plan role can
    // never read an upload (or any object but state and lock files).
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html#policy-eval-denyallow
    { Sid: 'DenyObjectReadsOutsideState', Effect: 'Deny', Action: OBJECT_READ_ACTIONS, NotResource: [...keys.map((k) => stateObject(t, k)), ...keys.map((k) => lockFile(t, k))] },
    ...dataDenies(t, envs),
  ];
  // Uploads and table items are encrypted with the data key; without Decrypt their ciphertext is
  // useless even if a copy leaked. Decrypt stays possible only through SSM and Secrets Manager, where
  // the denies above let the plan role reach nothing but the named social sign-in sources.
  // https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html
  const viaSources = socialSourceServices(envs);
  if (viaSources.length === 0) {
    statements.push({ Sid: 'DenyKeyUse', Effect: 'Deny', Action: ['kms:Decrypt', 'kms:ReEncrypt*'], Resource: '*' });
  } else {
    statements.push(
      { Sid: 'DenyKeyUse', Effect: 'Deny', Action: 'kms:ReEncrypt*', Resource: '*' },
      { Sid: 'DenyDecryptOutsideSecretSources', Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*', Condition: { StringNotEquals: { 'kms:ViaService': viaSources } } },
    );
  }
  return statements;
}

/** What the plan role reads of environment `env`, where names scope it: a managed policy per environment. */
export function planEnvironmentStatements(t: PolicyTargets, env: EnvironmentScope): PolicyStatement[] {
  const envs = [env];
  return [
    { Sid: 'ReadRoles', Effect: 'Allow', Action: IAM_ROLE_READS, Resource: roleArns(t, envs) },
    { Sid: 'ReadUploadBuckets', Effect: 'Allow', Action: S3_BUCKET_READ_ACTIONS, Resource: uploadBucketArns(t, envs) },
    { Sid: 'ReadFunctions', Effect: 'Allow', Action: LAMBDA_READS, Resource: functionArns(t, envs) },
    { Sid: 'ReadLogGroups', Effect: 'Allow', Action: LOG_GROUP_READS, Resource: logGroupArns(t, envs) },
    { Sid: 'ReadTables', Effect: 'Allow', Action: TABLE_READS, Resource: tableArns(t, envs) },
    { Sid: 'ReadTenantSecrets', Effect: 'Allow', Action: SECRET_READS, Resource: tenantSecretArns(t, envs) },
    ...socialSourceReads(t, envs),
  ];
}

/** `ssm.<region>.amazonaws.com` / `secretsmanager.<region>.amazonaws.com` of the environments that read a source there. */
function socialSourceServices(envs: readonly EnvironmentScope[]): string[] {
  const hosts = envs.flatMap((e) => [
    ...((e.socialSecretParameters ?? []).length > 0 ? [`ssm.${e.region}.amazonaws.com`] : []),
    ...((e.socialSecrets ?? []).length > 0 ? [`secretsmanager.${e.region}.amazonaws.com`] : []),
  ]);
  return [...new Set(hosts)];
}

/**
 * Reads of the social sign-in secret sources the environments' configs name, and nothing else: the
 * provider's `aws_ssm_parameter` data source calls GetParameter with decryption, and
 * `aws_secretsmanager_secret_version` calls GetSecretValue. A source encrypted with a customer
 * managed key also needs kms:Decrypt, allowed only through that service and only for that exact
 * parameter or secret (its encryption context); the AWS managed keys aws/ssm and aws/secretsmanager
 * need no IAM permission.
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-access.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html#parameter-store-encryption-context
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html#security-encryption-encryption-context
 */
function socialSourceReads(t: PolicyTargets, envs: readonly EnvironmentScope[]): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  for (const region of regions(envs)) {
    const inRegion = envs.filter((e) => e.region === region);
    const parameters = parameterSources(t, inRegion);
    const secrets = secretSources(t, inRegion);
    const suffix = regions(envs).length > 1 ? region.replace(/-/g, '') : '';
    if (parameters.length > 0) {
      statements.push(
        { Sid: `ReadSocialSignInParameters${suffix}`, Effect: 'Allow', Action: 'ssm:GetParameter', Resource: parameters },
        {
          Sid: `DecryptSocialSignInParameters${suffix}`,
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: arn(t, 'kms', region, 'key/*'),
          Condition: { StringEquals: { 'kms:ViaService': `ssm.${region}.amazonaws.com` }, StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': parameters } },
        },
      );
    }
    if (secrets.length > 0) {
      statements.push(
        { Sid: `ReadSocialSignInSecrets${suffix}`, Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: secrets },
        {
          Sid: `DecryptSocialSignInSecrets${suffix}`,
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: arn(t, 'kms', region, 'key/*'),
          Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` }, StringLike: { 'kms:EncryptionContext:SecretARN': secrets } },
        },
      );
    }
  }
  return statements;
}

/**
 * Denies shared by both roles: no table item, and no secret value or parameter but the named social
 * sign-in sources of `sources` (so never a tenant secret's value, whatever else is attached).
 */
function dataDenies(t: PolicyTargets, sources: readonly EnvironmentScope[]): PolicyStatement[] {
  const secrets = secretSources(t, sources);
  const parameters = parameterSources(t, sources);
  return [
    { Sid: 'DenyTableItems', Effect: 'Deny', Action: TABLE_DATA_ACTIONS, Resource: '*' },
    secrets.length > 0
      ? { Sid: 'DenySecretValuesButSocialSources', Effect: 'Deny', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue'], NotResource: secrets }
      : { Sid: 'DenySecretValues', Effect: 'Deny', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue'], Resource: '*' },
    parameters.length > 0
      ? { Sid: 'DenyParametersButSocialSources', Effect: 'Deny', Action: 'ssm:GetParameter*', NotResource: parameters }
      : { Sid: 'DenyParameters', Effect: 'Deny', Action: 'ssm:GetParameter*', Resource: '*' },
  ];
}

/**
 * The apply role of environment `env` has three documents: an inline policy (`applyStatements`: its
 * state, and the explicit denies that name the other environments, so it grows with them) and two
 * customer managed policies the construct creates (`applyPlatformStatements`,
 * `applySignInAndDataStatements`: what it may do to its own resources, the same size whatever the
 * number of environments). Together they would pass IAM's 10,240 characters of inline policy per role;
 * a managed policy may have 6,144. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length
 *
 * The apply role creates, changes and deletes only resources named with its prefix (or tagged with
 * its environment where the name is not in the ARN), reads and writes only its own state, and can
 * change neither another environment's state nor the CI roles and their policies.
 */
export function applyStatements(t: PolicyTargets, env: EnvironmentScope): PolicyStatement[] {
  const others = t.environments.filter((e) => e.name !== env.name);
  const statements: PolicyStatement[] = [
    { Sid: 'Identity', Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' },
    { Sid: 'ListState', Effect: 'Allow', Action: 's3:ListBucket', Resource: t.stateBucketArn },
    { Sid: 'ReadWriteState', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: stateObject(t, env.stateKey) },
    { Sid: 'TakeStateLock', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: lockFile(t, env.stateKey) },
  ];
  // --- Explicit denies: they hold even when a broader policy is attached (applyPolicyArns). ---
  if (others.length > 0) {
    statements.push({
      Sid: 'DenyOtherEnvironmentsState',
      Effect: 'Deny',
      Action: 's3:*',
      Resource: others.flatMap((e) => [stateObject(t, e.stateKey), lockFile(t, e.stateKey)]),
    });
  }
  statements.push(
    { Sid: 'DenyObjectDataOutsideOwnState', Effect: 'Deny', Action: OBJECT_DATA_ACTIONS, NotResource: [stateObject(t, env.stateKey), lockFile(t, env.stateKey)] },
    ...dataDenies(t, [env]),
    // The containers only: never a tenant secret's value, in any environment.
    { Sid: 'DenyTenantSecretValues', Effect: 'Deny', Action: TENANT_SECRET_VALUE_ACTIONS, Resource: tenantSecretArns(t, t.environments) },
    // A deletion without recovery window cannot be undone, and would free the name for a secret
    // created with a value. https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html
    { Sid: 'DenyDeleteWithoutRecovery', Effect: 'Deny', Action: 'secretsmanager:DeleteSecret', Resource: '*', Condition: { Bool: { 'secretsmanager:ForceDeleteWithoutRecovery': true } } },
    // A resource policy on a table would grant its items to someone else: only its own environment's
    // table gets one, the data perimeter (TenantTable's DenyTableDataToOtherPrincipals).
    { Sid: 'DenyTablePolicies', Effect: 'Deny', Action: ['dynamodb:PutResourcePolicy', 'dynamodb:DeleteResourcePolicy'], NotResource: tableArns(t, [env]) },
    // The same for tenant secrets: the apply role sets its own environment's data perimeter only.
    ...(others.length > 0
      ? [{ Sid: 'DenyOtherTenantSecretPolicies', Effect: 'Deny' as const, Action: ['secretsmanager:PutResourcePolicy', 'secretsmanager:DeleteResourcePolicy'], Resource: tenantSecretArns(t, others) }]
      : []),
    // Each of its tenant secrets' policy is the data perimeter (TenantSecrets' DenySecretValueToOtherPrincipals);
    // with BlockPublicPolicy, Secrets Manager refuses a policy that would open the secret widely (CI7).
    // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutResourcePolicy.html
    {
      Sid: 'SetTenantSecretPolicies',
      Effect: 'Allow',
      Action: 'secretsmanager:PutResourcePolicy',
      Resource: tenantSecretArns(t, [env]),
      Condition: { Bool: { 'secretsmanager:BlockPublicPolicy': true } },
    },
    {
      Sid: 'DenyStateBucketChanges',
      Effect: 'Deny',
      Action: ['s3:DeleteBucket*', 's3:PutBucket*', 's3:PutEncryptionConfiguration', 's3:PutLifecycleConfiguration', 's3:PutReplicationConfiguration'],
      Resource: t.stateBucketArn,
    },
    // The apply role cannot widen itself, the plan role or another environment's apply role (nor
    // their managed policies: a new default version would be a new policy), nor change which tokens
    // the OIDC provider accepts.
    { Sid: 'DenyCiIdentityChanges', Effect: 'Deny', Action: 'iam:*', Resource: [...t.ciRoleArns, ...t.ciPolicyArns, t.oidcProviderArn] },
    // A role of its own prefix could trust the apply role and carry any policy; an identity-policy
    // Deny stops the apply role from assuming it even when that role's trust policy allows it.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    { Sid: 'DenyRoleChaining', Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' },
  );
  return statements;
}

/** The apply role's own platform resources: roles, functions, log groups, the upload bucket, keys. */
export function applyPlatformStatements(t: PolicyTargets, env: EnvironmentScope): PolicyStatement[] {
  const own = [env];
  const tagged = { StringEquals: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: env.name } };
  const requestTagged = { StringEquals: { [`aws:RequestTag/${ENVIRONMENT_TAG}`]: env.name } };
  return [
    // IAM roles are named `<prefix>-<purpose>`. Tagging at creation needs iam:TagRole as well.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags_roles.html#id_tags_access-role
    {
      Sid: 'ManageRoles',
      Effect: 'Allow',
      Action: [
        ...IAM_ROLE_READS,
        'iam:CreateRole',
        'iam:DeleteRole',
        'iam:UpdateRole',
        'iam:UpdateRoleDescription',
        'iam:UpdateAssumeRolePolicy',
        'iam:TagRole',
        'iam:UntagRole',
        'iam:PutRolePolicy',
        'iam:DeleteRolePolicy',
      ],
      Resource: roleArns(t, own),
    },
    // Lambda needs the execution role passed (the Cognito triggers); SetIdentityPoolRoles passes the
    // authenticated role and the role mappings' tier and tenant roles; a user-pool group's role_arn is
    // passed to Cognito user pools (UNVERIFIED: the Service Authorization Reference names no
    // dependent action for CreateGroup; kept to the environment's own roles either way).
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    {
      Sid: 'PassRolesToLambdaAndIdentityPool',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: roleArns(t, own),
      Condition: { StringEquals: { 'iam:PassedToService': ['lambda.amazonaws.com', 'cognito-identity.amazonaws.com', 'cognito-idp.amazonaws.com'] } },
    },
    {
      Sid: 'ManageFunctions',
      Effect: 'Allow',
      Action: [
        ...LAMBDA_READS,
        'lambda:CreateFunction',
        'lambda:DeleteFunction',
        'lambda:UpdateFunctionCode',
        'lambda:UpdateFunctionConfiguration',
        'lambda:PublishVersion',
        'lambda:TagResource',
        'lambda:UntagResource',
        'lambda:AddPermission',
        'lambda:RemovePermission',
      ],
      Resource: functionArns(t, own),
    },
    { Sid: 'ListLogGroups', Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
    {
      Sid: 'ManageLogGroups',
      Effect: 'Allow',
      Action: [...LOG_GROUP_READS, 'logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy', 'logs:TagResource', 'logs:UntagResource', 'logs:TagLogGroup', 'logs:UntagLogGroup'],
      Resource: logGroupArns(t, own),
    },
    { Sid: 'ManageUploadBucket', Effect: 'Allow', Action: [...S3_BUCKET_READ_ACTIONS, ...S3_BUCKET_WRITE_ACTIONS], Resource: uploadBucketArns(t, own) },

    // KMS key ids are random: the environment is told by the key's Environment tag (ABAC), and a key
    // can only be created carrying it. https://docs.aws.amazon.com/kms/latest/developerguide/abac.html
    { Sid: 'CreateKeys', Effect: 'Allow', Action: 'kms:CreateKey', Resource: '*', Condition: requestTagged },
    {
      Sid: 'ManageKeys',
      Effect: 'Allow',
      Action: [...KMS_KEY_READS, 'kms:PutKeyPolicy', 'kms:EnableKeyRotation', 'kms:UpdateKeyDescription', 'kms:ScheduleKeyDeletion', 'kms:UntagResource', 'kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias'],
      Resource: regions(own).map((r) => arn(t, 'kms', r, 'key/*')),
      Condition: tagged,
    },
    // CreateKey with tags needs kms:TagResource in an IAM policy not restricted to particular keys
    // (https://docs.aws.amazon.com/kms/latest/developerguide/tag-permissions.html). The new key has
    // no tag yet, hence ...IfExists on the resource tag; the request must set this environment.
    {
      Sid: 'TagKeys',
      Effect: 'Allow',
      Action: 'kms:TagResource',
      Resource: regions(own).map((r) => arn(t, 'kms', r, 'key/*')),
      Condition: { StringEquals: { [`aws:RequestTag/${ENVIRONMENT_TAG}`]: env.name }, StringEqualsIfExists: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: env.name } },
    },
    // Alias operations are authorized on the alias and on the key; the alias has no tags.
    // https://docs.aws.amazon.com/kms/latest/developerguide/alias-access.html
    { Sid: 'ManageKeyAliases', Effect: 'Allow', Action: ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias'], Resource: own.map((e) => arn(t, 'kms', e.region, `alias/${e.resourcePrefix}-*`)) },
    { Sid: 'ListKeyAliases', Effect: 'Allow', Action: 'kms:ListAliases', Resource: '*' },

  ];
}

/** The apply role's own sign-in and tenant-data resources: Cognito pools and their sub-resources, the table, tenant secrets, the social sign-in sources. */
export function applySignInAndDataStatements(t: PolicyTargets, env: EnvironmentScope): PolicyStatement[] {
  const own = [env];
  const tagged = { StringEquals: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: env.name } };
  const requestTagged = { StringEquals: { [`aws:RequestTag/${ENVIRONMENT_TAG}`]: env.name } };
  return [
    // Cognito: pool ids are random, so the Environment tag scopes them.
    // https://docs.aws.amazon.com/cognito/latest/developerguide/security_iam_service-with-iam.html
    { Sid: 'CreateUserPools', Effect: 'Allow', Action: ['cognito-idp:CreateUserPool'], Resource: '*', Condition: requestTagged },
    {
      Sid: 'ManageUserPools',
      Effect: 'Allow',
      Action: [
        ...COGNITO_USER_POOL_READS,
        'cognito-idp:UpdateUserPool',
        'cognito-idp:DeleteUserPool',
        'cognito-idp:AddCustomAttributes',
        'cognito-idp:SetUserPoolMfaConfig',
        'cognito-idp:CreateUserPoolClient',
        'cognito-idp:UpdateUserPoolClient',
        'cognito-idp:DeleteUserPoolClient',
        'cognito-idp:CreateUserPoolDomain',
        'cognito-idp:UpdateUserPoolDomain',
        'cognito-idp:DeleteUserPoolDomain',
        'cognito-idp:CreateIdentityProvider',
        'cognito-idp:UpdateIdentityProvider',
        'cognito-idp:DeleteIdentityProvider',
        // aws_cognito_user_group (tiers, role-per-tenant groups); a group is a sub-resource of its pool.
        // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncognitouserpools.html
        'cognito-idp:CreateGroup',
        'cognito-idp:UpdateGroup',
        'cognito-idp:DeleteGroup',
        'cognito-idp:TagResource',
        'cognito-idp:UntagResource',
      ],
      Resource: regions(own).map((r) => arn(t, 'cognito-idp', r, 'userpool/*')),
      Condition: tagged,
    },
    { Sid: 'ReadUserPoolDomains', Effect: 'Allow', Action: 'cognito-idp:DescribeUserPoolDomain', Resource: '*' },
    { Sid: 'CreateIdentityPools', Effect: 'Allow', Action: 'cognito-identity:CreateIdentityPool', Resource: '*', Condition: requestTagged },
    {
      Sid: 'ManageIdentityPools',
      Effect: 'Allow',
      Action: [...COGNITO_IDENTITY_POOL_READS, 'cognito-identity:UpdateIdentityPool', 'cognito-identity:DeleteIdentityPool', 'cognito-identity:TagResource', 'cognito-identity:UntagResource'],
      Resource: regions(own).map((r) => arn(t, 'cognito-identity', r, 'identitypool/*')),
      Condition: tagged,
    },
    // These two have no resource type in the Service Authorization Reference, so neither a pool ARN
    // nor its tag can scope them (see the README: a known gap of tag-based isolation).
    { Sid: 'SetIdentityPoolRolesAndTags', Effect: 'Allow', Action: ['cognito-identity:SetIdentityPoolRoles', 'cognito-identity:SetPrincipalTagAttributeMap'], Resource: '*' },

    // The tenant table: create, change (PITR through UpdateContinuousBackups, deletion protection and
    // SSE through UpdateTable), tag (CreateTable with tags needs TagResource) and delete; no item.
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/api-permissions-reference.html
    {
      Sid: 'ManageTables',
      Effect: 'Allow',
      Action: [
        ...TABLE_READS,
        'dynamodb:CreateTable',
        'dynamodb:UpdateTable',
        'dynamodb:DeleteTable',
        'dynamodb:UpdateContinuousBackups',
        'dynamodb:UpdateTimeToLive',
        'dynamodb:TagResource',
        'dynamodb:UntagResource',
        // The table's data perimeter (aws_dynamodb_resource_policy).
        'dynamodb:PutResourcePolicy',
        'dynamodb:DeleteResourcePolicy',
      ],
      Resource: tableArns(t, own),
    },
    // A table encrypted with a customer managed key: DynamoDB creates a grant on the key in the
    // caller's name, through DynamoDB only (DescribeKey is in ManageKeys); the key policy's
    // KeyUseThroughDynamoDb statement allows the account the same.
    // https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html#dynamodb-authz
    {
      Sid: 'TableKeyGrantsThroughDynamoDb',
      Effect: 'Allow',
      Action: 'kms:CreateGrant',
      Resource: regions(own).map((r) => arn(t, 'kms', r, 'key/*')),
      Condition: {
        StringEquals: { 'kms:ViaService': own.map((e) => `dynamodb.${e.region}.amazonaws.com`), [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: env.name },
        Bool: { 'kms:GrantIsForAWSResource': true },
      },
    },
    // Tenant secrets are containers: created without a value, tagged, deleted with a recovery window.
    // CreateSecret with tags needs TagResource too; a secret with no value is never encrypted, so no
    // KMS permission is needed. https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html
    {
      Sid: 'ManageTenantSecrets',
      Effect: 'Allow',
      // DeleteResourcePolicy: removing a secret's data perimeter (its policy; setting one is in the inline policy).
      Action: [...SECRET_READS, 'secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:TagResource', 'secretsmanager:UntagResource', 'secretsmanager:DeleteResourcePolicy'],
      Resource: tenantSecretArns(t, own),
    },
    ...socialSourceReads(t, own),
  ];
}

/**
 * A social sign-in source becomes an exact grant of a secret VALUE to the CI roles, so it must be one
 * exact parameter or secret, and never a tenant secret (`<prefix>/tenant/...` of any environment of
 * the account): that would hand a tenant's secret to every pull request's plan.
 */
export function secretSourceProblems(scopes: readonly EnvironmentScope[]): string[] {
  const problems: string[] = [];
  for (const scope of scopes) {
    for (const [field, ids] of [['ssmParameter', scope.socialSecretParameters ?? []], ['secretsManagerSecret', scope.socialSecrets ?? []]] as const) {
      for (const id of ids) {
        if (id.length === 0 || /[*?]/.test(id)) problems.push(`environment ${scope.name}: socialSignIn ${field} ${JSON.stringify(id)} must name one exact ${field === 'ssmParameter' ? 'parameter' : 'secret'}, without wildcards`);
        const name = id.startsWith('arn:') ? id.replace(/^arn:[^:]*:secretsmanager:[^:]*:[^:]*:secret:/, '') : id.replace(/^\//, '');
        const tenantOf = scopes.find((s) => name.startsWith(`${s.resourcePrefix}/tenant/`));
        if (field === 'secretsManagerSecret' && tenantOf) {
          problems.push(`environment ${scope.name}: socialSignIn secretsManagerSecret ${JSON.stringify(id)} is a tenant secret of ${tenantOf.name} (${tenantOf.resourcePrefix}/tenant/*): CI may never read a tenant's secret; keep social sign-in secrets outside that prefix`);
        }
      }
    }
  }
  return problems;
}

/**
 * The apply role of an environment reaches names starting `<namePrefix>-<env>-`, and the CI roles
 * are named `<rolePrefix>-plan` / `<rolePrefix>-apply-<env>`. If one of these prefixes starts another
 * (environments `dev` and `dev-eu`, or an environment `github` beside the `tenantup-github-*` CI
 * roles), one environment's apply role could reach the other's resources, or create roles named
 * like the CI roles.
 */
export function overlappingPrefixes(scopes: readonly Pick<EnvironmentScope, 'name' | 'resourcePrefix'>[], rolePrefix: string): string[] {
  const problems: string[] = [];
  const named = [...scopes.map((s) => ({ what: `environment ${s.name}`, prefix: `${s.resourcePrefix}-` })), { what: 'the CI roles', prefix: `${rolePrefix}-` }];
  named.forEach((a, i) =>
    named.forEach((b, j) => {
      if (i !== j && b.prefix.startsWith(a.prefix)) {
        problems.push(`the names of ${b.what} (${b.prefix}*) fall under those of ${a.what} (${a.prefix}*): rename an environment or change a namePrefix so no prefix starts another`);
      }
    }),
  );
  return problems;
}

/**
 * The SSM parameters and Secrets Manager secrets an environment's social sign-in reads at plan time;
 * a `terraformVariable` source needs no AWS permission (its value comes from TF_VAR_<name>).
 */
export function socialSecretSources(config: SocialSignInConfig | undefined): { socialSecretParameters: string[]; socialSecrets: string[] } {
  const sources = [config?.google?.clientSecret, config?.apple?.privateKey].filter((s) => s !== undefined);
  return {
    socialSecretParameters: sources.flatMap((s) => (s.ssmParameter !== undefined ? [s.ssmParameter] : [])),
    socialSecrets: sources.flatMap((s) => (s.secretsManagerSecret !== undefined ? [s.secretsManagerSecret] : [])),
  };
}

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
/** Every S3 action that returns object content or metadata: denied outside state and lock files. */
export const OBJECT_READ_ACTIONS: readonly string[] = ['s3:GetObject*'];

/**
 * The plan role: reads every environment's resources and state, takes the state lock, and can never
 * read an object other than state, nor use a KMS key to decrypt (so it cannot read tenant data).
 */
export function planStatements(t: PolicyTargets): PolicyStatement[] {
  const envs = t.environments;
  const keys = envs.map((e) => e.stateKey);
  return [
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
    { Sid: 'ReadRoles', Effect: 'Allow', Action: IAM_ROLE_READS, Resource: roleArns(t, envs) },
    { Sid: 'ReadKeys', Effect: 'Allow', Action: KMS_KEY_READS, Resource: regions(envs).map((r) => arn(t, 'kms', r, 'key/*')) },
    // ListAliases has no resource type. https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html
    { Sid: 'ListKeyAliases', Effect: 'Allow', Action: 'kms:ListAliases', Resource: '*' },
    { Sid: 'ReadUploadBuckets', Effect: 'Allow', Action: S3_BUCKET_READ_ACTIONS, Resource: uploadBucketArns(t, envs) },
    { Sid: 'ReadFunctions', Effect: 'Allow', Action: LAMBDA_READS, Resource: functionArns(t, envs) },
    // DescribeLogGroups has no resource type: it is authorized against every log group of the Region.
    { Sid: 'ListLogGroups', Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
    { Sid: 'ReadLogGroups', Effect: 'Allow', Action: LOG_GROUP_READS, Resource: logGroupArns(t, envs) },
    // An explicit Deny wins over any Allow, including one a later change attaches: the plan role can
    // never read an upload (or any object but state and lock files).
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html#policy-eval-denyallow
    { Sid: 'DenyObjectReadsOutsideState', Effect: 'Deny', Action: OBJECT_READ_ACTIONS, NotResource: [...keys.map((k) => stateObject(t, k)), ...keys.map((k) => lockFile(t, k))] },
    // Uploads are SSE-KMS; without Decrypt their ciphertext is useless even if a copy leaked.
    // https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html
    { Sid: 'DenyKeyUse', Effect: 'Deny', Action: ['kms:Decrypt', 'kms:ReEncrypt*'], Resource: '*' },
  ];
}

/**
 * The apply role of environment `env`: creates, changes and deletes only resources named with its
 * prefix (or tagged with its environment where the name is not in the ARN), reads and writes only
 * its own state, and can change neither another environment's state nor the CI roles.
 */
export function applyStatements(t: PolicyTargets, env: EnvironmentScope): PolicyStatement[] {
  const own = [env];
  const others = t.environments.filter((e) => e.name !== env.name);
  const tagged = { StringEquals: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: env.name } };
  const requestTagged = { StringEquals: { [`aws:RequestTag/${ENVIRONMENT_TAG}`]: env.name } };
  const statements: PolicyStatement[] = [
    { Sid: 'Identity', Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' },
    { Sid: 'ListState', Effect: 'Allow', Action: 's3:ListBucket', Resource: t.stateBucketArn },
    { Sid: 'ReadWriteState', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: stateObject(t, env.stateKey) },
    { Sid: 'TakeStateLock', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: lockFile(t, env.stateKey) },

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
    // Lambda needs the execution role passed; SetIdentityPoolRoles passes the authenticated role.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    {
      Sid: 'PassRolesToLambdaAndIdentityPool',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: roleArns(t, own),
      Condition: { StringEquals: { 'iam:PassedToService': ['lambda.amazonaws.com', 'cognito-identity.amazonaws.com'] } },
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
    {
      Sid: 'DenyStateBucketChanges',
      Effect: 'Deny',
      Action: ['s3:DeleteBucket*', 's3:PutBucket*', 's3:PutEncryptionConfiguration', 's3:PutLifecycleConfiguration', 's3:PutReplicationConfiguration'],
      Resource: t.stateBucketArn,
    },
    // The apply role cannot widen itself, the plan role or another environment's apply role, nor
    // change which tokens the OIDC provider accepts.
    { Sid: 'DenyCiIdentityChanges', Effect: 'Deny', Action: 'iam:*', Resource: [...t.ciRoleArns, t.oidcProviderArn] },
    // A role of its own prefix could trust the apply role and carry any policy; an identity-policy
    // Deny stops the apply role from assuming it even when that role's trust policy allows it.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    { Sid: 'DenyRoleChaining', Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' },
  );
  return statements;
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

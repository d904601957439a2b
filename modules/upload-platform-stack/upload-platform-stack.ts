import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { DataKey } from '../data-key';
import { LoadedEnvironment } from '../environment-config';
import { IdentityPool } from '../identity-pool';
import { SamlTenantProvider } from '../saml-federation';
import { endUserRoleProblems, groupRoleName, GroupRoles, plannedGroupRoles, tierAccessRules } from '../group-roles';
import { DEFAULT_ACCESS_RULES, reservedTenantIds, StorageAccessRule, TenantAccess } from '../tenant-access';
import { TenantClaimTrigger } from '../tenant-claim';
import { selfSignUpMode, TenantSignUpTrigger } from '../tenant-sign-up';
import { TenantSecrets } from '../tenant-secrets';
import { TenantTable } from '../tenant-table';
import { TenantUserPool } from '../tenant-user-pool';
import { UploadBucket } from '../upload-bucket';
import { AccountLinkingTrigger } from '../account-linking';
import { secretSourceFromConfig, SocialIdentityProviders } from '../social-sign-in';

export interface UploadPlatformStackProps {
  /** The validated environment (see `loadEnvironments`). */
  readonly environment: LoadedEnvironment;
  /**
   * What authenticated users may do in the bucket. Load the environments with the same rules
   * (`loadEnvironments(root, { accessRules })`) so tenant ids naming a fixed folder are reported
   * with the other config problems; the stack refuses them too.
   * @default DEFAULT_ACCESS_RULES
   */
  readonly accessRules?: readonly StorageAccessRule[];
}

/**
 * One environment of the upload platform: user pool (with a SAML provider per SAML tenant),
 * identity pool with the tenant principal tag, one authenticated role scoped by that tag, and the
 * KMS-encrypted upload bucket. The stack is named after the environment folder.
 */
export class UploadPlatformStack extends TerraformStack {
  public readonly userPool: TenantUserPool;
  public readonly identityPool: IdentityPool;
  public readonly access: TenantAccess;
  public readonly dataKey: DataKey;
  public readonly uploadBucket: UploadBucket;
  /** SAML providers keyed by tenant id. */
  public readonly samlProviders: ReadonlyMap<string, SamlTenantProvider>;
  /** The pre-token-generation trigger that sets the tenant claim from who signed the user in. */
  public readonly tenantClaim: TenantClaimTrigger;
  /** User-pool groups with a role each (tiers, or tenants in role-per-tenant mode); absent without. */
  public readonly groupRoles?: GroupRoles;
  /** The post confirmation trigger that sets a self-signed-up user's tenant, where the environment enables self sign-up. */
  public readonly tenantSignUp?: TenantSignUpTrigger;
  /** Google and Apple, when the environment's `socialSignIn` enables them. */
  public readonly socialProviders?: SocialIdentityProviders;
  /** The pre sign-up trigger that links a social identity to the native user with the same verified e-mail (with `socialSignIn`). */
  public readonly accountLinking?: AccountLinkingTrigger;
  /** The tenant table, when the environment declares `table`. */
  public readonly tenantTable?: TenantTable;
  /** The per-tenant secrets, when the environment declares `tenantSecrets`. */
  public readonly tenantSecrets?: TenantSecrets;
  /**
   * The data perimeter: the role ARNs and role-name patterns (the end-user roles, the break-glass
   * role) that alone may touch tenant data in the bucket, the table and the secrets.
   */
  public readonly dataAccessPrincipalArns: readonly string[];

  constructor(scope: Construct, props: UploadPlatformStackProps) {
    const env = props.environment;
    // The tier rules of the config join the access rules: one model, one compiler.
    const rules = [...(props.accessRules ?? DEFAULT_ACCESS_RULES), ...tierAccessRules(env.config)];
    // Before the stack exists: a refused environment leaves nothing attached to the app.
    const roleProblems = endUserRoleProblems(env.name, env.config, { accessRules: props.accessRules ?? DEFAULT_ACCESS_RULES });
    if (roleProblems.length > 0) throw new Error(`${env.file}:\n  - ${roleProblems.join('\n  - ')}`);
    const reserved = reservedTenantIds(rules);
    const clashes = env.config.tenants.filter((tenant) => reserved.includes(tenant.id.toLowerCase()));
    if (clashes.length > 0) {
      throw new Error(
        `${env.file}: tenants ${clashes.map((t) => JSON.stringify(t.id)).join(', ')} name a fixed folder of the access rules (reserved: ${reserved.join(', ')}); such a tenant would reach other users' files: choose another id.`,
      );
    }
    super(scope, env.name);
    const config = env.config;
    const base = `${config.namePrefix}-${env.name}`;
    const isProtected = config.protected;

    new AwsProvider(this, 'Aws', {
      region: config.region,
      defaultTags: [{ tags: { Project: config.namePrefix, Environment: env.name, ManagedBy: 'cdktf' } }],
    });
    if (config.backend) {
      const backend = new S3Backend(this, {
        bucket: config.backend.bucket,
        key: config.backend.key,
        region: config.backend.region,
        encrypt: config.backend.encrypt,
      });
      // S3-native state locking (Terraform >= 1.10) replaces the deprecated DynamoDB lock table.
      // cdktf 0.21's S3BackendConfig predates the argument, so it is set as an override.
      // https://developer.hashicorp.com/terraform/language/backend/s3#state-locking
      backend.addOverride('use_lockfile', config.backend.useLockfile);
    } else {
      // cdktf's default local backend writes this machine's absolute path into the plan input;
      // a relative path keeps the synthesized JSON the same on every machine. Terraform runs in
      // cdktf.out/stacks/<env>, so the state lands at the project root, outside cdktf.out.
      new LocalBackend(this, { path: `../../../terraform.${env.name}.tfstate` });
    }
    const account = new DataAwsCallerIdentity(this, 'Account');

    this.dataKey = new DataKey(this, 'DataKey', {
      aliasName: `${base}-uploads`,
      description: `Encrypts uploads of ${base}`,
      protected: isProtected,
      accountId: account.accountId,
      region: config.region,
      breakGlassPrincipalArn: config.breakGlassPrincipalArn,
      dataServices: [...(config.table ? ['dynamodb' as const] : []), ...(config.tenantSecrets ? ['secretsmanager' as const] : [])],
    });
    // Only the role the identity pool hands out (and the break-glass role) may touch object data;
    // its ARN is known by name before the role exists, so the bucket needs no reference to it.
    const authenticatedRoleName = `${base}-authenticated`;
    const partition = this.dataKey.partition;
    const groupRolePlan = plannedGroupRoles(env.name, config);
    // Group roles (tiers, or a role per tenant) by name pattern, so the bucket policy does not grow
    // with the tenants; see UploadBucketProps.dataAccessPrincipalArns for what that trades.
    const groupRolePatterns = [...new Set(groupRolePlan.map((role) => role.kind))].map(
      (kind) => `arn:${partition}:iam::${account.accountId}:role/${groupRoleName(config.namePrefix, env.name, kind, '*')}`,
    );
    // The environment's data perimeter, computed once: the principals allowed to touch tenant data
    // (the end-user roles and the break-glass role). The bucket policy, the table's resource policy
    // and every tenant secret's policy deny data to everyone else in the account. The tier and
    // tenant role names carry a "." (groupRoleName), which no other role name of any stack has, so
    // no trigger role and no role of another environment matches a pattern.
    const dataAccessPrincipalArns = [
      `arn:${partition}:iam::${account.accountId}:role/${authenticatedRoleName}`,
      ...groupRolePatterns,
      ...(config.breakGlassPrincipalArn ? [config.breakGlassPrincipalArn] : []),
    ];
    this.dataAccessPrincipalArns = dataAccessPrincipalArns;
    this.uploadBucket = new UploadBucket(this, 'UploadBucket', {
      bucketName: `${base}-uploads-${account.accountId}`,
      dataAccessPrincipalArns,
      kmsKeyArn: this.dataKey.keyArn,
      corsAllowedOrigins: config.cors.allowedOrigins,
      protected: isProtected,
    });

    const samlTenants = config.tenants.filter((tenant) => tenant.saml);
    const tenantClaim = `custom:${config.tenantAttribute}`;
    // Every ID token's tenant claim is set here, from which provider signed the user in (SAML
    // tenants) or from the administrator-set attribute (the others); the identity pool turns that
    // claim into the tenant session tag.
    this.tenantClaim = new TenantClaimTrigger(this, 'TenantClaim', {
      functionName: `${base}-tenant-claim`,
      tenantClaim,
      tenants: config.tenants.map((tenant) => ({ id: tenant.id, ...(tenant.saml ? { providerName: tenant.saml.providerName ?? tenant.id } : {}) })),
      tenantlessUsers: config.tenantlessUsers,
      // Where groups carry roles, a user in no such group gets the default role in the token.
      ...(groupRolePlan.length > 0 ? { defaultRoleName: authenticatedRoleName } : {}),
    });
    // Self sign-up (off unless the environment opts in): the tenant comes from an invitation code or
    // the verified e-mail domain, set once by the post confirmation trigger. With no tenant open for
    // sign-up (only with tenantlessUsers), users sign up without a tenant and there is no trigger.
    const signUpMode = selfSignUpMode(config);
    if (signUpMode === 'into-tenant') {
      this.tenantSignUp = new TenantSignUpTrigger(this, 'TenantSignUp', {
        functionName: `${base}-tenant-sign-up`,
        tenantAttribute: tenantClaim,
        tenants: config.tenants.flatMap((tenant) =>
          tenant.selfSignUp ? [{ id: tenant.id, emailDomains: tenant.selfSignUp.emailDomains, invitationCodeSha256: tenant.selfSignUp.invitationCodeSha256 }] : [],
        ),
      });
    }
    const social = config.socialSignIn;
    const socialProviderNames = [...(social?.google ? (['Google'] as const) : []), ...(social?.apple ? (['SignInWithApple'] as const) : [])];
    // One person, one user: a Google or Apple identity joins the native user with the same verified
    // e-mail before Cognito creates a second user (pre sign-up).
    if (socialProviderNames.length > 0) {
      this.accountLinking = new AccountLinkingTrigger(this, 'AccountLinking', {
        functionName: `${base}-account-linking`,
        tenantClaim,
        socialProviders: socialProviderNames,
      });
    }
    this.userPool = new TenantUserPool(this, 'UserPool', {
      userPoolName: `${base}-users`,
      domainPrefix: base,
      tenantAttribute: config.tenantAttribute,
      legacyMutableTenantAttribute: config.legacyMutableTenantAttribute,
      preTokenGenerationLambdaArn: this.tenantClaim.functionArn,
      ...(this.accountLinking ? { preSignUpLambdaArn: this.accountLinking.functionArn } : {}),
      mfa: config.mfa,
      protected: isProtected,
      ...(this.tenantSignUp ? { selfSignUp: { postConfirmationLambdaArn: this.tenantSignUp.functionArn } } : {}),
      ...(signUpMode === 'tenantless' ? { tenantlessSignUp: true } : {}),
    });
    this.tenantClaim.allowInvocationBy(this.userPool.userPoolArn);
    this.tenantSignUp?.allowInvocationBy(this.userPool.userPoolArn);
    this.accountLinking?.allowInvocationBy(this.userPool.userPoolArn);
    if (social?.google || social?.apple) {
      this.socialProviders = new SocialIdentityProviders(this, 'SocialSignIn', {
        userPoolId: this.userPool.userPoolId,
        google: social.google && { clientId: social.google.clientId, clientSecret: secretSourceFromConfig(social.google.clientSecret, `${env.file}: socialSignIn.google.clientSecret`) },
        apple: social.apple && {
          servicesId: social.apple.servicesId,
          teamId: social.apple.teamId,
          keyId: social.apple.keyId,
          privateKey: secretSourceFromConfig(social.apple.privateKey, `${env.file}: socialSignIn.apple.privateKey`),
        },
      });
    }

    const samlProviders = new Map<string, SamlTenantProvider>();
    for (const tenant of samlTenants) {
      const saml = tenant.saml!;
      const metadata = env.samlMetadata.get(tenant.id);
      if (!metadata) throw new Error(`${env.file}: tenant ${tenant.id} has SAML settings but no validated metadata; load environments with loadEnvironments().`);
      // Keyed by tenant id, never by position, so onboarding a tenant touches only its resources.
      samlProviders.set(
        tenant.id,
        new SamlTenantProvider(this, `SamlProvider-${tenant.id}`, {
          userPoolId: this.userPool.userPoolId,
          providerName: saml.providerName ?? tenant.id,
          metadata,
          emailSamlAttribute: saml.emailAttribute,
        }),
      );
    }
    this.samlProviders = samlProviders;
    const clientIds = [this.userPool.nativeClient.id];
    // SAML and social providers share the one federated client (hosted UI, authorization code).
    if (samlProviders.size > 0 || this.socialProviders) {
      const providers = [...samlProviders.values()];
      const socialProviders = this.socialProviders;
      const federated = this.userPool.addFederatedClient({
        identityProviders: [...providers.map((p) => p.providerName), ...(socialProviders?.providerNames ?? [])],
        mappedAttributes: [...providers.flatMap((p) => p.mappedAttributes), ...(socialProviders?.mappedAttributes ?? [])],
        callbackUrls: config.oauth.callbackUrls,
        logoutUrls: config.oauth.logoutUrls,
        refreshTokenValidityHours: config.oauth.refreshTokenValidityHours,
        dependsOn: [...providers.map((p) => p.resource), ...(socialProviders?.resources ?? [])],
      });
      clientIds.push(federated.id);
    }

    this.identityPool = new IdentityPool(this, 'IdentityPool', {
      identityPoolName: `${base}-uploads`,
      region: config.region,
      userPoolId: this.userPool.userPoolId,
      clientIds,
      principalTags: { [config.tenantAttribute]: this.userPool.tenantClaim },
      protected: isProtected,
    });
    // Tenant data beyond S3 (documents 003 and 004): more targets of the same access rules.
    if (config.table) {
      this.tenantTable = new TenantTable(this, 'TenantTable', { tableName: `${base}-tenant-data`, kmsKeyArn: this.dataKey.keyArn, protected: isProtected, dataAccessPrincipalArns });
    }
    const secretNamePrefix = `${base}/tenant/`;
    if (config.tenantSecrets) {
      this.tenantSecrets = new TenantSecrets(this, 'TenantSecrets', {
        namePrefix: secretNamePrefix,
        tenantIds: config.tenants.map((tenant) => tenant.id),
        tenantTagKey: config.tenantAttribute,
        kmsKeyArn: this.dataKey.keyArn,
        recoveryWindowInDays: config.tenantSecrets.recoveryWindowInDays,
        protected: isProtected,
        dataAccessPrincipalArns,
      });
    }
    const table = config.table;
    // The table and the secrets are granted to every end-user role from the same rules; each role
    // compiles them with its own scope (compileRoleAccess).
    const tenantData = {
      ...(this.tenantTable && table
        ? {
            table: {
              tableArn: this.tenantTable.tableArn,
              tableName: this.tenantTable.tableName,
              rules: [{ target: 'table' as const, pattern: table.leadingKey === 'exact' ? '{tenant}' : '{tenant}#*', principal: 'authenticated' as const, actions: table.actions }],
            },
          }
        : {}),
      ...(this.tenantSecrets ? { secrets: { secretArnPrefix: `arn:${partition}:secretsmanager:${config.region}:${account.accountId}:secret:${secretNamePrefix}` } } : {}),
    };
    // What every end-user role is compiled against: the default role here, the tier and tenant roles below.
    const endUserRole = {
      identityPoolId: this.identityPool.identityPoolId,
      bucketArn: this.uploadBucket.bucketArn,
      keyArn: this.dataKey.keyArn,
      region: config.region,
      tenantTagKey: config.tenantAttribute,
      rules,
      ...tenantData,
    };
    this.access = new TenantAccess(this, 'Access', {
      ...endUserRole,
      roleName: authenticatedRoleName,
      // In role-per-tenant mode the default role (a user in no group) grants nothing of any tenant.
      access: {
        ...(config.isolation === 'shared-role' ? { tenant: { principalTag: config.tenantAttribute } } : {}),
        tenantlessUsers: config.tenantlessUsers,
      },
    });
    if (groupRolePlan.length > 0) {
      this.groupRoles = new GroupRoles(this, 'GroupRoles', {
        ...endUserRole,
        roles: groupRolePlan,
        userPoolId: this.userPool.userPoolId,
        tenantlessUsers: config.tenantlessUsers,
      });
    }
    // Token role mapping only where groups carry roles: otherwise every user gets the default role.
    this.identityPool.attachAuthenticatedRole(this.access.roleArn, groupRolePlan.length > 0 ? { roleFromTokenClientIds: clientIds } : {});

    const outputs: Record<string, string> = {
      region: config.region,
      user_pool_id: this.userPool.userPoolId,
      user_pool_native_client_id: this.userPool.nativeClient.id,
      hosted_ui_domain: `${this.userPool.domainPrefix}.auth.${config.region}.amazoncognito.com`,
      identity_pool_id: this.identityPool.identityPoolId,
      upload_bucket_name: this.uploadBucket.bucketName,
      data_key_arn: this.dataKey.keyArn,
      authenticated_role_arn: this.access.roleArn,
      tenant_claim_log_group: this.tenantClaim.trigger.logGroupName,
    };
    if (this.accountLinking) outputs.account_linking_log_group = this.accountLinking.trigger.logGroupName;
    if (this.userPool.federatedClient) outputs.user_pool_federated_client_id = this.userPool.federatedClient.id;
    if (this.tenantSignUp) outputs.tenant_sign_up_log_group = this.tenantSignUp.trigger.logGroupName;
    if (this.tenantTable) Object.assign(outputs, { tenant_table_name: this.tenantTable.tableName, tenant_table_arn: this.tenantTable.tableArn });
    const secretArns: Record<string, string> | undefined = this.tenantSecrets && Object.fromEntries(this.tenantSecrets.secretArns);
    for (const [name, value] of [...Object.entries(outputs), ...(secretArns ? [['tenant_secret_arns', secretArns] as const] : [])]) {
      const description = OUTPUT_DESCRIPTIONS[name];
      new TerraformOutput(this, name, { value, ...(description === undefined ? {} : { description }) });
    }
  }
}

const OUTPUT_DESCRIPTIONS: Readonly<Record<string, string>> = {
  region: 'AWS Region of every resource in this environment',
  user_pool_id: 'Cognito user pool id',
  user_pool_native_client_id: 'App client for e-mail/password (SRP) sign-in',
  user_pool_federated_client_id: 'App client for SAML, Google and Apple sign-in through the hosted UI (authorization-code flow)',
  hosted_ui_domain: 'Hosted UI (managed login) domain',
  identity_pool_id: 'Identity pool id, for fromCognitoIdentityPool',
  upload_bucket_name: 'Bucket browsers upload into',
  data_key_arn: 'KMS key that encrypts the bucket',
  authenticated_role_arn: 'Role authenticated identities receive',
  tenant_claim_log_group: 'Log group of the tenant-claim trigger: one line per sign-in or refresh decision (reason codes, no user data)',
  tenant_sign_up_log_group: 'Log group of the tenant sign-up trigger: one line per confirmed sign-up (reason codes, no user data)',
  account_linking_log_group: 'Log group of the account-linking trigger: one line per sign-up decision (reason codes, no user data)',
  tenant_table_name: 'DynamoDB tenant table; every partition key starts with <tenant>#',
  tenant_table_arn: 'ARN of the tenant table',
  tenant_secret_arns: 'Secret ARN of each tenant, by tenant id (containers only: operators set the values)',
};

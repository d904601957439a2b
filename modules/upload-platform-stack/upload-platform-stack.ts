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
import { TenantUserPool } from '../tenant-user-pool';
import { UploadBucket } from '../upload-bucket';

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
    this.uploadBucket = new UploadBucket(this, 'UploadBucket', {
      bucketName: `${base}-uploads-${account.accountId}`,
      dataAccessPrincipalArns: [
        `arn:${partition}:iam::${account.accountId}:role/${authenticatedRoleName}`,
        ...groupRolePatterns,
        ...(config.breakGlassPrincipalArn ? [config.breakGlassPrincipalArn] : []),
      ],
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
    });
    this.userPool = new TenantUserPool(this, 'UserPool', {
      userPoolName: `${base}-users`,
      domainPrefix: base,
      tenantAttribute: config.tenantAttribute,
      legacyMutableTenantAttribute: config.legacyMutableTenantAttribute,
      preTokenGenerationLambdaArn: this.tenantClaim.functionArn,
      mfa: config.mfa,
      protected: isProtected,
    });
    this.tenantClaim.allowInvocationBy(this.userPool.userPoolArn);

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
    if (samlProviders.size > 0) {
      const providers = [...samlProviders.values()];
      const federated = this.userPool.addFederatedClient({
        identityProviders: providers.map((p) => p.providerName),
        mappedAttributes: providers.flatMap((p) => p.mappedAttributes),
        callbackUrls: config.oauth.callbackUrls,
        logoutUrls: config.oauth.logoutUrls,
        refreshTokenValidityHours: config.oauth.refreshTokenValidityHours,
        dependsOn: providers.map((p) => p.resource),
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
    this.access = new TenantAccess(this, 'Access', {
      roleName: authenticatedRoleName,
      identityPoolId: this.identityPool.identityPoolId,
      bucketArn: this.uploadBucket.bucketArn,
      keyArn: this.dataKey.keyArn,
      region: config.region,
      tenantTagKey: config.tenantAttribute,
      rules,
      // In role-per-tenant mode the default role (a user in no group) grants nothing of any tenant.
      access: {
        ...(config.isolation === 'shared-role' ? { tenant: { principalTag: config.tenantAttribute } } : {}),
        tenantlessUsers: config.tenantlessUsers,
      },
    });
    if (groupRolePlan.length > 0) {
      this.groupRoles = new GroupRoles(this, 'GroupRoles', {
        roles: groupRolePlan,
        userPoolId: this.userPool.userPoolId,
        identityPoolId: this.identityPool.identityPoolId,
        bucketArn: this.uploadBucket.bucketArn,
        keyArn: this.dataKey.keyArn,
        region: config.region,
        tenantTagKey: config.tenantAttribute,
        rules,
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
    if (this.userPool.federatedClient) outputs.user_pool_federated_client_id = this.userPool.federatedClient.id;
    for (const [name, value] of Object.entries(outputs)) {
      const description = OUTPUT_DESCRIPTIONS[name];
      new TerraformOutput(this, name, { value, ...(description === undefined ? {} : { description }) });
    }
  }
}

const OUTPUT_DESCRIPTIONS: Readonly<Record<string, string>> = {
  region: 'AWS Region of every resource in this environment',
  user_pool_id: 'Cognito user pool id',
  user_pool_native_client_id: 'App client for e-mail/password (SRP) sign-in',
  user_pool_federated_client_id: 'App client for SAML sign-in through the hosted UI (authorization-code flow)',
  hosted_ui_domain: 'Hosted UI (managed login) domain',
  identity_pool_id: 'Identity pool id, for fromCognitoIdentityPool',
  upload_bucket_name: 'Bucket browsers upload into',
  data_key_arn: 'KMS key that encrypts the bucket',
  authenticated_role_arn: 'Role authenticated identities receive',
  tenant_claim_log_group: 'Log group of the tenant-claim trigger: one line per sign-in or refresh decision (reason codes, no user data)',
};

import { CognitoUserPool } from '@cdktf/provider-aws/lib/cognito-user-pool';
import { CognitoUserPoolClient, CognitoUserPoolClientConfig } from '@cdktf/provider-aws/lib/cognito-user-pool-client';
import { CognitoUserPoolDomain } from '@cdktf/provider-aws/lib/cognito-user-pool-domain';
import { ITerraformDependable, Token } from 'cdktf';
import { Construct } from 'constructs';

export type MfaMode = 'OFF' | 'OPTIONAL' | 'ON';

/** One hour: the longest ID/access token lifetime we hand out. */
const TOKEN_VALIDITY_MINUTES = 60;
const REFRESH_TOKEN_VALIDITY_DAYS = 30;
/**
 * Federated users' refresh tokens: a user disabled in the tenant's IdP keeps refreshing tokens
 * until this runs out, because Cognito asks the IdP again only at the next hosted-UI sign-in.
 */
const FEDERATED_REFRESH_TOKEN_VALIDITY_HOURS = 12;
/** Cognito's bounds on refresh-token validity: 60 minutes to 10 years. https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-refresh-token.html */
const REFRESH_TOKEN_HOURS_BOUNDS = { min: 1, max: 87600 } as const;

export interface TenantUserPoolProps {
  /** Physical name of the user pool. */
  readonly userPoolName: string;
  /** Hosted-UI domain prefix (lowercase letters, digits, hyphens; no "aws", "amazon", "cognito"). */
  readonly domainPrefix: string;
  /** Name of the custom attribute holding the tenant id; tokens carry it as `custom:<name>`. @default 'customerName' */
  readonly tenantAttribute?: string;
  /** Upper bound on the tenant attribute's length. @default 63 (the longest tenant id) */
  readonly tenantAttributeMaxLength?: number;
  /**
   * Keep the tenant attribute mutable. Only for a pool created mutable before the tenant-claim
   * trigger (when a SAML provider mapped the attribute): Cognito cannot change an attribute of an
   * existing pool, so declaring it immutable would fail the apply. It stays safe while no app
   * client can write it and no identity provider maps it (rules UP1, IDP9).
   * @default false
   */
  readonly legacyMutableTenantAttribute?: boolean;
  /**
   * The pre-token-generation Lambda (event version V1_0) that sets the tenant claim of every ID
   * token; see the tenant-claim module. Its invoke permission must name this pool.
   * @default - none: ID tokens carry the attribute as stored
   */
  readonly preTokenGenerationLambdaArn?: string;
  /**
   * Self sign-up into a tenant: users may call SignUp (`allow_admin_create_user_only = false`) and
   * the post confirmation Lambda (the tenant-sign-up module) sets their tenant attribute once. The
   * attribute is then declared mutable, because Cognito sets an immutable attribute only at SignUp or
   * AdminCreateUser; no app client can write it either way. Its invoke permission must name this pool.
   * Needs `preTokenGenerationLambdaArn`.
   * @default - none: only administrators create users, and the attribute is immutable
   */
  readonly selfSignUp?: { readonly postConfirmationLambdaArn: string };
  /**
   * Self sign-up of users without a tenant (a consumer app, document 002): users may call SignUp
   * (`allow_admin_create_user_only = false`), confirm their e-mail with a code and reset a
   * forgotten password, and stay without a tenant. No post confirmation trigger, and the tenant
   * attribute's mutability is left as it was (immutable unless `legacyMutableTenantAttribute`):
   * nothing writes it, and no app client can. Needs `preTokenGenerationLambdaArn`, whose trigger
   * must serve users without a tenant (`tenantlessUsers`). Not with `selfSignUp`, which already
   * opens SignUp.
   * @default false
   */
  readonly tenantlessSignUp?: boolean;
  /**
   * The pre sign-up Lambda (the account-linking trigger) that links a Google or Apple identity to
   * the existing user with the same verified e-mail. Its invoke permission must name this pool.
   * @default - none
   */
  readonly preSignUpLambdaArn?: string;
  /** Multi-factor authentication with TOTP apps. @default 'OPTIONAL' */
  readonly mfa?: MfaMode;
  /** `deletion_protection = ACTIVE` and `prevent_destroy`. @default false */
  readonly protected?: boolean;
}

export interface FederatedClientOptions {
  /** Provider names users of this client sign in through (SAML, Google, Apple). */
  readonly identityProviders: readonly string[];
  /** User-pool attributes the providers map; Cognito requires the client to be able to write them. Never the tenant attribute. */
  readonly mappedAttributes: readonly string[];
  /**
   * Refresh-token lifetime of federated users, in hours: how long a user disabled in the tenant's
   * IdP can go on refreshing tokens. @default 12
   */
  readonly refreshTokenValidityHours?: number;
  /** OAuth redirect URLs after sign-in. */
  readonly callbackUrls: readonly string[];
  /** OAuth redirect URLs after sign-out. */
  readonly logoutUrls: readonly string[];
  /** Resources the client must wait for (the identity providers). @default - none */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * A Cognito user pool for tenant users: e-mail as the user name, a tenant custom attribute that
 * only administrators can set (the tenant-claim trigger turns it into the ID token's tenant claim), optional TOTP MFA, and a hosted-UI domain.
 */
export class TenantUserPool extends Construct {
  public readonly userPoolId: string;
  public readonly userPoolArn: string;
  /** `custom:<tenantAttribute>`, the claim in the ID token. */
  public readonly tenantClaim: string;
  /** The hosted-UI domain prefix. */
  public readonly domainPrefix: string;
  /** The e-mail/password (SRP) client. It can never write the tenant attribute. */
  public readonly nativeClient: CognitoUserPoolClient;
  /** The underlying user pool, for overrides. */
  public readonly userPool: CognitoUserPool;
  private federated?: CognitoUserPoolClient;
  private readonly readAttributes: string[];

  constructor(scope: Construct, id: string, props: TenantUserPoolProps) {
    super(scope, id);
    const tenantAttribute = props.tenantAttribute ?? 'customerName';
    const maxLength = props.tenantAttributeMaxLength ?? 63;
    const problems: string[] = [];
    if (!/^[A-Za-z][A-Za-z0-9_]{0,19}$/.test(tenantAttribute)) {
      problems.push(`tenantAttribute must be 1–20 letters, digits or _ (received ${JSON.stringify(tenantAttribute)}).`);
    }
    // The value becomes a session tag, and session-tag values are at most 256 characters.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_know
    if (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > 256) {
      problems.push(`tenantAttributeMaxLength must be an integer from 1 to 256 (received ${maxLength}).`);
    }
    // https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-assign-domain-prefix.html
    if (!Token.isUnresolved(props.domainPrefix)) {
      if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(props.domainPrefix)) {
        problems.push(`domainPrefix must be 1–63 lowercase letters, digits and inner hyphens (received ${JSON.stringify(props.domainPrefix)}).`);
      }
      const reserved = ['aws', 'amazon', 'cognito'].filter((word) => props.domainPrefix.includes(word));
      if (reserved.length > 0) {
        problems.push(`domainPrefix must not contain ${reserved.map((w) => `"${w}"`).join(', ')} (received ${JSON.stringify(props.domainPrefix)}).`);
      }
    }
    if (props.selfSignUp !== undefined && props.preTokenGenerationLambdaArn === undefined) {
      problems.push('selfSignUp needs preTokenGenerationLambdaArn (the tenant-claim trigger): it refuses the sign-in of a self-signed-up user whom the sign-up trigger could not give a tenant.');
    }
    const tenantlessSignUp = props.tenantlessSignUp ?? false;
    if (tenantlessSignUp && props.selfSignUp !== undefined) {
      problems.push('tenantlessSignUp and selfSignUp are exclusive: selfSignUp already opens SignUp (users its trigger matches to no tenant stay without one); pass only selfSignUp.');
    }
    if (tenantlessSignUp && props.preTokenGenerationLambdaArn === undefined) {
      problems.push('tenantlessSignUp needs preTokenGenerationLambdaArn (the tenant-claim trigger): it decides whether a user without a tenant may sign in, and with which role.');
    }
    if (problems.length > 0) throw new Error(`TenantUserPool ${this.node.path}:\n  - ${problems.join('\n  - ')}`);

    const mfa = props.mfa ?? 'OPTIONAL';
    const protectedPool = props.protected ?? false;
    this.tenantClaim = `custom:${tenantAttribute}`;
    this.domainPrefix = props.domainPrefix;
    this.readAttributes = ['email', 'email_verified', this.tenantClaim];

    this.userPool = new CognitoUserPool(this, 'UserPool', {
      name: props.userPoolName,
      usernameAttributes: ['email'],
      usernameConfiguration: { caseSensitive: false },
      autoVerifiedAttributes: ['email'],
      accountRecoverySetting: { recoveryMechanism: [{ name: 'verified_email', priority: 1 }] },
      // Users are created by the platform with their tenant: an immutable attribute can only be
      // set at creation, so a self-signed-up user could never be given one. With selfSignUp, users
      // sign up themselves and the post confirmation trigger sets the (then mutable) attribute.
      // With tenantlessSignUp, users sign up themselves and nothing sets the attribute.
      // https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-admin-create-user-policy.html
      adminCreateUserConfig: { allowAdminCreateUserOnly: props.selfSignUp === undefined && !tenantlessSignUp },
      // The e-mail is the user name: a new address takes effect only once verified, so nobody can
      // squat another person's address. https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-email-phone-verification.html
      userAttributeUpdateSettings: { attributesRequireVerificationBeforeUpdate: ['email'] },
      // Security Hub Cognito.3: at least 8 characters of every class, short-lived temporary passwords.
      // https://docs.aws.amazon.com/securityhub/latest/userguide/cognito-controls.html
      passwordPolicy: {
        minimumLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireNumbers: true,
        requireSymbols: true,
        temporaryPasswordValidityDays: 3,
      },
      mfaConfiguration: mfa,
      ...(mfa === 'OFF' ? {} : { softwareTokenMfaConfiguration: { enabled: true } }),
      deletionProtection: protectedPool ? 'ACTIVE' : 'INACTIVE',
      schema: [
        {
          name: tenantAttribute,
          attributeDataType: 'String',
          developerOnlyAttribute: false,
          mutable: (props.legacyMutableTenantAttribute ?? false) || props.selfSignUp !== undefined,
          required: false,
          stringAttributeConstraints: { minLength: '1', maxLength: String(maxLength) },
        },
      ],
      // V1_0 can override ID-token claims on every feature plan; the identity pool reads the ID token.
      // https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
      // Pre sign-up (the account-linking trigger) links a social identity to the existing user with
      // the same verified e-mail. https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-sign-up.html
      ...(props.preTokenGenerationLambdaArn === undefined && props.preSignUpLambdaArn === undefined
        ? {}
        : {
            lambdaConfig: {
              ...(props.preTokenGenerationLambdaArn === undefined ? {} : { preTokenGenerationConfig: { lambdaArn: props.preTokenGenerationLambdaArn, lambdaVersion: 'V1_0' } }),
              ...(props.preSignUpLambdaArn === undefined ? {} : { preSignUp: props.preSignUpLambdaArn }),
              // The trigger that sets a self-signed-up user's tenant once, after confirmation.
              // https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-confirmation.html
              ...(props.selfSignUp === undefined ? {} : { postConfirmation: props.selfSignUp.postConfirmationLambdaArn }),
            },
          }),
      ...(protectedPool ? { lifecycle: { preventDestroy: true } } : {}),
    });
    this.userPoolId = this.userPool.id;
    this.userPoolArn = this.userPool.arn;

    new CognitoUserPoolDomain(this, 'Domain', { domain: props.domainPrefix, userPoolId: this.userPool.id });

    // E-mail/password users sign in with SRP. write_attributes is explicit so the tenant
    // attribute can never be changed with the user's own access token (UpdateUserAttributes).
    // https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html#user-pool-settings-attribute-permissions-and-scopes
    this.nativeClient = new CognitoUserPoolClient(this, 'NativeClient', {
      ...this.clientHygiene(),
      name: 'native',
      explicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      supportedIdentityProviders: ['COGNITO'],
      readAttributes: this.readAttributes,
      writeAttributes: ['email'],
    });
  }

  /** The federated (IdP) client, once added with `addFederatedClient`. */
  public get federatedClient(): CognitoUserPoolClient | undefined {
    return this.federated;
  }

  /**
   * Adds the app client for users who come through identity providers: authorization-code flow,
   * no native sign-in and no `aws.cognito.signin.user.admin` scope, so the attributes it must be
   * able to write (the mapped ones) cannot be written by the users themselves.
   */
  public addFederatedClient(options: FederatedClientOptions): CognitoUserPoolClient {
    const problems: string[] = [];
    if (this.federated) problems.push('a federated client exists already.');
    if (options.identityProviders.length === 0) problems.push('identityProviders must name at least one provider.');
    if (options.identityProviders.includes('COGNITO')) problems.push('identityProviders must not include COGNITO: native users use the native client.');
    if (options.callbackUrls.length === 0) problems.push('callbackUrls must list at least one URL.');
    if (options.logoutUrls.length === 0) problems.push('logoutUrls must list at least one URL.');
    if (options.mappedAttributes.includes(this.tenantClaim)) {
      problems.push(`mappedAttributes must not include ${this.tenantClaim}: the tenant comes from which provider signed the user in (the tenant-claim trigger), never from what it asserts.`);
    }
    const refreshHours = options.refreshTokenValidityHours ?? FEDERATED_REFRESH_TOKEN_VALIDITY_HOURS;
    if (!Number.isInteger(refreshHours) || refreshHours < REFRESH_TOKEN_HOURS_BOUNDS.min || refreshHours > REFRESH_TOKEN_HOURS_BOUNDS.max) {
      problems.push(`refreshTokenValidityHours must be a whole number from ${REFRESH_TOKEN_HOURS_BOUNDS.min} to ${REFRESH_TOKEN_HOURS_BOUNDS.max} (received ${refreshHours}).`);
    }
    if (problems.length > 0) throw new Error(`TenantUserPool ${this.node.path} federated client:\n  - ${problems.join('\n  - ')}`);

    const writeAttributes = [...new Set(options.mappedAttributes)].sort();
    this.federated = new CognitoUserPoolClient(this, 'FederatedClient', {
      ...this.clientHygiene(),
      name: 'federated',
      explicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      allowedOauthFlowsUserPoolClient: true,
      allowedOauthFlows: ['code'],
      allowedOauthScopes: ['openid', 'email', 'profile'],
      supportedIdentityProviders: [...options.identityProviders],
      callbackUrls: [...options.callbackUrls],
      logoutUrls: [...options.logoutUrls],
      readAttributes: [...new Set([...this.readAttributes, ...writeAttributes])].sort(),
      writeAttributes,
      refreshTokenValidity: refreshHours,
      tokenValidityUnits: [{ idToken: 'minutes', accessToken: 'minutes', refreshToken: 'hours' }],
      // Stryker disable next-line ConditionalExpression: dependsOn: undefined synthesizes the same JSON as leaving it out.
      ...(options.dependsOn === undefined ? {} : { dependsOn: options.dependsOn }),
    });
    return this.federated;
  }

  /** Public clients: no secret, no user enumeration, revocable one-hour tokens. */
  private clientHygiene(): Omit<CognitoUserPoolClientConfig, 'name'> {
    return {
      userPoolId: this.userPool.id,
      generateSecret: false,
      preventUserExistenceErrors: 'ENABLED',
      enableTokenRevocation: true,
      idTokenValidity: TOKEN_VALIDITY_MINUTES,
      accessTokenValidity: TOKEN_VALIDITY_MINUTES,
      refreshTokenValidity: REFRESH_TOKEN_VALIDITY_DAYS,
      tokenValidityUnits: [{ idToken: 'minutes', accessToken: 'minutes', refreshToken: 'days' }],
    };
  }
}

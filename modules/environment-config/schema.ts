import { z } from 'zod';
import { IAM_ROLE_ARN_PATTERN } from '../iam-policy/policy-document';
import { GROUP_NAME_PATTERN } from '../tenant-access/access-rules';
import { SECRET_ID_PATTERN, SECRET_JSON_KEY_PATTERN, SSM_PARAMETER_NAME_PATTERN, TERRAFORM_VARIABLE_NAME_PATTERN } from '../social-sign-in/secret-names';
import { TENANT_ID_PATTERN } from '../tenant-access/tenant-id';

export { TENANT_ID_PATTERN };
/** Environment folder names become stack names and part of physical AWS names. */
export const ENVIRONMENT_NAME_PATTERN = /^[a-z](?:[a-z0-9-]{0,14}[a-z0-9])?$/;
/**
 * `${namePrefix}-${env}-uploads-${accountId}` must fit S3's 63-character bucket names:
 * 20 + 1 + 16 + 21 = 58. https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export const NAME_PREFIX_PATTERN = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/;
/** Cognito custom attribute names are 1–20 characters. https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html#user-pool-settings-custom-attributes */
export const ATTRIBUTE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,19}$/;
/** A file name directly under `saml/`: no directories, no traversal. */
export const SAML_FILE_PATTERN = /^[a-z0-9][a-z0-9._-]*\.xml$/;
/** The shape of a security rule id (`UP4`, `S3-7`). */
export const ACKNOWLEDGEMENT_RULE_PATTERN = /^[A-Z][A-Z0-9]*-?[0-9]+$/;

const httpsOrLocalhostUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || (url.protocol === 'http:' && url.hostname === 'localhost');
    } catch {
      return false;
    }
  },
  { message: 'must be an absolute https:// URL (http:// is allowed only for localhost)' },
);

const corsOrigin = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (
        (url.protocol === 'https:' || (url.protocol === 'http:' && url.hostname === 'localhost')) &&
        url.origin === value &&
        !value.includes('*')
      );
    } catch {
      return false;
    }
  },
  { message: 'must be an exact origin such as https://app.example.com (scheme and host, no path, no wildcard)' },
);

export const samlConfigSchema = z.strictObject({
  /** IdP metadata file name under `saml/`. */
  metadataFile: z.string().regex(SAML_FILE_PATTERN, 'must be a file name under saml/ ending in .xml, such as acme.xml'),
  /**
   * Removed: the tenant of a SAML user is the tenant its provider is bound to, never an attribute
   * the IdP asserts. Kept in the schema only to say so when an old config still has it.
   */
  tenantAttribute: z
    .unknown()
    .refine((value) => value === undefined, {
      message: 'is no longer read: a SAML user belongs to the tenant whose provider signed them in, whatever the IdP asserts; delete this key',
    })
    .optional(),
  /** The SAML attribute that carries the e-mail address. */
  emailAttribute: z.string().min(1).max(2048).optional(),
  /** Cognito provider name (3–32 characters). Defaults to the tenant id. */
  providerName: z.string().optional(),
});

/**
 * How users may join this tenant by signing up themselves (the environment must set
 * `selfSignUp.enabled`). The domain and hash rules (lowercase, unique across tenants, no public
 * mailbox provider) are checked by the loader, which names every problem.
 */
export const tenantSelfSignUpSchema = z.strictObject({
  /** Verified addresses at exactly these domains join the tenant. */
  emailDomains: z.array(z.string()).default([]),
  /** SHA-256 (64 lowercase hex digits) of each invitation code that joins the tenant; never the code. */
  invitationCodeSha256: z.array(z.string()).default([]),
});

export const tenantSchema = z.strictObject({
  id: z.string().regex(TENANT_ID_PATTERN, `must match ${TENANT_ID_PATTERN.source}: lowercase letters, digits and hyphens, 2–63 characters`),
  displayName: z.string().min(1).max(128),
  saml: samlConfigSchema.optional(),
  selfSignUp: tenantSelfSignUpSchema.optional(),
});

/**
 * Whether users may sign up themselves (off by default: only administrators create users). With a
 * tenant open for sign-up (a tenant's `selfSignUp` block), the post confirmation trigger sets the
 * tenant attribute, which Cognito then requires to be mutable; `tenantAttributeMutable` says how
 * this pool gets there (see the loader's message). With no tenant open for sign-up (allowed only
 * with `tenantlessUsers: true`), users sign up without a tenant: no trigger, the attribute keeps its
 * mutability, and `tenantAttributeMutable` is refused (see selfSignUpMode).
 */
export const selfSignUpSchema = z.strictObject({
  enabled: z.boolean(),
  /**
   * `"new-user-pool"`: the pool does not exist yet and is created with a mutable tenant attribute.
   * `"created-mutable"`: the pool exists and its tenant attribute was created mutable.
   * A pool created with an immutable tenant attribute cannot opt in (Cognito cannot change it).
   */
  tenantAttributeMutable: z.enum(['new-user-pool', 'created-mutable']).optional(),
});

/**
 * Raised (or, for a safety margin, lowered) AWS quotas the quota budget counts against; each
 * defaults to the AWS default (modules/quota-budget). Quotas AWS cannot raise accept at most their
 * default.
 */
export const quotasSchema = z.strictObject({
  iamRolesPerAccount: z.number().int().min(1).max(5000).optional(),
  iamRolesOutsideStack: z.number().int().min(0).max(5000).optional(),
  trustPolicyChars: z.number().int().min(1).max(4096).optional(),
  inlinePolicyCharsPerRole: z.number().int().min(1).max(10240).optional(),
  managedPolicyChars: z.number().int().min(1).max(6144).optional(),
  roleMappingRulesPerProvider: z.number().int().min(1).max(25).optional(),
  groupsPerUserPool: z.number().int().min(1).max(1_000_000).optional(),
  identityProvidersPerUserPool: z.number().int().min(1).max(1_000_000).optional(),
  principalTagClaimBytes: z.number().int().min(1).max(460).optional(),
  bucketPolicyBytes: z.number().int().min(1).max(20480).optional(),
  keyPolicyBytes: z.number().int().min(1).max(32768).optional(),
});

export const backendSchema = z.strictObject({
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  key: z.string().min(1).max(1024),
  region: z.string(),
  encrypt: z.literal(true, { message: 'must be true: state holds secrets' }),
  useLockfile: z.literal(true, { message: 'must be true: S3-native locking (the DynamoDB lock table is deprecated)' }),
});

/**
 * A tier name becomes a user-pool group name and part of a role name (`<prefix>-<env>-tier.<name>`).
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateGroup.html
 */
export const TIER_NAME_PATTERN = GROUP_NAME_PATTERN;

export const tierSchema = z.strictObject({
  /** The user-pool group and the role-name part: `free`, `paid`. */
  name: z.string().regex(TIER_NAME_PATTERN, `must match ${TIER_NAME_PATTERN.source}: lowercase letters, digits and hyphens, starting with a letter, at most 32 characters`),
  /** Cognito group precedence: the lowest number wins when a user is in several tiers. Unique. */
  precedence: z.number().int().min(0).max(2147483647),
});

export const tierRuleSchema = z.strictObject({
  /** A key pattern with `{identity}` (and optionally `{tenant}`), ending in `/*`. */
  pattern: z.string().min(3).max(1024),
  /** The tiers whose roles receive the rule. */
  groups: z.array(z.string()).min(1, 'must name at least one tier'),
  /** What the tiers may do under the pattern. */
  actions: z.array(z.enum(['read', 'write', 'delete', 'list'])).min(1, 'must list at least one action'),
});

export const acknowledgementSchema = z.strictObject({
  rule: z.string().regex(ACKNOWLEDGEMENT_RULE_PATTERN, 'must be a security rule id such as UP4'),
  reason: z.string().min(10, 'must explain the exception in at least 10 characters'),
});

/**
 * Where a social IdP's secret is read from: exactly one of an SSM parameter, a Secrets Manager
 * secret (with an optional key of its JSON) or a sensitive Terraform variable. Never the secret.
 */
export const secretSourceSchema = z
  .strictObject({
    /** An SSM SecureString parameter, read with decryption. */
    ssmParameter: z.string().regex(SSM_PARAMETER_NAME_PATTERN, 'must be an SSM parameter name such as /uploads/dev/google-client-secret').max(1011).optional(),
    /** A Secrets Manager secret name or ARN. */
    secretsManagerSecret: z.string().regex(SECRET_ID_PATTERN, 'must be a Secrets Manager secret name or ARN').optional(),
    /** With secretsManagerSecret: the key of the secret's JSON that holds the value. */
    jsonKey: z.string().regex(SECRET_JSON_KEY_PATTERN, 'must be a key such as privateKey (letters, digits, _)').optional(),
    /** A Terraform variable (sensitive, no default), set as TF_VAR_<name> where Terraform runs. */
    terraformVariable: z.string().regex(TERRAFORM_VARIABLE_NAME_PATTERN, `must match ${TERRAFORM_VARIABLE_NAME_PATTERN.source}`).optional(),
  })
  .superRefine((value, ctx) => {
    const set = (['ssmParameter', 'secretsManagerSecret', 'terraformVariable'] as const).filter((key) => value[key] !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `must name exactly one of ssmParameter, secretsManagerSecret or terraformVariable (found ${set.length === 0 ? 'none' : set.join(' and ')}); never the secret itself` });
    }
    if (value.jsonKey !== undefined && value.secretsManagerSecret === undefined) {
      ctx.addIssue({ code: 'custom', path: ['jsonKey'], message: 'is only read with secretsManagerSecret' });
    }
  });

/** Google and Apple as identity providers of the user pool (social users belong to no tenant). */
export const socialSignInSchema = z.strictObject({
  google: z
    .strictObject({
      /** The OAuth client id of the Google Cloud web client. */
      clientId: z.string().regex(/^[A-Za-z0-9._-]{1,256}$/, 'must be the OAuth client id, such as 1234-abc.apps.googleusercontent.com'),
      clientSecret: secretSourceSchema,
    })
    .optional(),
  apple: z
    .strictObject({
      /** The Services ID, such as com.example.uploads.signin. */
      servicesId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,254}$/, 'must be the Services ID, a reverse-domain name such as com.example.signin'),
      teamId: z.string().regex(/^[A-Z0-9]{10}$/, 'must be the 10-character Apple team id'),
      keyId: z.string().regex(/^[A-Z0-9]{10}$/, 'must be the 10-character id of the Sign in with Apple key'),
      privateKey: secretSourceSchema,
    })
    .optional(),
});

export const environmentConfigSchema = z.strictObject({
  region: z.string(),
  namePrefix: z.string().regex(NAME_PREFIX_PATTERN, `must match ${NAME_PREFIX_PATTERN.source}`),
  protected: z.boolean().default(false),
  tenantAttribute: z.string().regex(ATTRIBUTE_NAME_PATTERN, 'must be a Cognito custom attribute name (1–20 letters, digits, _)').default('customerName'),
  mfa: z.enum(['OFF', 'OPTIONAL', 'ON']).default('OPTIONAL'),
  tenants: z.array(tenantSchema).min(1, 'must list at least one tenant'),
  cors: z.strictObject({ allowedOrigins: z.array(corsOrigin).min(1) }),
  oauth: z.strictObject({
    callbackUrls: z.array(httpsOrLocalhostUrl).min(1),
    logoutUrls: z.array(httpsOrLocalhostUrl).min(1),
    /** Refresh-token lifetime of federated (SAML) users, in hours. */
    refreshTokenValidityHours: z.number().int().min(1).max(87600).default(12),
  }),
  backend: backendSchema.optional(),
  /**
   * An IAM role that may use the data key outside S3 (incident response, a restore). Every other
   * principal can use the key only through S3.
   */
  breakGlassPrincipalArn: z
    .string()
    .regex(IAM_ROLE_ARN_PATTERN, 'must be an IAM role ARN such as arn:aws:iam::123456789012:role/incident-response')
    .optional(),
  /**
   * Only for a user pool created before the tenant-claim trigger with a SAML tenant: its tenant
   * attribute was created mutable, and Cognito cannot change that.
   */
  legacyMutableTenantAttribute: z.boolean().default(false),
  /**
   * Serve users who belong to no tenant (a consumer app: Google or Apple sign-in, self sign-up
   * without an invitation). They get the per-user (`{identity}`) and tier prefixes only, never
   * anything of a tenant. Off: a session without a tenant is refused at sign-in and denied by IAM.
   */
  tenantlessUsers: z.boolean().default(false),
  /**
   * `shared-role`: one authenticated role for every tenant, scoped by the tenant principal tag.
   * `role-per-tenant`: each tenant gets a user-pool group and a role scoped by its literal id
   * (document 004); the identity pool picks the role from the token.
   */
  isolation: z.enum(['shared-role', 'role-per-tenant']).default('shared-role'),
  /**
   * Tiers as user-pool groups with a role each (document 002): `true` for the default pair
   * (`paid` precedence 10, `free` precedence 20), or the list. Left out: no tiers.
   */
  tiers: z.union([z.literal(true), z.array(tierSchema).min(1, 'must list at least one tier (or leave tiers out)')]).optional(),
  /**
   * What each tier may do. @default - when tiers are set: `users/{identity}/free/*` write for free
   * and paid, `users/{identity}/premium/*` write for paid.
   */
  tierRules: z.array(tierRuleSchema).min(1).optional(),
  /**
   * Self sign-up: into a tenant (by invitation code or e-mail domain), or, with `tenantlessUsers`
   * and no tenant open for sign-up, as a user without a tenant. @default - off
   */
  selfSignUp: selfSignUpSchema.optional(),
  /** Quotas the synthesized stack is counted against. @default - the AWS defaults */
  quotas: quotasSchema.optional(),
  /**
   * Sign in with Google and/or Apple through the hosted UI. Needs `tenantlessUsers: true`: a social
   * identity never carries a tenant. Secrets are referenced, never written here.
   */
  socialSignIn: socialSignInSchema.optional(),
  /**
   * The tenant table (DynamoDB, document 003): partition keys start with `<tenant>#`. `leadingKey`
   * "prefix" lets a user reach every partition key `<own tenant>#…`; "exact" only the key equal to
   * its tenant id. Absent: no table.
   */
  table: z
    .strictObject({
      leadingKey: z.enum(['prefix', 'exact']).default('prefix'),
      actions: z.array(z.enum(['read', 'write', 'delete'])).min(1, 'must list at least one of read, write, delete').default(['read', 'write', 'delete']),
    })
    .optional(),
  /**
   * One Secrets Manager secret per tenant (document 004), readable by that tenant's users only.
   * The stack creates the secrets without a value; an operator sets it. Absent: no secrets.
   */
  tenantSecrets: z
    .strictObject({
      /** Days a deleted secret can still be restored. */
      recoveryWindowInDays: z.number().int().min(7).max(30).default(30),
    })
    .optional(),
  acknowledgements: z.array(acknowledgementSchema).default([]),
});

/** The parsed, defaulted content of `environments/<env>/config.json`. */
export type EnvironmentConfig = z.infer<typeof environmentConfigSchema>;
/** What a config may say before defaults are filled in: the type of `environmentFromConfig`'s input. */
export type EnvironmentConfigInput = z.input<typeof environmentConfigSchema>;
export type TenantConfig = z.infer<typeof tenantSchema>;
export type SamlConfig = z.infer<typeof samlConfigSchema>;
export type BackendConfig = z.infer<typeof backendSchema>;
export type TierConfig = z.infer<typeof tierSchema>;
export type TierRuleConfig = z.infer<typeof tierRuleSchema>;
export type SelfSignUpConfig = z.infer<typeof selfSignUpSchema>;
export type QuotasConfig = z.infer<typeof quotasSchema>;
export type SocialSignInConfig = z.infer<typeof socialSignInSchema>;
export type SecretSourceConfig = z.infer<typeof secretSourceSchema>;

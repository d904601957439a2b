import { z } from 'zod';
import { IAM_ROLE_ARN_PATTERN } from '../iam-policy/policy-document';
import { GROUP_NAME_PATTERN } from '../tenant-access/access-rules';
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

export const tenantSchema = z.strictObject({
  id: z.string().regex(TENANT_ID_PATTERN, `must match ${TENANT_ID_PATTERN.source}: lowercase letters, digits and hyphens, 2–63 characters`),
  displayName: z.string().min(1).max(128),
  saml: samlConfigSchema.optional(),
});

export const backendSchema = z.strictObject({
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  key: z.string().min(1).max(1024),
  region: z.string(),
  encrypt: z.literal(true, { message: 'must be true: state holds secrets' }),
  useLockfile: z.literal(true, { message: 'must be true: S3-native locking (the DynamoDB lock table is deprecated)' }),
});

/**
 * A tier name becomes a user-pool group name and part of a role name (`<prefix>-<env>-tier-<name>`).
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

import { block, blocks, resourcesOf, strings } from '../stack-json';
import { Finding, SecurityRule } from '../types';

const COGNITO_CONTROLS = 'https://docs.aws.amazon.com/securityhub/latest/userguide/cognito-controls.html';

/**
 * The longest tenant attribute we accept: a principal (session) tag value is at most 256 characters.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_know
 */
export const MAX_TENANT_ATTRIBUTE_LENGTH = 256;

/** Longest ID / access token lifetime, in minutes. */
export const MAX_TOKEN_MINUTES = 60;

export const UP1: SecurityRule = {
  id: 'UP1',
  level: 'error',
  description: 'Every app client sets write_attributes explicitly, and no app client can write the tenant attribute.',
  reason:
    'A user with a writable tenant attribute can move into another tenant with UpdateUserAttributes and their own access token. No identity provider maps the attribute (IDP9), so no client needs to write it: only administrators set it.',
  docUrl: 'https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html#user-pool-settings-attribute-permissions-and-scopes',
  fix: 'Set write_attributes on every app client and leave custom:<tenant attribute> out of it (TenantUserPool does).',
  check(stack, ctx) {
    const tenantClaim = `custom:${ctx.tenantAttribute}`;
    const findings: Finding[] = [];
    for (const client of resourcesOf(stack, 'aws_cognito_user_pool_client')) {
      const write = client.config.write_attributes;
      if (!Array.isArray(write)) {
        findings.push({ address: client.address, fix: `set write_attributes explicitly (for example ["email"]); without it the client can write every mutable attribute, ${tenantClaim} included.` });
      } else if (strings(write).includes(tenantClaim)) {
        findings.push({ address: client.address, fix: `remove ${tenantClaim} from write_attributes: only administrators set the tenant attribute.` });
      }
    }
    return findings;
  },
};

export const UP2: SecurityRule = {
  id: 'UP2',
  level: 'error',
  description: `The tenant attribute is declared with a bounded max_length (≤ ${MAX_TENANT_ATTRIBUTE_LENGTH}) and is immutable, unless the environment declares a legacy pool whose attribute was created mutable or enables self sign-up into a tenant (whose trigger must write it after confirmation); self sign-up without a tenant writes no attribute and takes no exception.`,
  reason: 'Custom attributes cannot be changed after the pool exists; a mutable tenant attribute is an attribute someone can change. Only a pool created before the tenant-claim trigger may keep one (Cognito cannot change it).',
  docUrl: 'https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html#user-pool-settings-custom-attributes',
  fix: 'Declare the tenant attribute with mutable = false and max_length ≤ 256; only a pool created before the tenant-claim trigger may set legacyMutableTenantAttribute.',
  check(stack, ctx) {
    const findings: Finding[] = [];
    for (const pool of resourcesOf(stack, 'aws_cognito_user_pool')) {
      const attribute = blocks(pool.config.schema).find((a) => a.name === ctx.tenantAttribute);
      if (!attribute) {
        findings.push({ address: pool.address, fix: `declare the custom attribute "${ctx.tenantAttribute}" (String, max_length ≤ ${MAX_TENANT_ATTRIBUTE_LENGTH}) in schema.` });
        continue;
      }
      const maxLength = Number(block(attribute.string_attribute_constraints)?.max_length);
      if (attribute.attribute_data_type !== 'String' || !Number.isInteger(maxLength) || maxLength < 1 || maxLength > MAX_TENANT_ATTRIBUTE_LENGTH) {
        findings.push({
          address: pool.address,
          fix: `declare "${ctx.tenantAttribute}" as a String with string_attribute_constraints.max_length from 1 to ${MAX_TENANT_ATTRIBUTE_LENGTH} (found type ${JSON.stringify(attribute.attribute_data_type)}, max_length ${JSON.stringify(block(attribute.string_attribute_constraints)?.max_length)}).`,
        });
      }
      // Self sign-up into a tenant is the documented exception: Cognito sets an immutable attribute
      // only at SignUp or AdminCreateUser, so the post confirmation trigger can only write a mutable
      // one. Sign-up without a tenant has no such trigger, so no exception.
      // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SchemaAttributeType.html
      if (!ctx.legacyMutableTenantAttribute && !ctx.selfSignUp && attribute.mutable !== false) {
        findings.push({ address: pool.address, fix: `set mutable = false on "${ctx.tenantAttribute}" (found ${JSON.stringify(attribute.mutable)}); only a pool created mutable before the tenant-claim trigger (legacyMutableTenantAttribute: true) or a pool with self sign-up into a tenant (selfSignUp.enabled and a tenant's selfSignUp block) may have it mutable; self sign-up without a tenant writes no attribute.` });
      }
    }
    return findings;
  },
};

export const UP3: SecurityRule = {
  id: 'UP3',
  level: 'error',
  description: 'User pools in protected environments set deletion_protection = "ACTIVE".',
  reason: 'Deleting a user pool loses every user, irrecoverably (Security Hub Cognito.6).',
  docUrl: `${COGNITO_CONTROLS}#cognito-6`,
  fix: 'Set deletion_protection = "ACTIVE" (protected: true on TenantUserPool).',
  check(stack, ctx) {
    if (!ctx.protected) return [];
    return resourcesOf(stack, 'aws_cognito_user_pool')
      .filter((pool) => pool.config.deletion_protection !== 'ACTIVE')
      .map((pool) => ({ address: pool.address, fix: `set deletion_protection = "ACTIVE" (found ${JSON.stringify(pool.config.deletion_protection)}); pass protected: true to TenantUserPool.` }));
  },
};

export const UP4: SecurityRule = {
  id: 'UP4',
  level: 'warning',
  description: 'User pools enforce threat protection: user_pool_add_ons.advanced_security_mode = "ENFORCED".',
  reason: 'Threat protection blocks compromised-credential and risky sign-ins (Security Hub Cognito.1); it needs the Plus feature plan, a cost decision per environment.',
  docUrl: `${COGNITO_CONTROLS}#cognito-1`,
  fix: 'Set user_pool_tier = "PLUS" and user_pool_add_ons.advanced_security_mode = "ENFORCED", or acknowledge UP4 in the environment config with the cost reason.',
  check(stack) {
    return resourcesOf(stack, 'aws_cognito_user_pool')
      .filter((pool) => block(pool.config.user_pool_add_ons)?.advanced_security_mode !== 'ENFORCED')
      .map((pool) => ({
        address: pool.address,
        fix: 'set user_pool_tier = "PLUS" and user_pool_add_ons.advanced_security_mode = "ENFORCED", or acknowledge UP4 in the environment config with the cost reason.',
      }));
  },
};

export const UP5: SecurityRule = {
  id: 'UP5',
  level: 'error',
  description: 'Password policy: at least 8 characters, lowercase, uppercase, numbers and symbols required, temporary passwords valid ≤ 7 days.',
  reason: 'Security Hub Cognito.3: weak passwords and long-lived temporary passwords invite credential stuffing.',
  docUrl: `${COGNITO_CONTROLS}#cognito-3`,
  fix: 'Require at least 8 characters with lowercase, uppercase, numbers and symbols, and temporary passwords valid ≤ 7 days (TenantUserPool requires 12 and 3 days).',
  check(stack) {
    const findings: Finding[] = [];
    for (const pool of resourcesOf(stack, 'aws_cognito_user_pool')) {
      const policy = block(pool.config.password_policy);
      const problems: string[] = [];
      if (!policy) problems.push('password_policy is missing');
      else {
        const minimum = Number(policy.minimum_length);
        if (!(minimum >= 8)) problems.push(`minimum_length is ${JSON.stringify(policy.minimum_length)}`);
        for (const flag of ['require_lowercase', 'require_uppercase', 'require_numbers', 'require_symbols']) {
          if (policy[flag] !== true) problems.push(`${flag} is ${JSON.stringify(policy[flag])}`);
        }
        const temporary = policy.temporary_password_validity_days;
        if (temporary !== undefined && !(Number(temporary) >= 1 && Number(temporary) <= 7)) problems.push(`temporary_password_validity_days is ${JSON.stringify(temporary)}`);
      }
      if (problems.length > 0) {
        findings.push({ address: pool.address, fix: `require ≥ 8 characters of every class and temporary passwords ≤ 7 days: ${problems.join(', ')}.` });
      }
    }
    return findings;
  },
};

const MINUTES_PER_UNIT: Readonly<Record<string, number>> = { seconds: 1 / 60, minutes: 1, hours: 60, days: 1440 };

/** A token lifetime in minutes; Terraform's default unit is hours, Cognito's default lifetime one hour. */
function tokenMinutes(value: unknown, unit: unknown): number {
  if (value === undefined) return 60;
  const factor = MINUTES_PER_UNIT[typeof unit === 'string' ? unit : 'hours'] ?? NaN;
  return Number(value) * factor;
}

export const UP6: SecurityRule = {
  id: 'UP6',
  level: 'error',
  description:
    'Public app clients have no secret, prevent_user_existence_errors = "ENABLED", token revocation on, no ALLOW_USER_PASSWORD_AUTH, and ID and access tokens valid ≤ 60 minutes.',
  reason: 'A secret in a browser is not a secret; existence errors enumerate users; plain-password auth sends the password; short, revocable tokens limit a stolen token.',
  docUrl: 'https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-client-apps.html',
  fix: 'Use public clients as TenantUserPool builds them: no secret, prevent_user_existence_errors = "ENABLED", token revocation on, SRP instead of ALLOW_USER_PASSWORD_AUTH, ID and access tokens ≤ 60 minutes.',
  check(stack) {
    const findings: Finding[] = [];
    for (const client of resourcesOf(stack, 'aws_cognito_user_pool_client')) {
      const c = client.config;
      const problems: string[] = [];
      // Machine-to-machine clients (client_credentials) are confidential and need their secret.
      const confidential = strings(c.allowed_oauth_flows).includes('client_credentials');
      if (c.generate_secret === true && !confidential) problems.push('set generate_secret = false (a browser cannot keep a secret)');
      if (c.prevent_user_existence_errors !== 'ENABLED') problems.push(`set prevent_user_existence_errors = "ENABLED" (found ${JSON.stringify(c.prevent_user_existence_errors)})`);
      if (c.enable_token_revocation === false) problems.push('set enable_token_revocation = true');
      const password = strings(c.explicit_auth_flows).filter((f) => f === 'ALLOW_USER_PASSWORD_AUTH' || f === 'USER_PASSWORD_AUTH');
      if (password.length > 0) problems.push(`remove ${password.join(', ')} from explicit_auth_flows (use SRP)`);
      const units = block(c.token_validity_units);
      for (const [token, attribute] of [
        ['id_token', 'id_token_validity'],
        ['access_token', 'access_token_validity'],
      ] as const) {
        const minutes = tokenMinutes(c[attribute], units?.[token]);
        if (!(minutes <= MAX_TOKEN_MINUTES)) problems.push(`set ${attribute} ≤ ${MAX_TOKEN_MINUTES} minutes (found ${JSON.stringify(c[attribute])} ${JSON.stringify(units?.[token] ?? 'hours')})`);
      }
      if (problems.length > 0) findings.push({ address: client.address, fix: `${problems.join('; ')}.` });
    }
    return findings;
  },
};

export const UP7: SecurityRule = {
  id: 'UP7',
  level: 'error',
  description: 'Cognito groups of a user pool have unique precedences, and every group with a role sets one.',
  reason: 'With equal precedence, cognito:preferred_role is unset and identity-pool role resolution becomes ambiguous.',
  docUrl: 'https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-user-groups.html',
  fix: 'Give every group a precedence of its own, and one to every group that has a role.',
  check(stack) {
    const findings: Finding[] = [];
    const seen = new Map<string, string>();
    for (const group of resourcesOf(stack, 'aws_cognito_user_group')) {
      const pool = JSON.stringify(group.config.user_pool_id);
      const precedence = group.config.precedence;
      if (precedence === undefined || precedence === null) {
        if (group.config.role_arn !== undefined) findings.push({ address: group.address, fix: 'set a precedence unique in the user pool: the group carries a role.' });
        continue;
      }
      const key = `${pool} ${Number(precedence)}`;
      const first = seen.get(key);
      if (first) findings.push({ address: group.address, fix: `choose a precedence other than ${JSON.stringify(precedence)}, which ${first} already has.` });
      else seen.set(key, group.address);
    }
    return findings;
  },
};

export const USER_POOL_RULES: readonly SecurityRule[] = [UP1, UP2, UP3, UP4, UP5, UP6, UP7];

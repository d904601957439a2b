import { COGNITO_IDENTITY, conditionEntries, endUserRoles, grantsAction, REQUIRED_TAG_GUARD_PATTERNS, reservedTagValues, Statement, trustsCognitoIdentity } from '../policy';
import { attachedTo, block, blocks, isObject, pointsAt, resourceAt, resourcesOf, soleReference, StackJson, StackResource, strings, templateParts } from '../stack-json';
import { PRINCIPAL_TAG_LIMITS, validatePrincipalTags } from '../../identity-pool/identity-pool';
import { Finding, SecurityRule } from '../types';
import { quotaFindings } from './quota';

const COGNITO_CONTROLS = 'https://docs.aws.amazon.com/securityhub/latest/userguide/cognito-controls.html';

/** Cognito allows at most 25 rules per identity provider in a role mapping. https://docs.aws.amazon.com/cognito/latest/developerguide/role-based-access-control.html */
const MAPPING_RULES_PER_PROVIDER = 25;

/** Roles attached as `unauthenticated` to an identity pool. */
function guestRoleAddresses(stack: StackJson): Set<string> {
  const out = new Set<string>();
  for (const attachment of resourcesOf(stack, 'aws_cognito_identity_pool_roles_attachment')) {
    const roles = attachment.config.roles;
    if (isObject(roles)) {
      const ref = soleReference(roles.unauthenticated);
      if (ref) out.add(ref.address);
    }
  }
  return out;
}

/** The Cognito trust statements of every role end users can receive. */
function cognitoTrust(stack: StackJson): { role: StackResource; statement: Statement }[] {
  return endUserRoles(stack).flatMap(({ role, trust }) =>
    (trust?.statements ?? []).filter((s) => s.effect === 'Allow' && trustsCognitoIdentity(s)).map((statement) => ({ role, statement })),
  );
}

export const IDP1: SecurityRule = {
  id: 'IDP1',
  level: 'error',
  description: 'Identity pools allow no unauthenticated (guest) identities and attach no unauthenticated role, unless guest access is deliberately configured.',
  reason: 'A guest identity gets AWS credentials without signing in; every upload path must belong to an authenticated tenant user (Security Hub Cognito.2).',
  docUrl: `${COGNITO_CONTROLS}#cognito-2`,
  fix: 'Build the pool with IdentityPool (it sets allow_unauthenticated_identities = false and attaches only an authenticated role), or set allowGuestAccess in the rule context when guests are intended.',
  check(stack, ctx) {
    if (ctx.allowGuestAccess) return [];
    const findings: Finding[] = [];
    for (const pool of resourcesOf(stack, 'aws_cognito_identity_pool')) {
      if (pool.config.allow_unauthenticated_identities === true) {
        findings.push({ address: pool.address, fix: 'set allow_unauthenticated_identities = false (the IdentityPool construct never turns it on).' });
      }
    }
    for (const attachment of resourcesOf(stack, 'aws_cognito_identity_pool_roles_attachment')) {
      const roles = attachment.config.roles;
      if (isObject(roles) && roles.unauthenticated !== undefined) {
        findings.push({ address: attachment.address, fix: `remove roles.unauthenticated (${JSON.stringify(roles.unauthenticated)}); attach only an authenticated role.` });
      }
    }
    return findings;
  },
};

export const IDP2: SecurityRule = {
  id: 'IDP2',
  level: 'error',
  description: 'Identity pools turn the basic (classic) authentication flow off: allow_classic_flow = false.',
  reason: 'The basic flow lets a client call AssumeRoleWithWebIdentity on any role that trusts the pool; the enhanced flow only hands out the roles that are attached.',
  docUrl: 'https://docs.aws.amazon.com/cognito/latest/developerguide/authentication-flow.html',
  fix: 'Set allow_classic_flow = false (IdentityPool does): only the enhanced flow applies the role mappings and principal tags.',
  check(stack) {
    return resourcesOf(stack, 'aws_cognito_identity_pool')
      .filter((pool) => pool.config.allow_classic_flow === true)
      .map((pool) => ({ address: pool.address, fix: 'set allow_classic_flow = false; use the enhanced flow (GetCredentialsForIdentity).' }));
  },
};

export const IDP3: SecurityRule = {
  id: 'IDP3',
  level: 'error',
  description: 'Every cognito_identity_providers entry of an identity pool sets server_side_token_check = true.',
  reason: 'With the check on, the identity pool rejects tokens of users who were signed out globally or deleted.',
  docUrl: 'https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_CognitoIdentityProvider.html',
  fix: 'Set server_side_token_check = true on every cognito_identity_providers entry (IdentityPool does).',
  check(stack) {
    const findings: Finding[] = [];
    for (const pool of resourcesOf(stack, 'aws_cognito_identity_pool')) {
      blocks(pool.config.cognito_identity_providers).forEach((provider, i) => {
        if (provider.server_side_token_check !== true) {
          findings.push({
            address: pool.address,
            fix: `set cognito_identity_providers[${i}].server_side_token_check = true (client ${JSON.stringify(provider.client_id)}).`,
          });
        }
      });
    }
    return findings;
  },
};

export const IDP4: SecurityRule = {
  id: 'IDP4',
  level: 'error',
  description:
    'Every role that trusts cognito-identity.amazonaws.com requires StringEquals cognito-identity.amazonaws.com:aud = this stack\'s identity pool id (a reference) and ForAnyValue:StringLike cognito-identity.amazonaws.com:amr = "authenticated".',
  reason: 'Confused-deputy protection: without aud, identities of any identity pool could assume the role; without amr, guests could.',
  docUrl: 'https://docs.aws.amazon.com/cognito/latest/developerguide/identity-pools-security-best-practices.html',
  fix: 'Add both conditions to the trust policy: StringEquals cognito-identity.amazonaws.com:aud = ${aws_cognito_identity_pool.<pool>.id} and ForAnyValue:StringLike cognito-identity.amazonaws.com:amr = "authenticated" (TenantAccess writes them).',
  check(stack, ctx) {
    const findings: Finding[] = [];
    const guestRoles = ctx.allowGuestAccess ? guestRoleAddresses(stack) : new Set<string>();
    for (const { role, statement } of cognitoTrust(stack)) {
      const aud = conditionEntries(statement, `${COGNITO_IDENTITY}:aud`);
      const audOk =
        aud.length === 1 &&
        aud[0]!.operator === 'StringEquals' &&
        aud[0]!.values.length > 0 &&
        aud[0]!.values.every((value) => {
          const ref = soleReference(value);
          return ref !== undefined && ref.attribute === 'id' && resourceAt(stack, ref.address)?.type === 'aws_cognito_identity_pool';
        });
      if (!audOk) {
        findings.push({
          address: role.address,
          fix: `in the trust policy ${statement.label}, require "StringEquals": { "${COGNITO_IDENTITY}:aud": "\${aws_cognito_identity_pool.<pool>.id}" } (found ${JSON.stringify(aud)}).`,
        });
      }
      const expected = guestRoles.has(role.address) ? 'unauthenticated' : 'authenticated';
      const amr = conditionEntries(statement, `${COGNITO_IDENTITY}:amr`);
      const amrOk = amr.length === 1 && amr[0]!.operator === 'ForAnyValue:StringLike' && amr[0]!.values.length === 1 && amr[0]!.values[0] === expected;
      if (!amrOk) {
        findings.push({
          address: role.address,
          fix: `in the trust policy ${statement.label}, require "ForAnyValue:StringLike": { "${COGNITO_IDENTITY}:amr": "${expected}" } (found ${JSON.stringify(amr)}).`,
        });
      }
    }
    return findings;
  },
};

export const IDP5: SecurityRule = {
  id: 'IDP5',
  level: 'error',
  description: 'Roles that trust cognito-identity.amazonaws.com allow exactly sts:AssumeRoleWithWebIdentity and sts:TagSession.',
  reason: 'The identity pool needs sts:TagSession to attach the tenant principal tag; any other trusted action widens who can get the role.',
  docUrl: 'https://docs.aws.amazon.com/cognito/latest/developerguide/attributes-for-access-control.html',
  fix: 'Allow exactly sts:AssumeRoleWithWebIdentity and sts:TagSession in the trust policy, nothing else.',
  check(stack) {
    const wanted = ['sts:assumerolewithwebidentity', 'sts:tagsession'];
    const findings: Finding[] = [];
    for (const { role, statement } of cognitoTrust(stack)) {
      const actions = [...new Set(statement.actions.map((a) => a.toLowerCase()))].sort();
      if (statement.notActions || actions.length !== wanted.length || !wanted.every((a) => actions.includes(a))) {
        findings.push({
          address: role.address,
          fix: `make the trust policy ${statement.label} allow exactly ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"] (found ${JSON.stringify(statement.notActions ? { NotAction: statement.notActions } : statement.actions)}).`,
        });
      }
    }
    return findings;
  },
};

/** `custom:<name>` attributes declared by the user pools of the stack: claims the ID token carries. */
function customClaims(stack: StackJson): Set<string> {
  const claims = new Set<string>();
  for (const pool of resourcesOf(stack, 'aws_cognito_user_pool')) {
    for (const attribute of blocks(pool.config.schema)) {
      if (typeof attribute.name === 'string') claims.add(`custom:${attribute.name}`);
    }
  }
  return claims;
}

export const IDP6: SecurityRule = {
  id: 'IDP6',
  level: 'error',
  description: 'Each identity pool with user-pool providers has a principal-tag mapping with use_defaults = false that maps the tenant tag from the custom:<tenant attribute> ID-token claim.',
  reason: 'The default mapping covers only aud and sub, so the tenant tag would be missing; the ID token carries user attributes, the access token does not.',
  docUrl: 'https://docs.aws.amazon.com/cognito/latest/developerguide/attributes-for-access-control.html',
  fix: 'Add aws_cognito_identity_pool_provider_principal_tag with use_defaults = false mapping the tenant tag from custom:<tenant attribute> (IdentityPool with principalTags does).',
  check(stack, ctx) {
    const findings: Finding[] = [];
    const claims = customClaims(stack);
    const expectedClaim = `custom:${ctx.tenantAttribute}`;
    const tagResources = resourcesOf(stack, 'aws_cognito_identity_pool_provider_principal_tag');
    for (const pool of resourcesOf(stack, 'aws_cognito_identity_pool')) {
      if (blocks(pool.config.cognito_identity_providers).length === 0) continue;
      const mine = tagResources.filter((t) => soleReference(t.config.identity_pool_id)?.address === pool.address);
      if (mine.length === 0) {
        findings.push({ address: pool.address, fix: `add an aws_cognito_identity_pool_provider_principal_tag for this pool mapping "${ctx.tenantAttribute}" to "${expectedClaim}".` });
      }
    }
    for (const tags of tagResources) {
      if (tags.config.use_defaults !== false) {
        findings.push({ address: tags.address, fix: `set use_defaults = false (found ${JSON.stringify(tags.config.use_defaults)}).` });
      }
      const mapping = isObject(tags.config.principal_tags) ? tags.config.principal_tags : {};
      const claim = mapping[ctx.tenantAttribute];
      if (claim !== expectedClaim || !claims.has(expectedClaim)) {
        findings.push({
          address: tags.address,
          fix: `map principal_tags.${ctx.tenantAttribute} = "${expectedClaim}", a custom attribute the user pool declares (found ${JSON.stringify(claim)}).`,
        });
      }
    }
    return findings;
  },
};

export const IDP7: SecurityRule = {
  id: 'IDP7',
  level: 'error',
  description: 'Every role_mapping of an identity pool roles attachment sets ambiguous_role_resolution = "Deny".',
  reason: 'With AuthenticatedRole, a token that matches no rule (or an ambiguous one) silently falls back to the broader default role.',
  docUrl: 'https://docs.aws.amazon.com/cognito/latest/developerguide/role-based-access-control.html',
  fix: 'Set ambiguous_role_resolution = "Deny" on every role_mapping.',
  check(stack) {
    const findings: Finding[] = [];
    for (const attachment of resourcesOf(stack, 'aws_cognito_identity_pool_roles_attachment')) {
      blocks(attachment.config.role_mapping).forEach((mapping, i) => {
        if (mapping.ambiguous_role_resolution !== 'Deny') {
          findings.push({
            address: attachment.address,
            fix: `set role_mapping[${i}].ambiguous_role_resolution = "Deny" for ${JSON.stringify(mapping.identity_provider)} (found ${JSON.stringify(mapping.ambiguous_role_resolution)}).`,
          });
        }
      });
    }
    return findings;
  },
};

export const IDP8: SecurityRule = {
  id: 'IDP8',
  level: 'error',
  description: `Principal-tag mappings stay within Cognito's limits (≤ ${PRINCIPAL_TAG_LIMITS.maxTags} tags, keys ≤ ${PRINCIPAL_TAG_LIMITS.maxKeyLength} characters, claims ≤ ${PRINCIPAL_TAG_LIMITS.maxClaimLength}, all claims ≤ ${PRINCIPAL_TAG_LIMITS.maxTotalClaimBytes} bytes) and role mappings have ≤ ${MAPPING_RULES_PER_PROVIDER} rules per provider.`,
  reason: 'Cognito rejects these at sign-in, not at deploy; synth is the place to fail.',
  docUrl: 'https://docs.aws.amazon.com/cognito/latest/developerguide/attributes-for-access-control.html',
  fix: 'Map fewer or shorter principal tags, or split role-mapping rules across providers, to stay within Cognito\'s limits.',
  check(stack, ctx) {
    const findings: Finding[] = [];
    // The same check IdentityPool runs on its props, here on what was synthesized; the claim bytes
    // (a quota an environment may tighten) and the mapping rules are counted by the quota budget.
    for (const tags of resourcesOf(stack, 'aws_cognito_identity_pool_provider_principal_tag')) {
      const mapping = Object.fromEntries(
        Object.entries(isObject(tags.config.principal_tags) ? tags.config.principal_tags : {}).map(([key, claim]) => [key, strings(claim).join('')]),
      );
      for (const problem of validatePrincipalTags(mapping)) {
        if (!/ bytes; /.test(problem)) findings.push({ address: tags.address, fix: `${problem} Map fewer or shorter claims.` });
      }
    }
    return [...findings, ...quotaFindings(stack, ctx, 'IDP8')];
  },
};

/** The ID-token claims the principal-tag mappings turn into the tenant tag (`custom:<attribute>` when none is mapped yet). */
function tenantTagClaims(stack: StackJson, tenantAttribute: string): Set<string> {
  const claims = new Set<string>();
  for (const tags of resourcesOf(stack, 'aws_cognito_identity_pool_provider_principal_tag')) {
    const mapping = isObject(tags.config.principal_tags) ? tags.config.principal_tags : {};
    const claim = mapping[tenantAttribute];
    if (typeof claim === 'string') claims.add(claim);
  }
  if (claims.size === 0) claims.add(`custom:${tenantAttribute}`);
  return claims;
}

export const IDP9: SecurityRule = {
  id: 'IDP9',
  level: 'error',
  description: 'No identity provider\'s attribute_mapping writes the claim that the principal-tag mapping turns into the tenant tag.',
  reason: 'An IdP administered by one tenant could assert any other tenant\'s id; the tenant must come from which provider authenticated the user (the tenant-claim trigger), not from what it asserts.',
  docUrl: 'https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-specifying-attribute-mapping.html',
  fix: 'Remove the tenant claim from every identity provider\'s attribute_mapping: map only email; the tenant-claim trigger sets the claim.',
  check(stack, ctx) {
    const claims = tenantTagClaims(stack, ctx.tenantAttribute);
    return resourcesOf(stack, 'aws_cognito_identity_provider').flatMap((idp) => {
      const mapping = isObject(idp.config.attribute_mapping) ? idp.config.attribute_mapping : {};
      return Object.keys(mapping)
        .filter((key) => claims.has(key))
        .map((key) => ({ address: idp.address, fix: `remove "${key}" from attribute_mapping (mapped from ${JSON.stringify(mapping[key])}): the tenant-claim trigger sets it from the provider's binding.` }));
    });
  },
};

/** The Lambda function a user pool's pre-token-generation trigger names, if it is one of this stack. */
/**
 * A finding unless an `aws_lambda_permission` lets exactly this pool (by `source_arn`) invoke the
 * trigger function: without `source_arn`, any user pool could run it.
 */
function invocationOnlyByPool(stack: StackJson, fn: StackResource, pool: StackResource): Finding | undefined {
  const permitted = resourcesOf(stack, 'aws_lambda_permission').some(
    (permission) =>
      pointsAt(permission.config.function_name, fn, 'function_name') &&
      permission.config.principal === 'cognito-idp.amazonaws.com' &&
      permission.config.action === 'lambda:InvokeFunction' &&
      soleReference(permission.config.source_arn)?.address === pool.address,
  );
  return permitted
    ? undefined
    : { address: fn.address, fix: `add an aws_lambda_permission for cognito-idp.amazonaws.com to lambda:InvokeFunction this function with source_arn = \${${pool.address}.arn}.` };
}

function preTokenFunction(stack: StackJson, pool: StackResource): StackResource | undefined {
  const config = block(pool.config.lambda_config);
  const arn = block(config?.pre_token_generation_config)?.lambda_arn ?? config?.pre_token_generation;
  const ref = soleReference(arn);
  const target = ref ? resourceAt(stack, ref.address) : undefined;
  return target?.type === 'aws_lambda_function' ? target : undefined;
}

export const IDP10: SecurityRule = {
  id: 'IDP10',
  level: 'error',
  description:
    'A user pool with any federated identity provider has a pre-token-generation trigger: a Lambda function of this stack (the tenant-claim trigger, which binds provider → tenant from the config), invocable by cognito-idp.amazonaws.com only with source_arn = this pool.',
  reason: 'The trigger is the one place where the claim IAM trusts is made; without it a federated user gets whatever claim the token carries. An invoke permission without source_arn lets any user pool run it.',
  docUrl: 'https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html',
  fix: 'Wire the tenant-claim trigger: TenantClaimTrigger\'s functionArn into the pool\'s pre_token_generation_config (lambda_version V1_0) and allowInvocationBy(pool ARN) (UploadPlatformStack does).',
  check(stack) {
    const findings: Finding[] = [];
    for (const pool of resourcesOf(stack, 'aws_cognito_user_pool')) {
      if (attachedTo(stack, 'aws_cognito_identity_provider', 'user_pool_id', pool).length === 0) continue;
      const fn = preTokenFunction(stack, pool);
      if (!fn) {
        findings.push({ address: pool.address, fix: 'set lambda_config.pre_token_generation_config { lambda_arn = <the TenantClaimTrigger function arn>, lambda_version = "V1_0" }: federated users need their tenant bound to their provider.' });
        continue;
      }
      const unpermitted = invocationOnlyByPool(stack, fn, pool);
      if (unpermitted) findings.push(unpermitted);
    }
    return findings;
  },
};

export const IDP11: SecurityRule = {
  id: 'IDP11',
  level: 'error',
  description:
    'Trust policies of end-user roles Deny sts:TagSession for any tag key but the tenant tag (aws:TagKeys), for an empty or malformed tenant tag value (containing "/", ":", "*" or "?"), and for a value naming a fixed folder of the role\'s grants (aws:RequestTag).',
  reason: 'Defence in depth if a claim is ever wrong: a session whose tag could cross the tenant boundary is never created.',
  docUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required',
  fix: 'Add the TagSession denies to the trust policy (TenantAccess writes them): a tag key other than the tenant tag, an empty or malformed value, a value naming a fixed folder.',
  check(stack, ctx) {
    const findings: Finding[] = [];
    const requestTag = `aws:RequestTag/${ctx.tenantAttribute}`;
    for (const role of endUserRoles(stack)) {
      const denies = (role.trust?.statements ?? []).filter(
        (st) => st.effect === 'Deny' && !st.notActions && grantsAction(st, 'sts:TagSession') && (st.principal === '*' || trustsCognitoIdentity(st)) && Object.keys(st.conditions).length === 1,
      );
      const at = (fix: string) => findings.push({ address: role.role.address, fix });
      const keysDenied = denies.some((st) =>
        conditionEntries(st, 'aws:TagKeys').some(
          (e) => /^ForAnyValue:StringNotEquals(IgnoreCase)?$/.test(e.operator) && e.values.length === 1 && e.values[0]?.toLowerCase() === ctx.tenantAttribute.toLowerCase(),
        ),
      );
      if (!keysDenied) at(`add a trust statement Deny sts:TagSession with "ForAnyValue:StringNotEquals": { "aws:TagKeys": ["${ctx.tenantAttribute}"] }.`);
      const likes = denies.flatMap((st) => conditionEntries(st, requestTag).filter((e) => e.operator === 'StringLike').flatMap((e) => e.values));
      const missing = ['', ...REQUIRED_TAG_GUARD_PATTERNS].filter((pattern) => !likes.includes(pattern));
      if (missing.length > 0) at(`add a trust statement Deny sts:TagSession with "StringLike": { "${requestTag}": [${missing.map((m) => JSON.stringify(m)).join(', ')}, ...] }.`);
      const equals = denies.flatMap((st) =>
        conditionEntries(st, requestTag)
          .filter((e) => e.operator === 'StringEqualsIgnoreCase' || e.operator === 'StringEquals')
          .flatMap((e) => e.values.map((v) => (e.operator === 'StringEquals' ? v : v.toLowerCase()))),
      );
      const unreserved = reservedTagValues(role, ctx.tenantAttribute).filter((value) => !equals.includes(value) && !equals.includes(value.toLowerCase()));
      if (unreserved.length > 0) at(`add a trust statement Deny sts:TagSession with "StringEqualsIgnoreCase": { "${requestTag}": ${JSON.stringify(unreserved)} }: they name fixed folders of the role's grants.`);
    }
    return findings;
  },
};

/** provider_details keys that hold a secret (Google/Facebook/Amazon/OIDC client secret, Apple private key). */
export const IDP_SECRET_KEYS: readonly string[] = ['client_secret', 'private_key'];

/**
 * Why `value` is not a reference to a secret store, or undefined when it is one: exactly one
 * interpolation of an SSM parameter read with decryption, a Secrets Manager secret version (or a key
 * of its JSON), or a sensitive Terraform variable.
 */
function secretReferenceProblem(stack: StackJson, value: unknown): string | undefined {
  if (typeof value !== 'string') return 'is not a string';
  const parts = templateParts(value);
  const [part] = parts;
  if (parts.length !== 1 || part?.kind !== 'interpolation') return 'is written in the JSON (a literal, or text around a reference)';
  const expression = part.expression;
  const ssm = /^data\.aws_ssm_parameter\.([\w-]+)\.value$/.exec(expression);
  if (ssm) {
    return block(stack.data?.aws_ssm_parameter?.[ssm[1]!])?.with_decryption === true ? undefined : `reads data.aws_ssm_parameter.${ssm[1]} without with_decryption = true`;
  }
  const secret = /^(?:jsondecode\()?data\.aws_secretsmanager_secret_version\.([\w-]+)\.secret_string(?:\)\.[A-Za-z_]\w*)?$/.exec(expression);
  if (secret) return stack.data?.aws_secretsmanager_secret_version?.[secret[1]!] ? undefined : `names data.aws_secretsmanager_secret_version.${secret[1]}, which the stack does not declare`;
  const variable = /^var\.([A-Za-z_][\w-]*)$/.exec(expression);
  if (variable) {
    const declared = block((stack.variable as Record<string, unknown> | undefined)?.[variable[1]!]);
    return declared?.sensitive === true ? undefined : `reads var.${variable[1]}, which is not declared with sensitive = true`;
  }
  return `is ${JSON.stringify('${' + expression + '}')}, not a reference to an SSM parameter, a Secrets Manager secret or a sensitive variable`;
}

export const IDP12: SecurityRule = {
  id: 'IDP12',
  level: 'error',
  description:
    "An identity provider's secret (provider_details client_secret or private_key) is a reference to an SSM parameter read with decryption, a Secrets Manager secret version or a sensitive Terraform variable, never text in the synthesized JSON.",
  reason:
    'The synthesized JSON is committed, reviewed, uploaded as a CI artifact and printed in plans; a Google client secret or Apple private key in it lets anyone impersonate the app to the IdP. A reference keeps the value in a secret store, and Terraform shows it as (sensitive value).',
  docUrl: 'https://developer.hashicorp.com/terraform/language/values/variables#suppressing-values-in-cli-output',
  fix: 'Name the secret in the environment config as { "ssmParameter": … }, { "secretsManagerSecret": … } or { "terraformVariable": … } (SocialIdentityProviders reads it with a data source or a sensitive variable).',
  check(stack) {
    return resourcesOf(stack, 'aws_cognito_identity_provider').flatMap((idp) => {
      const details = isObject(idp.config.provider_details) ? idp.config.provider_details : {};
      return IDP_SECRET_KEYS.filter((key) => Object.hasOwn(details, key)).flatMap((key) => {
        const problem = secretReferenceProblem(stack, details[key]);
        return problem === undefined ? [] : [{ address: idp.address, fix: `provider_details.${key} ${problem}: read it from an SSM SecureString parameter (with_decryption = true), a Secrets Manager secret or a sensitive variable.` }];
      });
    });
  },
};

/** Social provider types whose users the account-linking trigger may link by e-mail. */
const LINKABLE_PROVIDER_TYPES: readonly string[] = ['Google', 'SignInWithApple'];

export const IDP13: SecurityRule = {
  id: 'IDP13',
  level: 'error',
  description:
    'A user pool with Google or Apple sign-in trusts only verified e-mail: each such provider maps email_verified from the IdP, e-mail changes need verification first (attributes_require_verification_before_update), and a pre-sign-up trigger is a Lambda function of this stack invocable by this pool only.',
  reason:
    'Account linking joins a social identity to the user with the same e-mail. Without the IdP\'s email_verified every mapped e-mail is unverified (or, mapped from elsewhere, forged); a native user who could change their e-mail without verifying it could take over the address of someone who later signs in with Google; and a pre-sign-up function any pool can invoke would link on another pool\'s say-so.',
  docUrl: 'https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-specifying-attribute-mapping.html',
  fix: 'Map email_verified = "email_verified" on Google and SignInWithApple providers (SocialIdentityProviders does), keep user_attribute_update_settings { attributes_require_verification_before_update = ["email"] } (TenantUserPool does), and wire the account-linking trigger with allowInvocationBy(pool ARN).',
  check(stack) {
    const findings: Finding[] = [];
    for (const pool of resourcesOf(stack, 'aws_cognito_user_pool')) {
      const social = attachedTo(stack, 'aws_cognito_identity_provider', 'user_pool_id', pool).filter((idp) => LINKABLE_PROVIDER_TYPES.includes(String(idp.config.provider_type)));
      if (social.length === 0) continue;
      for (const idp of social) {
        const mapping = isObject(idp.config.attribute_mapping) ? idp.config.attribute_mapping : {};
        if (mapping.email_verified !== 'email_verified') {
          findings.push({ address: idp.address, fix: `map email_verified = "email_verified" (found ${JSON.stringify(mapping.email_verified)}): linking trusts only an e-mail the IdP says it verified.` });
        }
      }
      const settings = blocks(pool.config.user_attribute_update_settings);
      if (!settings.some((s) => strings(s.attributes_require_verification_before_update).includes('email'))) {
        findings.push({ address: pool.address, fix: 'set user_attribute_update_settings { attributes_require_verification_before_update = ["email"] }: a native user must not hold an e-mail they have not verified.' });
      }
      const preSignUp = block(pool.config.lambda_config)?.pre_sign_up;
      if (preSignUp === undefined) continue;
      const ref = soleReference(preSignUp);
      const fn = ref ? resourceAt(stack, ref.address) : undefined;
      if (fn?.type !== 'aws_lambda_function') {
        findings.push({ address: pool.address, fix: 'lambda_config.pre_sign_up must name a Lambda function of this stack (the AccountLinkingTrigger): a function elsewhere is not reviewed with the pool.' });
        continue;
      }
      const unpermitted = invocationOnlyByPool(stack, fn, pool);
      if (unpermitted) findings.push(unpermitted);
    }
    return findings;
  },
};

export const IDENTITY_POOL_RULES: readonly SecurityRule[] = [IDP1, IDP2, IDP3, IDP4, IDP5, IDP6, IDP7, IDP8, IDP9, IDP10, IDP11, IDP12, IDP13];

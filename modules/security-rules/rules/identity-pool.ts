import { COGNITO_IDENTITY, conditionEntries, endUserRoles, Statement, trustsCognitoIdentity } from '../policy';
import { blocks, isObject, resourceAt, resourcesOf, soleReference, StackJson, StackResource, strings } from '../stack-json';
import { PRINCIPAL_TAG_LIMITS, validatePrincipalTags } from '../../identity-pool/identity-pool';
import { Finding, SecurityRule } from '../types';

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
  check(stack, ctx) {
    const findings: Finding[] = [];
    const guestRoles = ctx.allowGuestAccess ? guestRoleAddresses(stack) : new Set<string>();
    for (const { role, statement } of cognitoTrust(stack)) {
      const aud = conditionEntries(statement, `${COGNITO_IDENTITY}:aud`);
      const audOk =
        aud.length === 1 &&
        aud[0].operator === 'StringEquals' &&
        aud[0].values.length > 0 &&
        aud[0].values.every((value) => {
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
      const amrOk = amr.length === 1 && amr[0].operator === 'ForAnyValue:StringLike' && amr[0].values.length === 1 && amr[0].values[0] === expected;
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
  check(stack) {
    const findings: Finding[] = [];
    // The same check IdentityPool runs on its props, here on what was synthesized.
    for (const tags of resourcesOf(stack, 'aws_cognito_identity_pool_provider_principal_tag')) {
      const mapping = Object.fromEntries(
        Object.entries(isObject(tags.config.principal_tags) ? tags.config.principal_tags : {}).map(([key, claim]) => [key, strings(claim).join('')]),
      );
      for (const problem of validatePrincipalTags(mapping)) findings.push({ address: tags.address, fix: `${problem} Map fewer or shorter claims.` });
    }
    for (const attachment of resourcesOf(stack, 'aws_cognito_identity_pool_roles_attachment')) {
      blocks(attachment.config.role_mapping).forEach((mapping, i) => {
        const rules = blocks(mapping.mapping_rule).length;
        if (rules > MAPPING_RULES_PER_PROVIDER) {
          findings.push({ address: attachment.address, fix: `role_mapping[${i}] has ${rules} mapping rules; Cognito allows ${MAPPING_RULES_PER_PROVIDER} per provider: use principal tags instead of per-tenant roles.` });
        }
      });
    }
    return findings;
  },
};

export const IDENTITY_POOL_RULES: readonly SecurityRule[] = [IDP1, IDP2, IDP3, IDP4, IDP5, IDP6, IDP7, IDP8];

import {
  boundTenantIds,
  conditionEntries,
  conditionKeyCount,
  EndUserRole,
  endUserRoles,
  grantsAction,
  IDENTITY_VARIABLE,
  identityStatements,
  LocatedPolicy,
  parseS3Resource,
  policiesIn,
  REQUIRED_TAG_GUARD_PATTERNS,
  reservedTagValues,
  Statement,
  tenantVariable,
  unconfinedKeyReason,
  wildcardMatch,
} from '../policy';
import { allResources, forEachString, isObject, resourcesOf, templateParts } from '../stack-json';
import { Finding, SecurityRule } from '../types';
import { QUOTAS } from '../../quota-budget/quota-budget';
import { quotaFindings } from './quota';

/** IAM quotas' AWS defaults, in characters without whitespace: the quota budget's (one source). https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html */
export const IAM_QUOTAS = {
  roles: QUOTAS.iamRolesPerAccount.default,
  trustPolicy: QUOTAS.trustPolicyChars.default,
  managedPolicy: QUOTAS.managedPolicyChars.default,
  inlinePoliciesPerRole: QUOTAS.inlinePolicyCharsPerRole.default,
} as const;

/** Where a statement's findings point: the policy that holds it. */
function policyAddress(role: EndUserRole): string {
  return role.policies[0]?.address ?? role.role.address;
}

function allowStatements(role: EndUserRole): { policy: LocatedPolicy; statement: Statement }[] {
  return identityStatements(role).filter(({ statement }) => statement.effect === 'Allow');
}

/**
 * An unescaped IAM policy variable: an interpolation Terraform would try to evaluate, such as
 * `${aws:PrincipalTag/x}` or `${*}`. A Terraform expression never starts with `name:`.
 */
function isIamVariableExpression(expression: string): boolean {
  return /^[A-Za-z][\w.-]*:/.test(expression) || ['*', '?', '$'].includes(expression);
}

export const IAM1: SecurityRule = {
  id: 'IAM1',
  level: 'error',
  description: 'IAM policy variables reach Terraform escaped ($${aws:...}, $${cognito-identity.amazonaws.com:sub}); no unescaped ${aws:...} or ${cognito-identity...} remains.',
  reason: 'Terraform evaluates every unescaped ${...} itself: the plan fails, or the variable is replaced before IAM ever sees it.',
  docUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html',
  fix: 'Build policies with policyDocument and renderPolicy (modules/iam-policy), which write $${...}; never put an IAM variable into a Terraform string by hand.',
  check(stack) {
    const findings: Finding[] = [];
    const scan = (address: string, value: unknown) => {
      const found = new Set<string>();
      forEachString(value, (text) => {
        for (const part of templateParts(text)) {
          if (part.kind === 'interpolation' && isIamVariableExpression(part.expression)) found.add('${' + part.expression + '}');
        }
      });
      if (found.size > 0) {
        findings.push({ address, fix: `escape ${[...found].join(', ')} as $\${...}: build the document with iamVariable() and renderPolicy(), which escape once.` });
      }
    };
    for (const resource of allResources(stack)) scan(resource.address, resource.config);
    for (const [type, byName] of Object.entries(stack.data ?? {})) {
      for (const [name, config] of Object.entries(byName ?? {})) if (!name.startsWith('//')) scan(`data.${type}.${name}`, config);
    }
    for (const [name, output] of Object.entries(stack.output ?? {})) scan(`output.${name}`, output);
    if (isObject(stack.locals)) scan('locals', stack.locals);
    return findings;
  },
};

export const IAM2: SecurityRule = {
  id: 'IAM2',
  level: 'error',
  description: 'Every policy document in the stack is JSON with "Version": "2012-10-17".',
  reason: 'Without that version IAM treats ${...} policy variables as literal text, so a tenant-scoped grant silently matches nothing (or the wrong thing).',
  docUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html',
  fix: 'Write policies with "Version": "2012-10-17" (policyDocument does), as JSON.',
  check(stack) {
    return policiesIn(stack).flatMap((policy): Finding[] => {
      if (policy.error) return [{ address: policy.address, fix: `${policy.attribute} ${policy.error}: write it as a JSON policy document (renderPolicy).` }];
      if (policy.document?.version !== '2012-10-17') {
        return [{ address: policy.address, fix: `set "Version": "2012-10-17" in ${policy.attribute} (found ${JSON.stringify(policy.document?.version)}).` }];
      }
      return [];
    });
  },
};

/** Bucket-level actions that list keys and honour `s3:prefix`. */
const LIST_ACTIONS = ['s3:ListBucket', 's3:ListBucketVersions'];
/** Representative S3 actions: a statement granting any of these on `*` grants end users S3 everywhere. */
const S3_PROBES = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'];

export const IAM3: SecurityRule = {
  id: 'IAM3',
  level: 'error',
  description:
    'End-user S3 grants are confined to a tenant or identity folder: object ARNs end in /<variable>/* (with the slash), s3:ListBucket is scoped by s3:prefix to <variable>/ and <variable>/*, and nothing allows a bucket-wide /*.',
  reason: 'The slash after the variable keeps tenant "ac" out of "acme/"; an unscoped ListBucket or a bucket-wide /* lets every tenant read every tenant.',
  docUrl: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html',
  fix: 'Grant end users S3 only through TenantAccess rules such as {tenant}/* and private/{identity}/*: object ARNs ending in /<variable>/*, ListBucket scoped by s3:prefix.',
  check(stack, ctx) {
    const sharedVariables = [tenantVariable(ctx.tenantAttribute), IDENTITY_VARIABLE];
    const findings: Finding[] = [];
    for (const role of endUserRoles(stack)) {
      // A tenant's own role (role per tenant) names its tenant folder by id.
      const variables = [...sharedVariables, ...boundTenantIds(role, ctx.tenantAttribute)];
      for (const { policy, statement } of allowStatements(role)) {
        const at = (fix: string) => findings.push({ address: policy.address, fix: `${statement.label}: ${fix}` });
        if (statement.notResources && S3_PROBES.some((a) => grantsAction(statement, a))) at('replace NotResource with tenant-scoped Resource ARNs.');
        for (const resource of statement.resources) {
          if (resource === '*' && S3_PROBES.some((a) => grantsAction(statement, a))) {
            at('grants S3 actions on "*": name the bucket and a tenant folder, "<bucket arn>/$${aws:PrincipalTag/<tag>}/*".');
            continue;
          }
          const s3 = parseS3Resource(resource);
          if (!s3) continue;
          if (s3.key !== undefined) {
            const why = unconfinedKeyReason(s3.key, variables);
            if (why) at(`resource ${JSON.stringify(resource)}: ${why}; end it in "/<variable>/*", e.g. "${s3.bucket}/${variables[0]}/*".`);
            continue;
          }
          if (!LIST_ACTIONS.some((a) => grantsAction(statement, a))) continue;
          const prefixes = conditionEntries(statement, 's3:prefix');
          const confined =
            prefixes.length > 0 &&
            prefixes.every(
              (entry) =>
                ['StringLike', 'StringEquals'].includes(entry.operator) &&
                entry.values.length > 0 &&
                entry.values.every((value) => unconfinedKeyReason(value, variables) === undefined),
            );
          if (!confined) {
            at(`ListBucket on ${JSON.stringify(resource)} must be scoped with "StringLike": { "s3:prefix": ["${variables[0]}/", "${variables[0]}/*"] } (found ${JSON.stringify(prefixes)}).`);
          }
        }
      }
    }
    return findings;
  },
};

/**
 * Deny statements that stand alone on one condition about the tenant tag: another condition in the
 * same statement is ANDed and would weaken the guard.
 */
function tagGuards(statements: readonly Statement[], tag: string, matches: (operator: string, values: readonly string[]) => boolean): Statement[] {
  return statements.filter(
    (s) => s.effect === 'Deny' && !s.notActions && !s.notResources && conditionKeyCount(s) === 1 && conditionEntries(s, tag).some((e) => matches(e.operator, e.values)),
  );
}

/** Which allowed action-on-resource pairs of the role no guard denies, as a short sample; undefined when all are covered. */
function uncoveredBy(role: EndUserRole, guards: readonly Statement[]): string | undefined {
  const allowed = allowStatements(role).flatMap(({ statement }) => statement.actions.flatMap((action) => statement.resources.map((resource) => ({ action, resource }))));
  const uncovered = allowed.filter(
    ({ action, resource }) => !guards.some((g) => g.actions.some((p) => wildcardMatch(p, action)) && g.resources.some((p) => wildcardMatch(p, resource))),
  );
  if (uncovered.length === 0) return undefined;
  const sample = uncovered.slice(0, 3).map((u) => `${u.action} on ${u.resource}`).join('; ');
  return `${sample}${uncovered.length > 3 ? ` and ${uncovered.length - 3} more` : ''}`;
}

/**
 * With tenant-less users, which grants that name the tenant tag (in a resource or a condition) no
 * absent-tag Deny covers. Such a Deny may use NotResource (everything but the caller's own folders)
 * and further conditions (the listing prefix, the encryption context): the grant it covers cannot
 * match without the tag anyway; the simulated matrix proves the rest.
 */
function uncoveredWithoutTag(role: EndUserRole, tag: string): string | undefined {
  const variable = `\${${tag}}`.toLowerCase();
  const guards = identityStatements(role)
    .map(({ statement }) => statement)
    .filter((s) => s.effect === 'Deny' && !s.notActions && conditionEntries(s, tag).some((e) => e.operator === 'Null' && e.values.length === 1 && e.values[0]?.toLowerCase() === 'true'));
  const covers = (g: Statement, action: string, resource: string) =>
    g.actions.some((p) => wildcardMatch(p, action)) && (g.notResources ? !g.notResources.some((p) => wildcardMatch(p, resource)) : g.resources.some((p) => wildcardMatch(p, resource)));
  const uncovered = allowStatements(role)
    .filter(({ statement }) => JSON.stringify([statement.resources, statement.conditions]).toLowerCase().includes(variable))
    .flatMap(({ statement }) => statement.actions.flatMap((action) => statement.resources.map((resource) => ({ action, resource }))))
    .filter(({ action, resource }) => !guards.some((g) => covers(g, action, resource)));
  if (uncovered.length === 0) return undefined;
  return uncovered.slice(0, 3).map((u) => `${u.action} on ${u.resource}`).join('; ') + (uncovered.length > 3 ? ` and ${uncovered.length - 3} more` : '');
}

/** Operators under which an absent key makes the condition true (or never false). */
function absentKeyPasses(operator: string): boolean {
  return /IfExists$/i.test(operator) || /Not/i.test(operator) || /^Null$/i.test(operator) || /^ForAllValues:/i.test(operator);
}

export const IAM4: SecurityRule = {
  id: 'IAM4',
  level: 'error',
  description:
    'End-user roles explicitly Deny everything they are allowed when the tenant tag is absent (Null) or empty, and no Allow depends on a principal tag through an operator that passes when the tag is missing.',
  reason: 'Fail closed: a token without a tenant claim must get nothing, whatever else allows it.',
  docUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null',
  fix: 'Add a Deny of everything granted when the tenant tag is Null or empty (TenantAccess does), and use only operators that fail when the tag is missing in Allows.',
  check(stack, ctx) {
    const tag = `aws:PrincipalTag/${ctx.tenantAttribute}`;
    const findings: Finding[] = [];
    for (const role of endUserRoles(stack)) {
      const statements = identityStatements(role).map((s) => s.statement);
      // A guard must stand alone: another condition in the same statement is ANDed and weakens it.
      const guards = (matches: (operator: string, values: readonly string[]) => boolean) => tagGuards(statements, tag, matches);
      const kinds = [
        ...(ctx.tenantlessUsers ? [] : [{ name: `"Null": { "${tag}": "true" }`, guards: guards((op, v) => op === 'Null' && v.length === 1 && v[0]?.toLowerCase() === 'true') }]),
        { name: `"StringEquals": { "${tag}": "" }`, guards: guards((op, v) => (op === 'StringEquals' || op === 'StringLike') && v.includes('')) },
      ];
      if (ctx.tenantlessUsers) {
        const uncovered = uncoveredWithoutTag(role, tag);
        if (uncovered) findings.push({ address: policyAddress(role), fix: `add a Deny with "Null": { "${tag}": "true" } of every grant that names the tenant (tenant-less sessions keep only their own folders); not covered: ${uncovered}.` });
      }
      for (const kind of kinds) {
        const uncovered = uncoveredBy(role, kind.guards);
        if (uncovered) findings.push({ address: policyAddress(role), fix: `add a Deny of every allowed action and resource with only the condition ${kind.name}; not covered: ${uncovered}.` });
      }
      for (const { policy, statement } of allowStatements(role)) {
        for (const [operator, entries] of Object.entries(statement.conditions)) {
          for (const key of Object.keys(entries)) {
            if (/^aws:PrincipalTag\//i.test(key) && absentKeyPasses(operator)) {
              findings.push({
                address: policy.address,
                fix: `${statement.label}: the Allow uses ${operator} on ${key}, which passes when the tag is absent; use StringEquals/StringLike (or the variable in the Resource) so a missing tag grants nothing.`,
              });
            }
          }
        }
      }
    }
    return findings;
  },
};

/** Whether an ARN (or `*`) leaves the service, region, account or whole resource part open. */
function wildcardResource(resource: string): boolean {
  if (resource === '*') return true;
  const parts = resource.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return false;
  return parts[2]!.includes('*') || parts[3] === '*' || parts[4] === '*' || parts.slice(5).join(':') === '*';
}

export const IAM5: SecurityRule = {
  id: 'IAM5',
  level: 'error',
  description: 'End-user roles (those trusting cognito-identity.amazonaws.com) have no wildcard action, no * resource, no NotAction/NotResource in an Allow, and no managed policy from outside the stack.',
  reason: 'Least privilege (cdk-nag AwsSolutions-IAM5): a wildcard grants actions and resources nobody reviewed. Deny statements may use s3:*.',
  docUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege',
  fix: 'Name actions and resources explicitly in end-user Allows; no wildcards, no NotAction/NotResource, no managed policy from outside the stack.',
  check(stack) {
    const findings: Finding[] = [];
    for (const role of endUserRoles(stack)) {
      for (const { policy, statement } of allowStatements(role)) {
        const problems: string[] = [];
        const wildActions = statement.actions.filter((a) => a.includes('*') || a.includes('?'));
        if (wildActions.length > 0) problems.push(`list the actions instead of ${JSON.stringify(wildActions)}`);
        if (statement.notActions) problems.push('replace NotAction with an explicit Action list');
        const wildResources = statement.resources.filter(wildcardResource);
        if (wildResources.length > 0) problems.push(`name the resources instead of ${JSON.stringify(wildResources)}`);
        if (statement.notResources) problems.push('replace NotResource with explicit resources');
        if (problems.length > 0) findings.push({ address: policy.address, fix: `${statement.label}: ${problems.join('; ')}.` });
      }
      for (const arn of role.externalPolicyArns) {
        findings.push({ address: role.role.address, fix: `detach ${JSON.stringify(arn)}: end-user permissions must be written in this stack, where the rules can read them.` });
      }
    }
    return findings;
  },
};

/** DynamoDB actions that always carry partition keys, so dynamodb:LeadingKeys is never absent. */
export const DYNAMODB_ITEM_ACTIONS: readonly string[] = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

/** Whether a Resource names a whole base table (no index, stream or wildcard): an ARN `...:table/<name>` or a reference to a table's ARN. */
function isBaseTable(resource: string): boolean {
  if (/^\$\{aws_dynamodb_table\.[^.}]+\.arn\}$/.test(resource)) return true;
  return /^arn:[^:]+:dynamodb:[^:*?]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/.test(resource);
}

export const IAM6: SecurityRule = {
  id: 'IAM6',
  level: 'error',
  description:
    'End-user DynamoDB grants are item-level actions only (never Scan, PartiQL or wildcards) on base tables (no index or stream), bound by ForAllValues:StringEquals/StringLike dynamodb:LeadingKeys to the tenant tag (exactly, or followed by a separator and *; a tenant\'s own role may name its tenant id instead, where a Deny binds the role to that tenant\'s tag on these actions and this table), and by Null dynamodb:LeadingKeys = false.',
  reason:
    'ForAllValues is vacuously true when the request has no leading keys, so only actions that always carry keys may be granted, and the Null condition refuses a request without them; Scan and PartiQL read across tenants; an index is keyed by another attribute.',
  docUrl: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html',
  fix: 'Grant item-level DynamoDB actions on the table ARN only, with ForAllValues:StringLike dynamodb:LeadingKeys = "<tenant tag>#*" (or ForAllValues:StringEquals = the tenant tag) and Null dynamodb:LeadingKeys = false (TenantAccess table rules do).',
  check(stack, ctx) {
    const variable = tenantVariable(ctx.tenantAttribute).toLowerCase();
    const allowed = DYNAMODB_ITEM_ACTIONS.map((a) => a.toLowerCase());
    const findings: Finding[] = [];
    for (const role of endUserRoles(stack)) {
      for (const { policy, statement } of allowStatements(role)) {
        const actions = statement.actions.filter((a) => a.toLowerCase().startsWith('dynamodb:'));
        if (actions.length === 0) continue;
        const at = (fix: string) => findings.push({ address: policy.address, fix: `${statement.label}: ${fix}` });
        const bad = actions.filter((a) => !allowed.includes(a.toLowerCase()));
        if (bad.length > 0) at(`remove ${JSON.stringify(bad)}; grant only ${DYNAMODB_ITEM_ACTIONS.join(', ')}.`);
        const notTables = statement.resources.filter((r) => !isBaseTable(r));
        if (notTables.length > 0 || statement.notResources) at(`grant on table ARNs only, never an index, a stream or a wildcard (found ${JSON.stringify(statement.notResources ?? notTables)}).`);
        const keys = conditionEntries(statement, 'dynamodb:LeadingKeys');
        const forAll = keys.filter((entry) => entry.operator !== 'Null');
        // A tenant's own role (role per tenant) names its tenant's keys by id, when a Deny binds the
        // role to that tenant's tag on these actions and this table.
        const tenants = [variable, ...boundTenantIds(role, ctx.tenantAttribute, { actions, resources: statement.resources }).map((id) => id.toLowerCase())];
        const bound =
          forAll.length > 0 &&
          forAll.every(
            (entry) =>
              ['ForAllValues:StringEquals', 'ForAllValues:StringLike'].includes(entry.operator) &&
              entry.values.length > 0 &&
              entry.values.every((value) => {
                const v = value.toLowerCase();
                return tenants.some((tenant) => {
                  if (v === tenant) return true;
                  // After the tenant, a separator that no tenant id has, then anything: "acme#*", never "acme*".
                  return entry.operator === 'ForAllValues:StringLike' && v.startsWith(tenant) && /^[#|]/.test(v.slice(tenant.length)) && !/[*?]/.test(v.slice(tenant.length, -1));
                });
              }),
          );
        if (!bound) at(`add "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["${tenantVariable(ctx.tenantAttribute)}#*"] } (found ${JSON.stringify(forAll)}).`);
        const present = keys.filter((entry) => entry.operator === 'Null');
        if (!(present.length > 0 && present.every((entry) => entry.values.length === 1 && entry.values[0]?.toLowerCase() === 'false'))) {
          at(`add "Null": { "dynamodb:LeadingKeys": "false" }: ForAllValues alone also allows a request without keys (found ${JSON.stringify(present)}).`);
        }
      }
    }
    return findings;
  },
};

/** What users must be denied on any secret they may read: re-tagging it (ABAC follows the tag) or sharing it. */
export const SECRET_GUARDED_ACTIONS: readonly string[] = [
  'secretsmanager:TagResource',
  'secretsmanager:UntagResource',
  'secretsmanager:PutResourcePolicy',
  'secretsmanager:DeleteResourcePolicy',
];

export const IAM7: SecurityRule = {
  id: 'IAM7',
  level: 'error',
  description:
    'End users may only secretsmanager:GetSecretValue, and only where secretsmanager:ResourceTag/<tenant tag> equals their principal tag (in a tenant\'s own role bound to its tenant by a Deny on GetSecretValue of those secrets: that tenant\'s id); they can never tag, untag or change a resource policy (no Allow, and an unconditional Deny on every secret they may read).',
  reason: 'A user who can tag a secret can re-tag it into their own tenant, and tag-based access follows; one who can change its resource policy can share it.',
  docUrl: 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_abac.html',
  fix: 'Grant only secretsmanager:GetSecretValue with secretsmanager:ResourceTag/<tenant tag> = ${aws:PrincipalTag/<tenant tag>}, never tagging actions, and Deny TagResource, UntagResource, PutResourcePolicy and DeleteResourcePolicy on the secrets (TenantAccess secret rules do).',
  check(stack, ctx) {
    const variable = tenantVariable(ctx.tenantAttribute).toLowerCase();
    const findings: Finding[] = [];
    for (const role of endUserRoles(stack)) {
      const denies = identityStatements(role)
        .map(({ statement }) => statement)
        .filter((st) => st.effect === 'Deny' && !st.notActions && !st.notResources && conditionKeyCount(st) === 0);
      for (const { policy, statement } of allowStatements(role)) {
        const at = (fix: string) => findings.push({ address: policy.address, fix: `${statement.label}: ${fix}` });
        const tagging = ['secretsmanager:TagResource', 'secretsmanager:UntagResource'].filter((a) => grantsAction(statement, a));
        if (tagging.length > 0) at(`must not grant ${tagging.join(' or ')} (found ${JSON.stringify(statement.notActions ?? statement.actions)}).`);
        const secretActions = statement.actions.filter((a) => a.toLowerCase().startsWith('secretsmanager:'));
        const other = secretActions.filter((a) => a.toLowerCase() !== 'secretsmanager:getsecretvalue');
        if (other.length > 0 && tagging.length === 0) at(`grant only secretsmanager:GetSecretValue (found ${JSON.stringify(other)}).`);
        if (!secretActions.some((a) => a.toLowerCase() === 'secretsmanager:getsecretvalue')) continue;
        // A tenant's own role (role per tenant) compares the tag with its tenant's id, when a Deny binds
        // the role to that tenant's tag on GetSecretValue of these secrets.
        const tenants = [variable, ...boundTenantIds(role, ctx.tenantAttribute, { actions: ['secretsmanager:GetSecretValue'], resources: statement.resources }).map((id) => id.toLowerCase())];
        const bound = [`secretsmanager:ResourceTag/${ctx.tenantAttribute}`, `aws:ResourceTag/${ctx.tenantAttribute}`]
          .flatMap((key) => conditionEntries(statement, key))
          .some((e) => e.operator === 'StringEquals' && e.values.length === 1 && tenants.includes(e.values[0]?.toLowerCase() ?? ''));
        if (!bound) at(`add "StringEquals": { "secretsmanager:ResourceTag/${ctx.tenantAttribute}": "${tenantVariable(ctx.tenantAttribute)}" }.`);
        // Defence in depth: whatever else of the account allows it, users never re-tag or share what they can read.
        const unguarded = SECRET_GUARDED_ACTIONS.filter(
          (action) => !statement.resources.every((resource) => denies.some((d) => grantsAction(d, action) && d.resources.some((p) => wildcardMatch(p, resource)))),
        );
        if (unguarded.length > 0) at(`add an unconditional Deny of ${unguarded.join(', ')} on ${JSON.stringify(statement.resources)}: users must never re-tag or share a secret they can read.`);
      }
    }
    return findings;
  },
};

export const IAM8: SecurityRule = {
  id: 'IAM8',
  level: 'error',
  description: `IAM quotas hold at synth (the quota budget): roles in the account ≤ the configured quota (default ${IAM_QUOTAS.roles}), trust policies ≤ ${IAM_QUOTAS.trustPolicy}, managed policies ≤ ${IAM_QUOTAS.managedPolicy}, inline policies ≤ ${IAM_QUOTAS.inlinePoliciesPerRole} characters per role (minified, references at their longest).`,
  reason: 'IAM rejects oversized documents and extra roles at apply, half-way through a deploy; per-tenant or per-tier roles make them grow with every tenant.',
  docUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html',
  fix: 'Shorten the documents (fewer statements, shared principal tags instead of per-tenant grants), or request the increase in Service Quotas and set quotas.<name> in the environment config.',
  check(stack, ctx) {
    return quotaFindings(stack, ctx, 'IAM8');
  },
};

export const IAM9: SecurityRule = {
  id: 'IAM9',
  level: 'error',
  description:
    'No tenant-tag value can make a tenant grant cover a fixed folder: end-user roles Deny everything they are allowed when the tenant tag equals a fixed folder of their grants (case-insensitively) or contains "/", ":", "*" or "?".',
  reason: 'The config rejects such tenant ids, but a tag value reaches IAM unfiltered: tag "private" would own every private/<identity>/ folder, and a "/" or a wildcard would widen the grant.',
  docUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars',
  fix: 'Add the denies for fixed-folder and malformed tenant-tag values to the end-user role\'s policy (TenantAccess writes them).',
  check(stack, ctx) {
    const tag = `aws:PrincipalTag/${ctx.tenantAttribute}`;
    const findings: Finding[] = [];
    for (const role of endUserRoles(stack)) {
      const statements = identityStatements(role).map((s) => s.statement);
      for (const value of reservedTagValues(role, ctx.tenantAttribute)) {
        const guards = tagGuards(statements, tag, (operator, values) =>
          operator === 'StringEqualsIgnoreCase' ? values.some((v) => v.toLowerCase() === value.toLowerCase()) : operator === 'StringEquals' && values.includes(value),
        );
        const uncovered = uncoveredBy(role, guards);
        if (uncovered) {
          findings.push({
            address: policyAddress(role),
            fix: `add a Deny of every allowed action and resource with only "StringEqualsIgnoreCase": { "${tag}": ["${value}"] }: a session tagged "${value}" would own the fixed folder "${value}/"; not covered: ${uncovered}.`,
          });
        }
      }
      for (const pattern of REQUIRED_TAG_GUARD_PATTERNS) {
        const uncovered = uncoveredBy(role, tagGuards(statements, tag, (operator, values) => operator === 'StringLike' && values.includes(pattern)));
        if (uncovered) {
          findings.push({ address: policyAddress(role), fix: `add a Deny of every allowed action and resource with only "StringLike": { "${tag}": ["${pattern}", ...] }; not covered: ${uncovered}.` });
        }
      }
    }
    return findings;
  },
};

export const IAM10: SecurityRule = {
  id: 'IAM10',
  level: 'error',
  description: 'No two aws_iam_role resources of a stack have the same name (compared case-insensitively, as IAM does).',
  reason:
    'IAM role names are unique in an account: the plan of such a stack passes and the apply fails half-way, leaving the environment partly changed. Two roles of one name usually mean a tenant id or tier name that collides with another role of the stack.',
  docUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names',
  fix: 'Rename the tier or tenant whose role name equals another role\'s (the loader reports which).',
  check(stack) {
    const findings: Finding[] = [];
    const seen = new Map<string, string>();
    for (const role of resourcesOf(stack, 'aws_iam_role')) {
      const name = role.config.name;
      if (typeof name !== 'string' || name.includes('${')) continue;
      const other = seen.get(name.toLowerCase());
      if (other !== undefined) findings.push({ address: role.address, fix: `its name ${JSON.stringify(name)} equals the name of ${other}: every role needs its own name.` });
      else seen.set(name.toLowerCase(), role.address);
    }
    return findings;
  },
};

export const IAM_RULES: readonly SecurityRule[] = [IAM1, IAM2, IAM3, IAM4, IAM5, IAM6, IAM7, IAM8, IAM9, IAM10];

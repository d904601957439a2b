/**
 * Policy documents as the stack carries them: JSON strings inside Terraform string templates.
 * They are parsed with JSON.parse (a `${...}` inside a JSON string value is just text to JSON),
 * normalised into statements, and compared as Terraform-level strings, so a resource reads
 * `${aws_s3_bucket.X.arn}/$${aws:PrincipalTag/customerName}/*`.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */
import { escapeForTerraform, iamVariable } from '../iam-policy';
import { IDENTITY_TOKEN, reservedTenantIds, TENANT_TOKEN } from '../tenant-access/access-rules';
import {
  blocks,
  isObject,
  resourceAt,
  resourcesOf,
  soleReference,
  StackJson,
  StackResource,
  strings,
  templateParts,
} from './stack-json';

/** The service principal identity pools federate through. */
export const COGNITO_IDENTITY = 'cognito-identity.amazonaws.com';

/** An IAM policy variable as it must appear in the synthesized JSON: `$${aws:PrincipalTag/x}`. */
export function escapedVariable(name: string): string {
  return escapeForTerraform(iamVariable(name));
}

/** The escaped variable holding the tenant tag. */
export function tenantVariable(tenantAttribute: string): string {
  return escapedVariable(`aws:PrincipalTag/${tenantAttribute}`);
}

/** The escaped variable holding the caller's identity id. */
export const IDENTITY_VARIABLE = escapedVariable(`${COGNITO_IDENTITY}:sub`);

/** One statement, with every list-or-string element as a list. */
export interface Statement {
  readonly sid?: string | undefined;
  readonly effect: string;
  /** `"*"`, or `{ AWS | Service | Federated: [...] }`; undefined in identity policies. */
  readonly principal: unknown;
  readonly actions: readonly string[];
  readonly notActions?: readonly string[] | undefined;
  readonly resources: readonly string[];
  readonly notResources?: readonly string[] | undefined;
  /** operator → key → values (booleans and numbers as strings). */
  readonly conditions: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
  /** The position in the document, for messages: `Sid "X"` or `statement 2`. */
  readonly label: string;
}

export interface SynthesizedPolicy {
  readonly version: unknown;
  readonly statements: readonly Statement[];
}

/** A policy string found in the stack, with where it sits. */
export interface LocatedPolicy {
  /** Address of the resource holding the string. */
  readonly address: string;
  /** `policy`, `assume_role_policy`, `inline_policy[0].policy`. */
  readonly attribute: string;
  readonly text: string;
  /** The parsed document, when the string is JSON with a Statement. */
  readonly document?: SynthesizedPolicy;
  /** Why it could not be parsed. */
  readonly error?: string;
}

function asStrings(value: unknown): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
}

/** Parses a policy string. Never throws: a string that is not a policy document comes back with `error`. */
export function parsePolicy(text: string): { document?: SynthesizedPolicy; error?: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { error: `is not JSON (${(error as Error).message}); the rules cannot read it` };
  }
  if (!isObject(raw)) return { error: 'is not a JSON object' };
  const statementValue = raw.Statement;
  const rawStatements = Array.isArray(statementValue) ? statementValue : statementValue === undefined ? [] : [statementValue];
  if (!rawStatements.every(isObject)) return { error: 'has a Statement that is not an object' };
  const statements = rawStatements.map((s, i): Statement => {
    const conditions: Record<string, Record<string, string[]>> = {};
    if (isObject(s.Condition)) {
      for (const [operator, entries] of Object.entries(s.Condition)) {
        if (!isObject(entries)) continue;
        conditions[operator] = Object.fromEntries(
          Object.entries(entries).map(([key, v]) => [key, asStrings(v)]),
        );
      }
    }
    const sid = typeof s.Sid === 'string' && s.Sid ? s.Sid : undefined;
    return {
      sid,
      effect: String(s.Effect),
      principal: s.Principal,
      actions: asStrings(s.Action),
      notActions: s.NotAction === undefined ? undefined : asStrings(s.NotAction),
      resources: asStrings(s.Resource),
      notResources: s.NotResource === undefined ? undefined : asStrings(s.NotResource),
      conditions,
      label: sid ? `statement "${sid}"` : `statement ${i + 1}`,
    };
  });
  return { document: { version: raw.Version, statements } };
}

/** Attributes that hold policy documents, on any resource type. */
const POLICY_ATTRIBUTES = ['policy', 'assume_role_policy'];

/** Every policy string in the stack's resources (including `aws_iam_role.inline_policy` blocks). */
export function policiesIn(stack: StackJson): LocatedPolicy[] {
  const found: LocatedPolicy[] = [];
  for (const type of Object.keys(stack.resource ?? {})) {
    for (const resource of resourcesOf(stack, type)) {
      for (const attribute of POLICY_ATTRIBUTES) {
        const text = resource.config[attribute];
        if (typeof text === 'string') found.push(locate(resource.address, attribute, text));
      }
      blocks(resource.config.inline_policy).forEach((inline, i) => {
        if (typeof inline.policy === 'string') found.push(locate(resource.address, `inline_policy[${i}].policy`, inline.policy));
      });
    }
  }
  return found;
}

function locate(address: string, attribute: string, text: string): LocatedPolicy {
  return { address, attribute, text, ...parsePolicy(text) };
}

/** Case-insensitive IAM wildcard match (`*` any run, `?` one character) of `pattern` against `value`. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(
    '^' +
      pattern
        .split('')
        .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
        .join('') +
      '$',
    'is',
  );
  return regex.test(value);
}

/** Whether a statement's Action list grants `action` (NotAction statements count as granting it). */
export function grantsAction(statement: Statement, action: string): boolean {
  if (statement.notActions) return !statement.notActions.some((p) => wildcardMatch(p, action));
  return statement.actions.some((p) => wildcardMatch(p, action));
}

/** Case-insensitive lookup of a condition: every `[operator, key, values]` whose key matches. */
export function conditionEntries(statement: Statement, key: string): { operator: string; values: readonly string[] }[] {
  const wanted = key.toLowerCase();
  const out: { operator: string; values: readonly string[] }[] = [];
  for (const [operator, entries] of Object.entries(statement.conditions)) {
    for (const [k, values] of Object.entries(entries)) {
      if (k.toLowerCase() === wanted) out.push({ operator, values });
    }
  }
  return out;
}

/** Number of distinct condition keys in the statement. */
export function conditionKeyCount(statement: Statement): number {
  return Object.values(statement.conditions).reduce((n, entries) => n + Object.keys(entries).length, 0);
}

/** `"*"` or `{ AWS: "*" }`: everyone. */
export function isEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  if (!isObject(principal)) return false;
  return strings(principal.AWS).includes('*');
}

/** Whether the statement's principal is the Cognito identity-pool federation. */
export function trustsCognitoIdentity(statement: Statement): boolean {
  if (!isObject(statement.principal)) return false;
  return strings(statement.principal.Federated).some((p) => p === COGNITO_IDENTITY || p.startsWith(`${COGNITO_IDENTITY}.`));
}

/** A role end users receive through an identity pool, with the policies that give it permissions. */
export interface EndUserRole {
  readonly role: StackResource;
  /** The parsed trust policy (undefined when it could not be parsed; IAM2 reports that). */
  readonly trust?: SynthesizedPolicy;
  /** Identity policies in this stack that apply to the role (inline, role policies, attached managed policies). */
  readonly policies: readonly LocatedPolicy[];
  /** Attached managed policies that are not defined in this stack (AWS-managed or external), which no rule can read. */
  readonly externalPolicyArns: readonly string[];
}

/** The role a `role` / `roles` attribute names: `${aws_iam_role.X.id|name}` or the literal role name. */
function rolesNamed(stack: StackJson, value: unknown): StackResource[] {
  const roles = resourcesOf(stack, 'aws_iam_role');
  return strings(value).flatMap((v) => {
    const ref = soleReference(v);
    if (ref) return roles.filter((r) => r.address === ref.address);
    return roles.filter((r) => r.config.name === v);
  });
}

/**
 * Roles whose trust policy lets `cognito-identity.amazonaws.com` federate into them: the roles end
 * users of an identity pool receive. IAM3–IAM7 and KMS2 apply to these.
 */
export function endUserRoles(stack: StackJson): EndUserRole[] {
  const policies = policiesIn(stack);
  const result: EndUserRole[] = [];
  for (const role of resourcesOf(stack, 'aws_iam_role')) {
    const trustText = role.config.assume_role_policy;
    const trust = typeof trustText === 'string' ? parsePolicy(trustText).document : undefined;
    if (!trust?.statements.some((s) => s.effect === 'Allow' && trustsCognitoIdentity(s))) continue;

    const own: LocatedPolicy[] = policies.filter((p) => p.address === role.address && p.attribute !== 'assume_role_policy');
    for (const rolePolicy of resourcesOf(stack, 'aws_iam_role_policy')) {
      if (rolesNamed(stack, rolePolicy.config.role).some((r) => r.address === role.address)) {
        own.push(...policies.filter((p) => p.address === rolePolicy.address));
      }
    }
    const attachedArns: string[] = strings(role.config.managed_policy_arns);
    for (const attachment of resourcesOf(stack, 'aws_iam_role_policy_attachment')) {
      if (rolesNamed(stack, attachment.config.role).some((r) => r.address === role.address)) attachedArns.push(...strings(attachment.config.policy_arn));
    }
    for (const attachment of resourcesOf(stack, 'aws_iam_policy_attachment')) {
      if (rolesNamed(stack, attachment.config.roles).some((r) => r.address === role.address)) attachedArns.push(...strings(attachment.config.policy_arn));
    }
    const externalPolicyArns: string[] = [];
    for (const arn of attachedArns) {
      const ref = soleReference(arn);
      const managed = ref && ref.attribute === 'arn' ? resourceAt(stack, ref.address) : undefined;
      if (managed?.type === 'aws_iam_policy') own.push(...policies.filter((p) => p.address === managed.address && p.attribute === 'policy'));
      else externalPolicyArns.push(arn);
    }
    result.push({ role, trust, policies: own, externalPolicyArns });
  }
  return result;
}

/** Every parsed statement of an end-user role's identity policies, with the policy it comes from. */
export function identityStatements(role: EndUserRole): { policy: LocatedPolicy; statement: Statement }[] {
  return role.policies.flatMap((policy) => (policy.document?.statements ?? []).map((statement) => ({ policy, statement })));
}

/** `${aws_s3_bucket.X.arn}` or `arn:<partition>:s3:::name`, then an optional `/key`. */
const S3_ARN = /^(\$\{aws_s3_bucket\.[^.}]+\.arn\}|arn:[^:]*:s3:::[^/]+)(?:\/(.*))?$/s;

/** Splits an S3 resource into bucket and key pattern; undefined when it is not an S3 ARN. */
export function parseS3Resource(resource: string): { bucket: string; key?: string } | undefined {
  const match = S3_ARN.exec(resource);
  if (!match) return undefined;
  return { bucket: match[1]!, ...(match[2] === undefined ? {} : { key: match[2] }) };
}

/** `$${...}` tokens as units, so the `/` inside `aws:PrincipalTag/x` does not split a segment. */
function segmentsOf(text: string): string[] {
  const tokens: string[] = [];
  const masked = text.replace(/\$\$\{[^}]*\}/g, (variable) => {
    tokens.push(variable);
    return `\u0000${tokens.length - 1}\u0000`;
  });
  return masked.split('/').map((segment) => segment.replace(/\u0000(\d+)\u0000/g, (_, i: string) => tokens[Number(i)] ?? ''));
}

/**
 * Why a key pattern is not confined to one tenant's or identity's folder, or undefined when it is.
 * Confined means: a segment that is exactly one of `variables` (the tenant tag, the identity id),
 * followed by a `/`, and no wildcard before it: `$${aws:PrincipalTag/t}/*`, `private/$${...:sub}/*`.
 * The slash matters: without it tenant `ac` matches `acme/...`.
 */
export function unconfinedKeyReason(key: string, variables: readonly string[]): string | undefined {
  const segments = segmentsOf(key);
  const wanted = variables.map((v) => v.toLowerCase());
  const at = segments.findIndex((segment) => wanted.includes(segment.toLowerCase()));
  if (at < 0) {
    if (variables.some((v) => key.toLowerCase().includes(v.toLowerCase()))) {
      return `the tenant or identity variable is not a whole folder followed by "/" in ${JSON.stringify(key)}`;
    }
    return `${JSON.stringify(key)} is not inside a tenant or identity folder`;
  }
  if (at === segments.length - 1) return `the variable in ${JSON.stringify(key)} is not followed by "/"`;
  const before = segments.slice(0, at).find((segment) => /[*?]/.test(segment) || segment.includes('${'));
  if (before !== undefined) return `${JSON.stringify(key)} has a wildcard or variable (${JSON.stringify(before)}) before the tenant folder`;
  return undefined;
}

/**
 * Upper bounds for the resolved length of references, for the IAM size quotas: an S3 bucket name
 * is at most 63 characters, a KMS key id 36, a Region code 14, an identity pool id 55.
 */
const REFERENCE_LENGTHS: readonly [RegExp, number][] = [
  [/^aws_s3_bucket\.[^.]+\.arn$/, 'arn:aws:s3:::'.length + 63],
  [/^aws_s3_bucket\.[^.]+\.(?:id|bucket)$/, 63],
  [/^aws_kms_key\.[^.]+\.arn$/, 'arn:aws-us-gov:kms:'.length + 14 + 1 + 12 + ':key/'.length + 36],
  [/^aws_kms_key\.[^.]+\.(?:id|key_id)$/, 36],
  [/^aws_cognito_identity_pool\.[^.]+\.id$/, 55],
  [/^data\.aws_caller_identity\.[^.]+\.account_id$/, 12],
  [/^data\.aws_partition\.[^.]+\.partition$/, 'aws-us-gov'.length],
];
/** Any other reference: an ARN with a path, generously. */
const DEFAULT_REFERENCE_LENGTH = 256;

/**
 * The length IAM counts for a policy string: minified (IAM ignores whitespace), escapes resolved
 * (`$${` is one `$` shorter in AWS), references at their longest. An estimate, on the safe side.
 */
export function resolvedLength(policy: LocatedPolicy): number {
  let minified: string;
  try {
    minified = JSON.stringify(JSON.parse(policy.text));
  } catch {
    minified = policy.text.replace(/\s+/g, '');
  }
  return templateParts(minified).reduce((n, part) => {
    if (part.kind === 'literal') return n + part.text.length;
    const estimate = REFERENCE_LENGTHS.find(([pattern]) => pattern.test(part.expression));
    return n + (estimate ? estimate[1] : DEFAULT_REFERENCE_LENGTH);
  }, 0);
}

/**
 * The tenant tag values that would let a role's tenant grants cover a fixed folder of its other
 * grants (`private` beside `private/<identity>/`): its S3 object resources read back as access-rule
 * patterns and given to the same `reservedTenantIds` the modules use.
 */
export function reservedTagValues(role: EndUserRole, tenantAttribute: string): string[] {
  const tenant = tenantVariable(tenantAttribute).toLowerCase();
  const identity = IDENTITY_VARIABLE.toLowerCase();
  const patterns = identityStatements(role)
    .filter(({ statement }) => statement.effect === 'Allow')
    .flatMap(({ statement }) => statement.resources)
    .map((resource) => parseS3Resource(resource)?.key)
    .filter((key): key is string => key !== undefined && key.endsWith('/*') && key.length > 2)
    .map((key) =>
      segmentsOf(key.slice(0, -2))
        .map((segment) => (segment.toLowerCase() === tenant ? TENANT_TOKEN : segment.toLowerCase() === identity ? IDENTITY_TOKEN : segment))
        .join('/'),
    );
  return reservedTenantIds([...new Set(patterns)].map((pattern) => ({ pattern: `${pattern}/*`, principal: 'authenticated' as const, actions: ['read' as const] })));
}

/** The `StringLike` patterns (as they stand in the JSON) every tenant-tag guard must hold: a `/`, a `:` and the two IAM wildcards. */
export const REQUIRED_TAG_GUARD_PATTERNS: readonly string[] = ['*/*', '*:*', `*${escapedVariable('*')}*`, `*${escapedVariable('?')}*`];

/**
 * The tenant a role of the role-per-tenant mode is bound to: the value of a Deny of its identity
 * policy that stands alone on `StringNotEquals aws:PrincipalTag/<tag> = <id>` (TenantAccess writes
 * it as DenyTagOfAnotherTenant). Such a role may name that one tenant folder literally, because
 * every session whose tag is not that tenant is denied. Empty for the other roles.
 */
export function boundTenantIds(role: EndUserRole, tenantAttribute: string, covering?: { readonly actions: readonly string[]; readonly resources: readonly string[] }): string[] {
  const tag = `aws:PrincipalTag/${tenantAttribute}`;
  // With `covering`, only a Deny that covers every one of those actions on every one of those
  // resources binds them: a role bound on S3 alone may not name a tenant's table keys literally.
  const covers = (s: Statement) =>
    covering === undefined || covering.actions.every((action) => grantsAction(s, action) && covering.resources.every((resource) => s.resources.some((p) => wildcardMatch(p, resource))));
  return identityStatements(role)
    .map(({ statement }) => statement)
    .filter((s) => s.effect === 'Deny' && !s.notActions && !s.notResources && conditionKeyCount(s) === 1 && covers(s))
    .flatMap((s) => conditionEntries(s, tag).filter((e) => e.operator === 'StringNotEquals' && e.values.length === 1))
    .map((e) => e.values[0]!)
    .filter((id) => /^[a-z0-9][a-z0-9-]{1,62}$/.test(id));
}

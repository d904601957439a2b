/**
 * Thin typed wrapper over @cloud-copilot/iam-simulate (0.1.173) for the access-matrix tests.
 *
 * Feed it policy documents READ BACK from cdk.tf.json (see terraform-refs.ts) and a concrete
 * request; it returns the IAM decision. It is built so a test can never pass because the harness
 * broke: every validation problem, every unresolved Terraform reference and every context key the
 * evaluator would silently not see (when a policy relies on it) throws instead.
 *
 * Facts about the library this wrapper is built on (verified against its dist code and by running it):
 *
 * 1. Two entry points.
 *    - `runSimulation(simulation, options): Promise<RunSimulationResults>` ("checked"): validates
 *      policies (iam-policy), action and resource type, then FILTERS the request context down to the
 *      keys its data says apply to the action/resource type. Filtered keys are listed in
 *      `result.ignoredContextKeys` and are invisible to evaluation. Returns `resultType: 'error'` for
 *      bad input, `'single'` for a concrete resource, `'wildcard'` if the request resource contains `*`.
 *    - `runUnsafeSimulation(simulation, options): EvaluationResult` ("unsafe"): synchronous, returns
 *      only the decision string; no validation, no context filtering, no context type normalization.
 *      It also crashes on any plain resource policy (it calls `loadPolicy` without a name); passing a
 *      `createValidatedPolicy(...)` object with `{ name }` metadata avoids that.
 * 2. What the checked entry point drops (so a policy relying on it evaluates as if the key were absent):
 *    - `cognito-identity.amazonaws.com:sub|aud|amr` on every S3 action (so an identity-scoped Resource
 *      `.../private/${cognito-identity.amazonaws.com:sub}/*` never matches), and on `sts:TagSession`
 *      (so a Cognito trust policy's aud/amr conditions fail for TagSession).
 *    - every `kms:EncryptionContext:<key>` key, e.g. `kms:EncryptionContext:aws:s3:arn`, on every KMS
 *      action: the library's data lists `kms:EncryptionContext:${EncryptionContextKey}` but its
 *      wildcard matcher only understands `prefix/${var}` keys (first `/`), so it never matches.
 *    `runUnsafeSimulation` keeps all of them. Hence `{ unsafe: true }` below.
 * 3. Context value types. The checked entry point coerces each value to the key's type in its data:
 *    a string for a single-valued key (an array is cut to its FIRST element), an array for `ArrayOf*`.
 *    Its data types `cognito-identity.amazonaws.com:amr` as a single String although AWS sends a list
 *    (e.g. ["authenticated", "cognito-idp...", "cognito-idp...:CognitoSignIn:..."]); a single-valued
 *    operator on an array never matches and `ForAnyValue:` works on arrays. This wrapper treats amr as
 *    multi-valued, refuses (throws) to let the checked entry point truncate a multi-element array,
 *    and normalizes types itself for the unsafe entry point.
 * 4. Policy variables (`${aws:PrincipalTag/customerName}`, `${cognito-identity.amazonaws.com:sub}`) in
 *    Resource and in String/ARN condition values are substituted from the request context (key lookup
 *    is case-insensitive). The substituted value is matched LITERALLY: `*`, `?` and `/..` in a tag value
 *    are plain characters (no wildcard, no path normalization). A key that is absent (or multi-valued)
 *    makes the Resource/condition value never match (`unresolvablePolicyVariable`). An EMPTY string
 *    value also never matches (the library leaves `${...}` in the regex); real IAM would substitute ""
 *    - so the simulator cannot show what an empty tag would reach; deny it explicitly.
 * 5. Accounts. The principal account is the 5th field of the principal ARN; the resource account is
 *    `request.resource.accountId` (S3 ARNs carry none, so it must be passed). Same account:
 *    - S3 (default authorizer): identity policy OR bucket policy Allow suffices; any explicit Deny in
 *      either wins.
 *    - KMS keys: the key policy must allow, either the principal directly or the account
 *      (`arn:aws:iam::<acct>:root`, which then also needs an identity-policy Allow). No key policy ->
 *      ImplicitlyDenied even with an identity Allow.
 *    - STS (trust policies): the trust policy must allow explicitly.
 * 6. Trust policies / web identity. There is no dedicated role-assumption API: pass the trust policy as
 *    the resource policy, the role ARN as resource, and the federated provider name as principal.
 *    `cognito-identity.amazonaws.com` ends in `amazonaws.com`, so the library treats it as a service
 *    principal: the decision is the trust policy alone (Principal `{Federated: ...}` must equal it).
 *    The library knows nothing else about web identity: it would just as well "allow" `sts:AssumeRole`
 *    if the trust policy listed it, and a provider that is neither `*.amazonaws.com` nor an ARN
 *    (e.g. accounts.google.com) can never be allowed (no account, not a service). Hence
 *    `simulateTrust` only accepts `cognito-identity.amazonaws.com`.
 * 8. `secretsmanager:ResourceTag/<key>` is listed in the library's data with the literal key `tag-key`
 *    (not a `${TagKey}` pattern like `aws:ResourceTag/${TagKey}`), so it knows no
 *    `secretsmanager:ResourceTag/customerName`: `typeForContextKey` rejects it and the checked entry
 *    point would drop it. AWS types it as a single String
 *    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html#awssecretsmanager-policy-keys);
 *    this wrapper accepts it as a String in unsafe mode only (throws in checked mode).
 * 7. Identity-policy resources with fewer than 6 `:`-separated parts are "short ARNs" padded with `*`
 *    (`foo/*` matches everything). The wrapper rejects any Resource that is not `*` or a full ARN.
 */

import {
  isConditionKeyArray,
  runSimulation,
  runUnsafeSimulation,
  typeForContextKey,
  type RunSimulationResults,
  type Simulation,
  type StatementExplain,
} from '@cloud-copilot/iam-simulate';
import {
  createValidatedPolicy,
  validateIdentityPolicy,
  validateResourcePolicy,
  validateTrustPolicy,
  type ValidatedPolicy,
} from '@cloud-copilot/iam-policy';
import { FAKE_ACCOUNT_ID } from './terraform-refs';

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';
/** A policy as a JSON string (e.g. from resolveTerraformString) or an already-parsed document. */
export type PolicyInput = string | object;
export type ContextValues = Readonly<Record<string, string | readonly string[]>>;

/** Default caller: a session of the tenant role obtained through the Cognito identity pool. */
export const DEFAULT_PRINCIPAL_ARN = `arn:aws:sts::${FAKE_ACCOUNT_ID}:assumed-role/TenantRole/CognitoIdentityCredentials`;
/** The web-identity provider name Cognito identity pools use as `Principal.Federated`. */
export const COGNITO_IDENTITY_PROVIDER = 'cognito-identity.amazonaws.com';

/**
 * Keys AWS sends as lists although the library's data types them as single strings.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/iam-roles.html (amr, ForAnyValue:StringLike)
 */
const MULTI_VALUED_OVERRIDES = new Set(['cognito-identity.amazonaws.com:amr']);

/** Keys AWS documents that the library's data does not name (fact 8): single Strings, unsafe mode only. */
const UNSAFE_ONLY_STRING_KEYS = /^secretsmanager:resourcetag\/.+$/i;

export interface SimRequest {
  /** `service:Action`, e.g. `s3:PutObject`. */
  readonly action: string;
  /** A concrete resource ARN (no `*`), e.g. `arn:aws:s3:::bucket/acme/x`. */
  readonly resource: string;
  /** @default DEFAULT_PRINCIPAL_ARN */
  readonly principalArn?: string;
  /** Account owning the resource. @default the ARN's account field, else FAKE_ACCOUNT_ID (S3 ARNs have none). */
  readonly resourceAccount?: string;
  /** Identity policies attached to the principal (named `identity-0`, `identity-1`, ... in results). */
  readonly identityPolicies: readonly PolicyInput[];
  /** Bucket policy, KMS key policy, ... */
  readonly resourcePolicy?: PolicyInput;
  /** Request context. Keys are case-insensitive; multi-valued keys take arrays. */
  readonly context: ContextValues;
}

export interface TrustRequest {
  /** `sts:AssumeRoleWithWebIdentity` or `sts:TagSession` (both are authorized against the trust policy). */
  readonly action: 'sts:AssumeRoleWithWebIdentity' | 'sts:TagSession';
  /** The role being assumed, e.g. `arn:aws:iam::111111111111:role/TenantRole`. */
  readonly roleArn: string;
  /** The role's trust (assume-role) policy. */
  readonly trustPolicy: PolicyInput;
  /** Web-identity context, e.g. `cognito-identity.amazonaws.com:aud`, `...:amr` (array), `aws:RequestTag/...`. */
  readonly context: ContextValues;
}

export interface SimOptions {
  /**
   * Evaluate with `runUnsafeSimulation`, which sees the full context. Needed whenever a policy relies
   * on a key the checked entry point drops for the action: `cognito-identity.amazonaws.com:*` on S3
   * actions and on sts:TagSession, `kms:EncryptionContext:*` on KMS actions, or a multi-element
   * `cognito-identity.amazonaws.com:amr`. The checked entry point still runs first, only to validate
   * the policies, action and resource (its errors throw); its decision is kept in `checkedDecision`.
   */
  readonly unsafe?: boolean;
  /**
   * Checked mode throws when it drops a context key that a statement applying to the action references.
   * Set this only to characterize that library behaviour in a test; never in an access-matrix test.
   */
  readonly tolerateDroppedKeys?: boolean;
}

export interface SimResult {
  readonly decision: Decision;
  readonly mode: 'checked' | 'unsafe';
  /** Context keys the evaluation did not see. Always empty in unsafe mode. */
  readonly ignoredContextKeys: readonly string[];
  /** Keys the checked entry point drops for this request (equal to ignoredContextKeys in checked mode). */
  readonly droppedByCheckedEntryPoint: readonly string[];
  /** The checked entry point's decision (equal to `decision` in checked mode). */
  readonly checkedDecision: Decision;
  /**
   * Statements that matched, as `identity:<Sid>` / `resource:<Sid>` (index if no Sid). Checked mode
   * only: the unsafe entry point returns nothing but the decision.
   */
  readonly matched?: { readonly allow: readonly string[]; readonly deny: readonly string[] };
  /** Checked: the RunSimulationResults. Unsafe: `{ checked, unsafe }`. */
  readonly raw: unknown;
}

function parsePolicy(input: PolicyInput, label: string): Record<string, unknown> {
  if (typeof input !== 'string') return { ...(input as Record<string, unknown>) };
  try {
    return JSON.parse(input) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`simulate: ${label} is not valid JSON (${(e as Error).message}): ${input}`);
  }
}

function statementsOf(doc: Record<string, unknown>): Record<string, unknown>[] {
  const s = doc.Statement;
  const list = Array.isArray(s) ? s : s === undefined ? [] : [s];
  return list.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);
}

function asStrings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** `${name}` or `${name, 'default'}`: IAM policy variables (and `${*}`, `${?}`, `${$}`). */
const IAM_VARIABLE = /\$\{([^}]*)\}/g;
const IAM_VARIABLE_NAME = /^[A-Za-z0-9.-]+:[^,}]+(, '[^']*')?$/;

/**
 * Rejects what iam-simulate would silently accept: a leftover Terraform reference or escape, and any
 * Resource/NotResource that is not `*` or a full 6-part ARN (short ARNs are padded with `*`).
 */
function assertConcretePolicy(doc: Record<string, unknown>, label: string): void {
  const text = JSON.stringify(doc);
  if (text.includes('$${')) throw new Error(`simulate: ${label} still contains a Terraform escape "$\${": ${text}`);
  for (const m of text.matchAll(IAM_VARIABLE)) {
    const inner = m[1];
    if (inner === '*' || inner === '?' || inner === '$') continue;
    if (!IAM_VARIABLE_NAME.test(inner)) {
      throw new Error(`simulate: ${label} contains "\${${inner}}", which is not an IAM policy variable (unresolved Terraform reference?): ${text}`);
    }
  }
  for (const st of statementsOf(doc)) {
    for (const r of [...asStrings(st.Resource), ...asStrings(st.NotResource)]) {
      if (r !== '*' && !(r.startsWith('arn:') && r.split(':').length >= 6)) {
        throw new Error(`simulate: ${label} has Resource ${JSON.stringify(r)}, which is neither "*" nor a full ARN; iam-simulate would pad it with "*".`);
      }
    }
  }
}

/** Whether an IAM action pattern (`s3:*`, `s3:Get*`, `kms:Decrypt`) matches an action, case-insensitively. */
function actionPatternMatches(pattern: string, action: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(action);
}

function statementAppliesTo(st: Record<string, unknown>, action: string): boolean {
  if (st.Action !== undefined) return asStrings(st.Action).some((p) => actionPatternMatches(p, action));
  if (st.NotAction !== undefined) return !asStrings(st.NotAction).some((p) => actionPatternMatches(p, action));
  return true;
}

/**
 * Lower-cased context keys that the statements applying to `action` rely on: condition keys and
 * policy variables (in Resource, Principal and condition values).
 */
function referencedContextKeys(docs: readonly Record<string, unknown>[], action: string): Set<string> {
  const keys = new Set<string>();
  for (const doc of docs) {
    for (const st of statementsOf(doc)) {
      if (!statementAppliesTo(st, action)) continue;
      const cond = st.Condition;
      if (typeof cond === 'object' && cond !== null) {
        for (const block of Object.values(cond as Record<string, unknown>)) {
          if (typeof block === 'object' && block !== null) for (const k of Object.keys(block)) keys.add(k.toLowerCase());
        }
      }
      for (const m of JSON.stringify(st).matchAll(IAM_VARIABLE)) {
        const name = m[1].split(', ')[0].trim();
        if (name !== '*' && name !== '?' && name !== '$') keys.add(name.toLowerCase());
      }
    }
  }
  return keys;
}

/**
 * Gives each value the shape its key has (string or string[]), in both modes; throws on a key the
 * library does not know (typo guard) and, in checked mode, on a multi-element array the checked entry
 * point would cut to its first element.
 */
async function normalizeContext(context: ContextValues, unsafe: boolean): Promise<Record<string, string | string[]>> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(context)) {
    if (UNSAFE_ONLY_STRING_KEYS.test(key)) {
      if (!unsafe) throw new Error(`simulate: ${key} is unknown to iam-simulate's data, so the checked entry point would drop it. Use { unsafe: true }.`);
      if (typeof value !== 'string') throw new Error(`simulate: ${key} is single-valued; got ${JSON.stringify(value)}.`);
      out[key] = value;
      continue;
    }
    let libraryMulti: boolean;
    try {
      libraryMulti = isConditionKeyArray(await typeForContextKey(key));
    } catch {
      throw new Error(`simulate: context key ${JSON.stringify(key)} is unknown to iam-simulate (typo?).`);
    }
    const multi = libraryMulti || MULTI_VALUED_OVERRIDES.has(key.toLowerCase());
    const values = typeof value === 'string' ? [value] : [...value];
    if (multi) {
      if (!unsafe && !libraryMulti && values.length > 1) {
        throw new Error(
          `simulate: ${key} is multi-valued in AWS but single-valued in iam-simulate's data; the checked entry ` +
            `point would keep only ${JSON.stringify(values[0])}. Use { unsafe: true }.`,
        );
      }
      out[key] = values;
    } else {
      if (values.length !== 1) throw new Error(`simulate: ${key} is single-valued; got ${JSON.stringify(value)}.`);
      out[key] = values[0];
    }
  }
  return out;
}

interface Prepared {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly identityPolicies: readonly Record<string, unknown>[];
  readonly resourcePolicy?: ValidatedPolicy<{ name: string }>;
  readonly policiesForKeys: readonly Record<string, unknown>[];
  readonly context: ContextValues;
  readonly wrapper: string;
}

async function run(p: Prepared, options: SimOptions): Promise<SimResult> {
  const unsafe = options.unsafe === true;
  const context = await normalizeContext(p.context, unsafe);
  const simulation: Simulation = {
    request: {
      principal: p.principal,
      action: p.action,
      resource: { resource: p.resource, accountId: p.resourceAccount },
      contextVariables: context,
    },
    identityPolicies: p.identityPolicies.map((policy, i) => ({
      name: `identity-${i}`,
      policy: createValidatedPolicy(policy, validateIdentityPolicy, { name: `identity-${i}` }),
    })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(p.resourcePolicy ? { resourcePolicy: p.resourcePolicy } : {}),
  };
  const describe = `${p.wrapper}(${p.action} on ${p.resource} by ${p.principal})`;

  // The checked entry point always runs: it is the validation of policies, action and resource.
  // Keys its data does not know (fact 8) would make it throw; it validates without them.
  const known = Object.fromEntries(Object.entries(context).filter(([key]) => !UNSAFE_ONLY_STRING_KEYS.test(key)));
  const checked: RunSimulationResults = await runSimulation({ ...simulation, request: { ...simulation.request, contextVariables: known } }, {});
  if (checked.resultType === 'error') {
    throw new Error(`${describe}: iam-simulate rejected the input: ${JSON.stringify(checked.errors, null, 2)}`);
  }
  if (checked.resultType !== 'single') {
    throw new Error(`${describe}: the request resource contains "*"; iam-simulate treats it as a pattern. Use a concrete ARN.`);
  }
  const dropped = [...(checked.result.ignoredContextKeys ?? [])];
  const checkedDecision = checked.overallResult;

  if (!unsafe) {
    const relied = referencedContextKeys(p.policiesForKeys, p.action);
    const droppedRelied = dropped.filter((k) => relied.has(k.toLowerCase()));
    if (droppedRelied.length > 0 && options.tolerateDroppedKeys !== true) {
      throw new Error(
        `${describe}: the checked entry point dropped ${droppedRelied.join(', ')}, which a policy relies on; ` +
          `the decision would be wrong. Use { unsafe: true }.`,
      );
    }
    const analysis = checked.result.analysis;
    const ids = (kind: string, list: { explain: StatementExplain }[] | undefined) =>
      (list ?? []).map((s) => `${kind}:${s.explain.identifier}`);
    return {
      decision: checkedDecision,
      mode: 'checked',
      ignoredContextKeys: dropped,
      droppedByCheckedEntryPoint: dropped,
      checkedDecision,
      matched: {
        allow: [...ids('identity', analysis.identityAnalysis?.allowStatements), ...ids('resource', analysis.resourceAnalysis?.allowStatements)],
        deny: [...ids('identity', analysis.identityAnalysis?.denyStatements), ...ids('resource', analysis.resourceAnalysis?.denyStatements)],
      },
      raw: checked,
    };
  }

  // Unsafe: the identity policies are passed raw (it loads them itself); the resource policy as a
  // ValidatedPolicy with a name, without which runUnsafeSimulation throws.
  const decision = runUnsafeSimulation(
    { ...simulation, identityPolicies: p.identityPolicies.map((policy, i) => ({ name: `identity-${i}`, policy })) },
    {},
  );
  return {
    decision,
    mode: 'unsafe',
    ignoredContextKeys: [],
    droppedByCheckedEntryPoint: dropped,
    checkedDecision,
    raw: { checked, unsafe: decision },
  };
}

function accountOf(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 && parts[0] === 'arn' && parts[4] ? parts[4] : undefined;
}

/**
 * Evaluates one request against identity policies and an optional resource policy (bucket policy,
 * KMS key policy). Throws on any input iam-simulate rejects, on a leftover Terraform reference, on a
 * non-concrete resource, and (checked mode) when a context key a policy relies on would be dropped.
 */
export async function simulate(req: SimRequest, options: SimOptions = {}): Promise<SimResult> {
  const identityPolicies = req.identityPolicies.map((p, i) => parsePolicy(p, `identity policy ${i}`));
  identityPolicies.forEach((d, i) => assertConcretePolicy(d, `identity policy ${i}`));
  const resourceDoc = req.resourcePolicy === undefined ? undefined : parsePolicy(req.resourcePolicy, 'resource policy');
  if (resourceDoc) assertConcretePolicy(resourceDoc, 'resource policy');
  if (req.resource.includes('*')) {
    throw new Error(`simulate: request resource ${req.resource} contains "*"; iam-simulate treats it as a pattern. Use a concrete ARN.`);
  }
  return run(
    {
      principal: req.principalArn ?? DEFAULT_PRINCIPAL_ARN,
      action: req.action,
      resource: req.resource,
      resourceAccount: req.resourceAccount ?? accountOf(req.resource) ?? FAKE_ACCOUNT_ID,
      identityPolicies,
      ...(resourceDoc ? { resourcePolicy: createValidatedPolicy(resourceDoc, validateResourcePolicy, { name: 'resource' }) } : {}),
      policiesForKeys: resourceDoc ? [...identityPolicies, resourceDoc] : identityPolicies,
      context: req.context,
      wrapper: 'simulate',
    },
    options,
  );
}

/**
 * Evaluates a role trust policy for a Cognito identity-pool web identity: principal
 * `cognito-identity.amazonaws.com` (matched against `Principal.Federated`), resource = the role.
 * The decision is the trust policy alone (see fact 6 at the top). Use `{ unsafe: true }` for
 * `sts:TagSession` (the checked entry point drops the cognito keys there) and whenever
 * `cognito-identity.amazonaws.com:amr` has more than one value (it always does for real tokens).
 */
export async function simulateTrust(req: TrustRequest, options: SimOptions = {}): Promise<SimResult> {
  const trust = parsePolicy(req.trustPolicy, 'trust policy');
  assertConcretePolicy(trust, 'trust policy');
  const account = accountOf(req.roleArn);
  if (!account || !/^arn:[^:]+:iam::\d{12}:role\/.+/.test(req.roleArn)) {
    throw new Error(`simulateTrust: ${req.roleArn} is not an IAM role ARN.`);
  }
  return run(
    {
      principal: COGNITO_IDENTITY_PROVIDER,
      action: req.action,
      resource: req.roleArn,
      resourceAccount: account,
      identityPolicies: [],
      resourcePolicy: createValidatedPolicy(trust, validateTrustPolicy, { name: 'trust' }),
      policiesForKeys: [trust],
      context: req.context,
      wrapper: 'simulateTrust',
    },
    options,
  );
}

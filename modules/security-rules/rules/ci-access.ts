/**
 * Rules of the CI access stacks (accounts/<name>): they run on those stacks instead of ALL_RULES,
 * which describe the upload platform. See modules/github-ci-access.
 */
import { conditionEntries, grantsAction, LocatedPolicy, parsePolicy, parseS3Resource, policiesIn, Statement } from '../policy';
import { attachedTo, block, blocks, interpolation, isObject, pointsAt, resourceAt, resourcesOf, soleReference, StackJson, StackResource, strings } from '../stack-json';
import { Finding, SecurityRule } from '../types';

const ISSUER = 'token.actions.githubusercontent.com';

export const CI1: SecurityRule = {
  id: 'CI1',
  level: 'error',
  description: 'A role trusting GitHub OIDC pins aud = sts.amazonaws.com and one exact sub (StringEquals, no wildcard), in every statement.',
  reason: 'Without an exact sub, any branch, fork or repository of the owner (or of GitHub) could assume the role; without aud, a token minted for another audience could.',
  docUrl: 'https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services#configuring-the-role-and-trust-policy',
  check(stack) {
    const findings: Finding[] = [];
    for (const policy of policiesIn(stack)) {
      if (policy.attribute !== 'assume_role_policy' || !policy.document) continue;
      for (const statement of policy.document.statements) {
        const federated = isObject(statement.principal) ? strings(statement.principal.Federated) : [];
        const trustsGithub = federated.some((p) => p.includes(ISSUER) || p.includes('aws_iam_openid_connect_provider.'));
        if (!trustsGithub || statement.effect !== 'Allow') continue;
        const where = `${policy.attribute} ${statement.label}`;
        const [aud, ...moreAud] = conditionEntries(statement, `${ISSUER}:aud`);
        if (!(aud && moreAud.length === 0 && aud.operator === 'StringEquals' && aud.values.length === 1 && aud.values[0] === 'sts.amazonaws.com')) {
          findings.push({ address: policy.address, fix: `${where}: pin StringEquals "${ISSUER}:aud" = "sts.amazonaws.com" (found ${JSON.stringify(conditionEntries(statement, `${ISSUER}:aud`))}).` });
        }
        const sub = conditionEntries(statement, `${ISSUER}:sub`);
        const [only, ...more] = sub;
        const value = only?.values.length === 1 ? only.values[0] : undefined;
        const exact = only !== undefined && more.length === 0 && only.operator === 'StringEquals' && value !== undefined && !/[*?]/.test(value) && /^repo:[^/]+\/[^:]+:(pull_request|environment:.+)$/.test(value);
        if (!exact) {
          findings.push({ address: policy.address, fix: `${where}: pin StringEquals "${ISSUER}:sub" to one exact subject such as repo:<owner>/<repo>:pull_request, without wildcards (found ${JSON.stringify(sub)}).` });
        }
      }
    }
    return findings;
  },
};

export const CI2: SecurityRule = {
  id: 'CI2',
  level: 'error',
  description: 'Every bucket of a CI access stack (the Terraform state) is versioned, encrypted by default, private, TLS-only and kept on destroy.',
  reason: 'State holds secrets and is the only record of what Terraform manages: a lost or overwritten state orphans every resource.',
  docUrl: 'https://developer.hashicorp.com/terraform/language/backend/s3',
  check(stack) {
    const findings: Finding[] = [];
    for (const bucket of resourcesOf(stack, 'aws_s3_bucket')) {
      const versioning = attachedTo(stack, 'aws_s3_bucket_versioning', 'bucket', bucket, 'bucket');
      if (!versioning.some((v) => block(v.config.versioning_configuration)?.status === 'Enabled')) {
        findings.push({ address: bucket.address, fix: 'add aws_s3_bucket_versioning with status "Enabled".' });
      }
      const encryption = attachedTo(stack, 'aws_s3_bucket_server_side_encryption_configuration', 'bucket', bucket, 'bucket');
      const algorithms = encryption.flatMap((e) => blocks(e.config.rule)).map((r) => block(r.apply_server_side_encryption_by_default)?.sse_algorithm);
      if (!algorithms.some((a) => a === 'AES256' || a === 'aws:kms' || a === 'aws:kms:dsse')) {
        findings.push({ address: bucket.address, fix: 'add default encryption (aws_s3_bucket_server_side_encryption_configuration).' });
      }
      const access = attachedTo(stack, 'aws_s3_bucket_public_access_block', 'bucket', bucket, 'bucket');
      const flags = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'];
      if (!access.some((a) => flags.every((f) => a.config[f] === true))) {
        findings.push({ address: bucket.address, fix: `add aws_s3_bucket_public_access_block with ${flags.join(', ')} = true.` });
      }
      const policies = attachedTo(stack, 'aws_s3_bucket_policy', 'bucket', bucket, 'bucket');
      const tlsOnly = policies.some((p) =>
        policiesIn({ resource: { aws_s3_bucket_policy: { [p.name]: p.config } } }).some((located) =>
          (located.document?.statements ?? []).some((s) => s.effect === 'Deny' && conditionEntries(s, 'aws:SecureTransport').some((c) => c.operator === 'Bool' && c.values.includes('false'))),
        ),
      );
      if (!tlsOnly) findings.push({ address: bucket.address, fix: 'add a bucket policy denying requests with aws:SecureTransport = false.' });
      if (block(bucket.config.lifecycle)?.prevent_destroy !== true || bucket.config.force_destroy === true) {
        findings.push({ address: bucket.address, fix: 'set lifecycle.prevent_destroy = true and force_destroy = false.' });
      }
    }
    return findings;
  },
};

/** A role that GitHub's OIDC tokens can assume, with what its trust and its policies say. */
export interface GithubRole {
  readonly role: StackResource;
  /** `plan` for the pull_request subject, `apply` for an environment subject, `other` otherwise. */
  readonly kind: 'plan' | 'apply' | 'other';
  /** The GitHub environment of an apply role. */
  readonly environment?: string;
  /**
   * Identity policies of this stack that apply to the role: inline blocks, aws_iam_role_policy, and
   * the documents of aws_iam_policy resources of this stack attached to it.
   */
  readonly policies: readonly LocatedPolicy[];
  /** Managed policy ARNs attached to the role that this stack does not create (so no rule can read them), as written. */
  readonly attachedPolicyArns: readonly string[];
}

/** Every role of the stack whose trust lets GitHub's OIDC provider federate into it. */
export function githubRoles(stack: StackJson): GithubRole[] {
  const policies = policiesIn(stack);
  const out: GithubRole[] = [];
  for (const role of resourcesOf(stack, 'aws_iam_role')) {
    const trust = typeof role.config.assume_role_policy === 'string' ? parsePolicy(role.config.assume_role_policy).document : undefined;
    const statements = (trust?.statements ?? []).filter((st) => st.effect === 'Allow' && trustsGithub(st));
    if (statements.length === 0) continue;
    const subjects = statements.flatMap((st) => conditionEntries(st, `${ISSUER}:sub`).flatMap((c) => c.values));
    const environments = subjects.map((sub) => /:environment:(.+)$/.exec(sub)?.[1]).filter((e): e is string => e !== undefined);
    const kind = subjects.length > 0 && subjects.every((sub) => sub.endsWith(':pull_request')) ? 'plan' : environments.length === 1 && subjects.length === 1 ? 'apply' : 'other';
    const own = policies.filter((p) => p.address === role.address && p.attribute !== 'assume_role_policy');
    for (const rolePolicy of resourcesOf(stack, 'aws_iam_role_policy')) {
      if (pointsAt(rolePolicy.config.role, role, 'name')) own.push(...policies.filter((p) => p.address === rolePolicy.address));
    }
    const attached = strings(role.config.managed_policy_arns);
    for (const a of resourcesOf(stack, 'aws_iam_role_policy_attachment')) if (pointsAt(a.config.role, role, 'name')) attached.push(...strings(a.config.policy_arn));
    for (const a of resourcesOf(stack, 'aws_iam_policy_attachment')) if (strings(a.config.roles).some((r) => pointsAt(r, role, 'name'))) attached.push(...strings(a.config.policy_arn));
    const external: string[] = [];
    for (const arn of attached) {
      const ref = soleReference(arn);
      const managed = ref && ref.attribute === 'arn' ? resourceAt(stack, ref.address) : undefined;
      if (managed?.type === 'aws_iam_policy') own.push(...policies.filter((p) => p.address === managed.address && p.attribute === 'policy'));
      else external.push(arn);
    }
    out.push({ role, kind, ...(kind === 'apply' ? { environment: environments[0] } : {}), policies: own, attachedPolicyArns: external });
  }
  return out;
}

function trustsGithub(statement: Statement): boolean {
  const federated = isObject(statement.principal) ? strings(statement.principal.Federated) : [];
  return federated.some((p) => p.includes(ISSUER) || p.includes('aws_iam_openid_connect_provider.'));
}

function statementsOf(role: GithubRole): { policy: LocatedPolicy; statement: Statement }[] {
  return role.policies.flatMap((policy) => (policy.document?.statements ?? []).map((statement) => ({ policy, statement })));
}

const hasConditions = (st: Statement) => Object.keys(st.conditions).length > 0;
const isWildcard = (text: string) => /[*?]/.test(text);

/** `...:iam::aws:policy/...`, with a literal or interpolated partition. */
const AWS_MANAGED_POLICY = /^arn:[^:]*:iam::aws:policy\//;

export const CI3: SecurityRule = {
  id: 'CI3',
  level: 'error',
  description: 'No AWS managed policy (AdministratorAccess, PowerUserAccess, ReadOnlyAccess, ...) is attached to a role GitHub OIDC can assume.',
  reason:
    'AdministratorAccess on an apply role lets it change every environment and its own permissions; ReadOnlyAccess on the plan role reads every object of every bucket, customers\' uploads included. ' +
    'The only opt-in (accounts/<name>/config.json applyPolicyArns) takes customer managed policies, whose content a reviewer sees.',
  docUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege',
  check(stack) {
    return githubRoles(stack).flatMap((role) =>
      role.attachedPolicyArns
        .filter((a) => AWS_MANAGED_POLICY.test(a))
        .map((a) => ({ address: role.role.address, fix: `detach the AWS managed policy ${a}: the role's inline policy grants what CI needs; a gap goes into it (or, for an apply role, into a customer managed policy in applyPolicyArns).` })),
    );
  },
};

/** Whether an action is a read by its name: `Get*`, `List*`, `Describe*`, `Head*` (wildcards after the verb allowed). */
function isReadAction(action: string): boolean {
  const name = action.split(':')[1] ?? '';
  return ['get', 'list', 'describe', 'head'].some((verb) => name.toLowerCase().startsWith(verb));
}

/** `${aws_s3_bucket.X.arn}/<exact key>` of a bucket of this stack (the state bucket), else undefined. */
function stateObjectKey(stack: StackJson, resource: string): string | undefined {
  const parsed = parseS3Resource(resource);
  if (!parsed || parsed.key === undefined || isWildcard(parsed.key) || parsed.key === '') return undefined;
  const isStackBucket = resourcesOf(stack, 'aws_s3_bucket').some((b) => parsed.bucket === interpolation(b.address, 'arn'));
  return isStackBucket ? parsed.key : undefined;
}

/**
 * kms:Decrypt that only SSM or Secrets Manager can use, for exact parameters or secrets named in the
 * encryption context: how the plan role reads the social sign-in sources encrypted with a customer
 * managed key. https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
 */
function decryptsOnlyExactSecretSources(statement: Statement): boolean {
  const via = conditionEntries(statement, 'kms:ViaService');
  const viaOk = via.length === 1 && via[0]!.operator === 'StringEquals' && via[0]!.values.length > 0 && via[0]!.values.every((v) => /^(ssm|secretsmanager)\.[a-z0-9-]+\.amazonaws\.com$/.test(v));
  const contexts = [...conditionEntries(statement, 'kms:EncryptionContext:PARAMETER_ARN'), ...conditionEntries(statement, 'kms:EncryptionContext:SecretARN')];
  const exact = (v: string) => !v.includes('*') && !v.replace(/-\?{6}$/, '').includes('?');
  const contextOk = contexts.length === 1 && ['StringEquals', 'StringLike'].includes(contexts[0]!.operator) && contexts[0]!.values.length > 0 && contexts[0]!.values.every(exact);
  return viaOk && contextOk && Object.keys(statement.conditions).every((op) => ['StringEquals', 'StringLike'].includes(op));
}

export const CI4: SecurityRule = {
  id: 'CI4',
  level: 'error',
  description:
    'The plan role (sub = ...:pull_request) allows only Get/List/Describe/Head actions, plus s3:PutObject/DeleteObject on <key>.tflock lock files and kms:Decrypt through SSM or Secrets Manager for exact parameters or secrets; it has no managed policy the rules cannot read; and it denies s3:GetObject* on everything but state objects and lock files.',
  reason: 'A pull request, even one that is never merged, runs the plan: whatever the plan role can do, the author of a pull request can do. Uploads are customers\' files.',
  docUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html#policy-eval-denyallow',
  check(stack) {
    const findings: Finding[] = [];
    for (const role of githubRoles(stack).filter((r) => r.kind === 'plan')) {
      const at = role.role.address;
      if (role.attachedPolicyArns.length > 0) findings.push({ address: at, fix: `detach ${role.attachedPolicyArns.join(', ')}: the rules cannot read a managed policy, and the plan role must be provably read-only.` });
      let deniesObjectReads = false;
      for (const { policy, statement } of statementsOf(role)) {
        const where = `${policy.address} ${statement.label}`;
        if (statement.effect === 'Deny') {
          const coversRead = grantsAction(statement, 's3:GetObject') && grantsAction(statement, 's3:GetObjectVersion');
          const exceptions = statement.notResources ?? [];
          if (coversRead && !hasConditions(statement) && statement.resources.length === 0 && exceptions.length > 0 && exceptions.every((r) => stateObjectKey(stack, r) !== undefined)) {
            deniesObjectReads = true;
          }
          continue;
        }
        if (statement.notActions) {
          findings.push({ address: at, fix: `${where}: replace NotAction by the read actions the plan needs.` });
          continue;
        }
        for (const action of statement.actions) {
          if (isReadAction(action)) continue;
          if (action.toLowerCase() === 'kms:decrypt' && decryptsOnlyExactSecretSources(statement)) continue;
          const lockWrite = ['s3:putobject', 's3:deleteobject'].includes(action.toLowerCase()) && statement.resources.length > 0 && statement.resources.every((r) => stateObjectKey(stack, r)?.endsWith('.tflock'));
          if (!lockWrite) findings.push({ address: at, fix: `${where}: ${action} is not a read (Get/List/Describe/Head) nor a lock-file write; remove it from the plan role.` });
        }
      }
      if (!deniesObjectReads) {
        findings.push({ address: at, fix: 'add an unconditional Deny of s3:GetObject* with NotResource = the state objects and <key>.tflock lock files (exact keys in the state bucket).' });
      }
    }
    return findings;
  },
};

export const CI5: SecurityRule = {
  id: 'CI5',
  level: 'error',
  description: "Each apply role allows object actions on its own state object and lock file only, and explicitly denies s3:* on every other apply role's state object and lock file.",
  reason: "State holds secrets and decides what Terraform changes: one environment's apply (its GitHub environment's reviewers) must not be able to read or rewrite another's.",
  docUrl: 'https://developer.hashicorp.com/terraform/language/backend/s3#permissions-required',
  check(stack) {
    const findings: Finding[] = [];
    const applies = githubRoles(stack).filter((r) => r.kind === 'apply');
    const keysOf = new Map<GithubRole, Set<string>>();
    for (const role of applies) {
      const keys = new Set<string>();
      for (const { policy, statement } of statementsOf(role)) {
        if (statement.effect !== 'Allow') continue;
        for (const resource of statement.resources) {
          const parsed = parseS3Resource(resource);
          if (!parsed || parsed.key === undefined) continue;
          const key = stateObjectKey(stack, resource);
          if (key === undefined) {
            if (resourcesOf(stack, 'aws_s3_bucket').some((b) => parsed.bucket === interpolation(b.address, 'arn'))) {
              findings.push({ address: role.role.address, fix: `${policy.address} ${statement.label}: ${resource} is not one exact state key; name the environment's state object and its .tflock.` });
            }
            continue;
          }
          keys.add(key.replace(/\.tflock$/, ''));
        }
      }
      if (keys.size > 1) findings.push({ address: role.role.address, fix: `reaches the state of ${[...keys].sort().join(', ')}; an apply role reaches its own state key only.` });
      keysOf.set(role, keys);
    }
    for (const role of applies) {
      const denies = statementsOf(role).filter(({ statement }) => statement.effect === 'Deny' && !hasConditions(statement));
      for (const other of applies) {
        if (other === role) continue;
        for (const key of keysOf.get(other) ?? []) {
          for (const suffix of ['', '.tflock']) {
            const covered = denies.some(({ statement }) =>
              ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'].every((a) => grantsAction(statement, a)) &&
              statement.resources.some((r) => stateObjectKey(stack, r) === `${key}${suffix}` || (r.endsWith(`/${key}${suffix}`) && r.startsWith('${aws_s3_bucket.'))),
            );
            if (!covered) findings.push({ address: role.role.address, fix: `add an unconditional Deny of s3:* on the state of ${other.environment} (${key}${suffix}).` });
          }
        }
      }
    }
    return findings;
  },
};

/** Actions that would change a managed policy of a CI role. */
const POLICY_CHANGE_ACTIONS = ['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy'];
/** Actions that would let a role widen a CI role or change who can assume it. */
const ROLE_CHANGE_ACTIONS = ['iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:DeleteRole'];

export const CI6: SecurityRule = {
  id: 'CI6',
  level: 'error',
  description:
    'Each apply role explicitly denies changing every GitHub-trusted role of the stack (its own included): inline and managed policies, trust policy, deletion, and new versions of the managed policies this stack attaches to them.',
  reason: 'An apply role that can edit a CI role can give itself (or the plan role that pull requests use) any permission, undoing every other limit.',
  docUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_manage-edit.html',
  check(stack) {
    const findings: Finding[] = [];
    const roles = githubRoles(stack);
    for (const role of roles.filter((r) => r.kind === 'apply')) {
      const denies = statementsOf(role).filter(({ statement }) => statement.effect === 'Deny' && !hasConditions(statement));
      for (const target of roles) {
        const targetArn = interpolation(target.role.address, 'arn');
        for (const action of ROLE_CHANGE_ACTIONS) {
          const covered = denies.some(({ statement }) => grantsAction(statement, action) && statement.resources.some((r) => r === '*' || r === targetArn));
          if (!covered) {
            findings.push({ address: role.role.address, fix: `add an unconditional Deny of ${action} (iam:* is simplest) on ${targetArn}.` });
            break;
          }
        }
      }
      // A new default version of a managed policy of a CI role is a new policy.
      const managed = new Set(roles.flatMap((r) => r.policies.filter((p) => p.address.startsWith('aws_iam_policy.')).map((p) => p.address)));
      for (const address of managed) {
        const policyArn = interpolation(address, 'arn');
        for (const action of POLICY_CHANGE_ACTIONS) {
          const covered = denies.some(({ statement }) => grantsAction(statement, action) && statement.resources.some((r) => r === '*' || r === policyArn));
          if (!covered) {
            findings.push({ address: role.role.address, fix: `add an unconditional Deny of ${action} (iam:* is simplest) on ${policyArn}, a managed policy of a CI role.` });
            break;
          }
        }
      }
    }
    return findings;
  },
};

/** Item reads and copies of a table: what would hand a CI role the tenants' items. */
const TABLE_ITEM_READS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:PartiQLSelect', 'dynamodb:ExportTableToPointInTime'];
/**
 * What reads or writes a secret's value. PutResourcePolicy is not among them: the apply role sets
 * each tenant secret's data perimeter (a Deny of GetSecretValue to every principal outside it), and
 * may do so only with BlockPublicPolicy, so Secrets Manager refuses a policy that opens the secret.
 */
const SECRET_VALUE_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret'];
/** One exact secret: an ARN without wildcards, or with only the `-??????` that stands for Secrets Manager's random suffix. */
const EXACT_SECRET_ARN = /^arn:[^*?]*:secretsmanager:[^*?]*:secret:[^*?]+(?:-\?{6})?$/;

export const CI7: SecurityRule = {
  id: 'CI7',
  level: 'error',
  description:
    'Every role GitHub OIDC can assume denies table item reads (GetItem, Query, Scan, ...) on "*", and every secret value except exact, non-tenant secrets; a role that creates secrets denies reading and writing their values, and sets their resource policy only with secretsmanager:BlockPublicPolicy = true.',
  reason:
    'Tenant secrets and table items are customers\' data. A pull request runs the plan role, and an apply role is one environment\'s reviewers: neither may read a tenant\'s secret or items, whatever else a later change attaches.',
  docUrl: 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples.html',
  check(stack) {
    const findings: Finding[] = [];
    for (const role of githubRoles(stack)) {
      const at = role.role.address;
      const denies = statementsOf(role).filter(({ statement }) => statement.effect === 'Deny' && !hasConditions(statement)).map(({ statement }) => statement);
      const missingItems = TABLE_ITEM_READS.filter((action) => !denies.some((st) => grantsAction(st, action) && st.resources.includes('*')));
      if (missingItems.length > 0) findings.push({ address: at, fix: `add an unconditional Deny of ${missingItems.join(', ')} on "*": CI never needs a table item.` });
      const valueDeny = denies.some(
        (st) =>
          grantsAction(st, 'secretsmanager:GetSecretValue') &&
          (st.resources.includes('*') || (st.resources.length === 0 && (st.notResources ?? []).length > 0 && (st.notResources ?? []).every((r) => EXACT_SECRET_ARN.test(r) && !r.includes('/tenant/')))),
      );
      if (!valueDeny) {
        findings.push({ address: at, fix: 'add an unconditional Deny of secretsmanager:GetSecretValue on "*", or with NotResource = the exact ARNs of the social sign-in secrets (never a tenant secret).' });
      }
      for (const { policy, statement } of statementsOf(role)) {
        if (statement.effect === 'Allow' && grantsAction(statement, 'secretsmanager:PutResourcePolicy')) {
          const blocked = conditionEntries(statement, 'secretsmanager:BlockPublicPolicy').some((e) => e.operator === 'Bool' && e.values.length === 1 && e.values[0] === 'true');
          if (!blocked) findings.push({ address: at, fix: `${policy.address} ${statement.label} allows secretsmanager:PutResourcePolicy: add "Bool": { "secretsmanager:BlockPublicPolicy": "true" } so no policy can open a secret widely.` });
        }
        if (statement.effect !== 'Allow' || !grantsAction(statement, 'secretsmanager:CreateSecret')) continue;
        for (const resource of statement.resources) {
          const missing = SECRET_VALUE_ACTIONS.filter((action) => !denies.some((st) => grantsAction(st, action) && (st.resources.includes('*') || st.resources.includes(resource))));
          if (missing.length > 0) findings.push({ address: at, fix: `${policy.address} ${statement.label} creates secrets ${resource}: add an unconditional Deny of ${missing.join(', ')} on it (the role manages containers, never values).` });
        }
      }
    }
    return findings;
  },
};

/** The rules run on every CI access stack. */
export const CI_ACCESS_RULES: readonly SecurityRule[] = [CI1, CI2, CI3, CI4, CI5, CI6, CI7];

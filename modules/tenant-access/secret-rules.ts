import { PolicyStatement } from '../iam-policy';
import { AccessPrincipal, TenantScope, tenantReference } from './access-rules';

/**
 * Per-tenant secrets as a target of the access model (document 004): each tenant has one Secrets
 * Manager secret named `<prefix><tenant>/secret` and tagged `<tenant tag> = <tenant>`. A user reads
 * only its own tenant's secret, decided twice: by name (the Resource holds the tenant) and by tag
 * (ABAC, `secretsmanager:ResourceTag/<tag>` equals the caller's tenant).
 *
 * ```ts
 * { target: 'secret', principal: 'authenticated', actions: ['read'] }
 * ```
 */
export type SecretAction = 'read';
export const SECRET_ACTIONS: readonly SecretAction[] = ['read'];

export interface SecretAccessRule {
  /** Which target of the access model the rule grants on. */
  readonly target: 'secret';
  /** Who the rule grants to. */
  readonly principal: AccessPrincipal;
  /** `read` (GetSecretValue) is the only action: users never write, tag or share a secret. */
  readonly actions: readonly SecretAction[];
}

/** Document 004: every user reads its own tenant's secret. */
export const DEFAULT_SECRET_ACCESS_RULES: readonly SecretAccessRule[] = [{ target: 'secret', principal: 'authenticated', actions: ['read'] }];

/** The last segment of every tenant secret's name: no name ends in `-` and six characters, which Secrets Manager would confuse with its ARN suffix. */
export const TENANT_SECRET_SUFFIX = '/secret';

/**
 * What users may never do to a tenant secret, whatever else allows it: change its tags (which
 * would move it into another tenant under ABAC), its resource policy (which would share it), its
 * value, its versions, or its existence. https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_abac.html
 */
export const SECRET_DENIED_ACTIONS: readonly string[] = [
  'secretsmanager:TagResource',
  'secretsmanager:UntagResource',
  'secretsmanager:PutResourcePolicy',
  'secretsmanager:DeleteResourcePolicy',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecret',
  'secretsmanager:UpdateSecretVersionStage',
  'secretsmanager:DeleteSecret',
  'secretsmanager:RestoreSecret',
  'secretsmanager:RotateSecret',
  'secretsmanager:CancelRotateSecret',
  'secretsmanager:ReplicateSecretToRegions',
  'secretsmanager:RemoveRegionsFromReplication',
  'secretsmanager:StopReplicationToReplica',
];

/** Problems with a secret rule set, as readable sentences; empty when the rules are valid. */
export function validateSecretAccessRules(rules: readonly SecretAccessRule[]): string[] {
  const problems: string[] = [];
  if (rules.length > 1) problems.push(`secretRules must hold at most one rule (received ${rules.length}): a tenant has one secret.`);
  rules.forEach((rule, i) => {
    const where = `secretRules[${i}]`;
    if (rule.target !== 'secret') problems.push(`${where}.target must be "secret" (received ${JSON.stringify(rule.target)}).`);
    // Stryker disable next-line StringLiteral: SECRET_ACTIONS has one action, so the join separator never appears; the message itself is pinned by 'secret rules › report every problem of a rule set'.
    if (rule.actions.length === 0) problems.push(`${where}.actions must list ${SECRET_ACTIONS.join(', ')}.`);
    for (const action of rule.actions) {
      // Stryker disable next-line StringLiteral: SECRET_ACTIONS has one action, so the join separator never appears; the message itself is pinned by 'secret rules › report every problem of a rule set'.
      if (!SECRET_ACTIONS.includes(action)) problems.push(`${where}.actions has ${JSON.stringify(action)}; allowed: ${SECRET_ACTIONS.join(', ')} (users never write, tag or share a secret).`);
    }
  });
  return problems;
}

export interface SecretCompileContext {
  /**
   * The ARN of a tenant secret up to the tenant id: `arn:<partition>:secretsmanager:<region>:<account>:secret:<prefix>`,
   * e.g. `arn:aws:secretsmanager:eu-central-1:111111111111:secret:tenantup-dev/tenant/`.
   */
  readonly secretArnPrefix: string;
  /** The data key ARN (a Terraform reference). */
  readonly keyArn: string;
  /** The Region, for `kms:ViaService`. */
  readonly region: string;
  /** The tag key the secrets carry their tenant in (the tenant attribute). */
  readonly tenantTagKey: string;
  /** Whose tenant: the caller's principal tag, or a literal tenant id. */
  readonly scope: TenantScope;
}

/**
 * The ARN of the scope's tenant secret. Secrets Manager appends `-` and six random characters to
 * every secret ARN; `??????` matches exactly those, so the grant names one secret.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html#auth-and-access_resource-arn
 */
export function tenantSecretArn(ctx: Pick<SecretCompileContext, 'secretArnPrefix' | 'scope'>): string {
  return `${ctx.secretArnPrefix}${tenantReference(ctx.scope)}${TENANT_SECRET_SUFFIX}-??????`;
}

/** Every tenant secret of the environment (for Denies): the prefix and anything after it. */
export function allTenantSecretsArn(secretArnPrefix: string): string {
  return `${secretArnPrefix}*`;
}

/**
 * Compiles secret rules into identity-policy statements: GetSecretValue on the scope's own secret,
 * only while the secret's tenant tag equals the scope's tenant; kms:Decrypt through Secrets Manager
 * only for that secret (its ARN is the `SecretARN` encryption context); and a Deny of every action
 * that changes a tenant secret, its tags or its policy.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html#security-encryption-encryption-context
 */
export function compileSecretAccessRules(rules: readonly SecretAccessRule[], ctx: SecretCompileContext): PolicyStatement[] {
  const problems = validateSecretAccessRules(rules);
  if (problems.length > 0) throw new Error(`Invalid secret access rules:\n  - ${problems.join('\n  - ')}`);
  if (rules.length === 0) return [];
  const own = tenantSecretArn(ctx);
  return [
    {
      Sid: 'TenantSecretRead',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: own,
      Condition: { StringEquals: { [`secretsmanager:ResourceTag/${ctx.tenantTagKey}`]: tenantReference(ctx.scope) } },
    },
    {
      Sid: 'DataKeyThroughSecretsManager',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: ctx.keyArn,
      Condition: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${ctx.region}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:SecretARN': own },
      },
    },
    {
      Sid: 'DenyTenantSecretChanges',
      Effect: 'Deny',
      Action: SECRET_DENIED_ACTIONS,
      Resource: allTenantSecretsArn(ctx.secretArnPrefix),
    },
  ];
}

import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretPolicy } from '@cdktf/provider-aws/lib/secretsmanager-secret-policy';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { dataPerimeterStatement, policyDocument, renderPolicy, SECRET_PERIMETER_ACTIONS } from '../iam-policy';
import { TENANT_ID_PATTERN, TENANT_SECRET_SUFFIX } from '../tenant-access';

export interface TenantSecretsProps {
  /** Name prefix of every tenant's secret, ending in `/` (`${prefix}-${env}/tenant/`); the secret of `acme` is `<prefix>acme/secret`. */
  readonly namePrefix: string;
  /** The tenants that get a secret, by id. */
  readonly tenantIds: readonly string[];
  /** The tag key that names a secret's tenant: the tenant principal tag's key (ABAC). */
  readonly tenantTagKey: string;
  /** ARN of the customer-managed key that encrypts the secret values (the environment's data key). */
  readonly kmsKeyArn: string;
  /** Days a deleted secret can still be restored, 7–30. @default 30 */
  readonly recoveryWindowInDays?: number;
  /** A protected secret gets `prevent_destroy`. @default false */
  readonly protected?: boolean;
  /**
   * The only IAM principals (role ARNs or role-name patterns ending in `*`, matched as
   * `aws:PrincipalArn`) that may read a secret's value: each secret's policy denies
   * `secretsmanager:GetSecretValue` to every other principal of the account, an operator with
   * `secretsmanager:*` included. Putting a value, tagging and deleting stay with IAM.
   * @default - no secret policy: any principal whose IAM policy allows it
   */
  readonly dataAccessPrincipalArns?: readonly string[];
}

/** Secret names: 1–512 characters of letters, digits and `/_+=.@-`. https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/**
 * One Secrets Manager secret per tenant (document 004), keyed by tenant id (construct `Secret-<id>`),
 * tagged `<tenantTagKey> = <id>` and encrypted with the environment's key. Only the containers: the
 * stack creates no secret version, so no secret value is ever in the repository, the plan or the
 * Terraform state. An operator puts the value in (`aws secretsmanager put-secret-value`).
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_abac.html
 */
export class TenantSecrets extends Construct {
  /** Secret ARNs keyed by tenant id. */
  public readonly secretArns: ReadonlyMap<string, string>;
  /** The underlying secrets keyed by tenant id, for overrides. */
  public readonly secrets: ReadonlyMap<string, SecretsmanagerSecret>;

  constructor(scope: Construct, id: string, props: TenantSecretsProps) {
    super(scope, id);
    const window = props.recoveryWindowInDays ?? 30;
    const problems: string[] = [];
    if (!Number.isInteger(window) || window < 7 || window > 30) {
      problems.push(`recoveryWindowInDays must be a whole number of days from 7 to 30 (received ${window}); 0 would delete a secret at once, without recovery.`);
    }
    if (!Token.isUnresolved(props.namePrefix) && (!props.namePrefix.endsWith('/') || !SECRET_NAME.test(props.namePrefix))) {
      problems.push(`namePrefix must be letters, digits and /_+=.@- ending in "/" (received ${JSON.stringify(props.namePrefix)}).`);
    }
    const seen = new Set<string>();
    props.tenantIds.forEach((tenant, i) => {
      if (!TENANT_ID_PATTERN.test(tenant)) problems.push(`tenantIds[${i}] must match ${TENANT_ID_PATTERN.source} (received ${JSON.stringify(tenant)}).`);
      if (seen.has(tenant)) problems.push(`tenantIds[${i}] ${JSON.stringify(tenant)} is listed twice.`);
      seen.add(tenant);
      const name = `${props.namePrefix}${tenant}${TENANT_SECRET_SUFFIX}`;
      if (!Token.isUnresolved(name) && name.length > 512) problems.push(`the secret name of ${tenant} has ${name.length} characters; Secrets Manager allows 512.`);
    });
    if (props.dataAccessPrincipalArns !== undefined && props.dataAccessPrincipalArns.length === 0) {
      problems.push('dataAccessPrincipalArns must name at least one principal, or be left out: an empty list would deny every secret value to everyone.');
    }
    if (problems.length > 0) throw new Error(`TenantSecrets ${this.node.path}:\n  - ${problems.join('\n  - ')}`);

    const secrets = new Map<string, SecretsmanagerSecret>();
    for (const tenant of props.tenantIds) {
      secrets.set(
        tenant,
        new SecretsmanagerSecret(this, `Secret-${tenant}`, {
          name: `${props.namePrefix}${tenant}${TENANT_SECRET_SUFFIX}`,
          description: `Secret of tenant ${tenant}; its value is set out of band, never by Terraform.`,
          kmsKeyId: props.kmsKeyArn,
          recoveryWindowInDays: window,
          tags: { [props.tenantTagKey]: tenant },
          ...(props.protected ? { lifecycle: { preventDestroy: true } } : {}),
        }),
      );
    }
    const perimeter = props.dataAccessPrincipalArns;
    if (perimeter !== undefined) {
      // In a secret's policy, Resource "*" is the secret itself. block_public_policy keeps an Allow
      // for everyone out. https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html
      const policy = renderPolicy(policyDocument([dataPerimeterStatement('DenySecretValueToOtherPrincipals', SECRET_PERIMETER_ACTIONS, '*', perimeter)]));
      for (const [tenant, secret] of secrets) {
        new SecretsmanagerSecretPolicy(this, `Policy-${tenant}`, { secretArn: secret.arn, policy, blockPublicPolicy: true });
      }
    }
    this.secrets = secrets;
    this.secretArns = new Map([...secrets].map(([tenant, secret]) => [tenant, secret.arn]));
  }
}

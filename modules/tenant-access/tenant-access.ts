import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { PolicyDocument, policyDocument, renderPolicy } from '../iam-policy';
import { DEFAULT_ACCESS_RULES, reservedTenantIds, RoleAccess, StorageAccessRule, validateAccessRules } from './access-rules';
import { compileRoleAccess } from './role-access';
import { DEFAULT_SECRET_ACCESS_RULES, SecretAccessRule, validateSecretAccessRules } from './secret-rules';
import { DEFAULT_TABLE_ACCESS_RULES, TableAccessRule, validateTableAccessRules } from './table-rules';
import { endUserTrustPolicy } from './trust-policy';

export { COGNITO_IDENTITY_PRINCIPAL } from './trust-policy';

export interface TenantAccessProps {
  /** Physical name of the role (`${prefix}-${env}-authenticated`), at most 64 characters. */
  readonly roleName: string;
  /** The identity pool whose authenticated identities may assume the role (a reference). */
  readonly identityPoolId: string;
  /** ARN of the upload bucket. */
  readonly bucketArn: string;
  /** ARN of the key that encrypts the bucket. */
  readonly keyArn: string;
  /** The Region of the bucket, for `kms:ViaService`. */
  readonly region: string;
  /** The principal tag that carries the tenant. @default 'customerName' */
  readonly tenantTagKey?: string;
  /** What authenticated users may do, as key patterns. @default DEFAULT_ACCESS_RULES (documents 000 and 001) */
  readonly rules?: readonly StorageAccessRule[];
  /**
   * Bind data-key use to the caller's own prefixes through `kms:EncryptionContext:aws:s3:arn`.
   * Needs S3 Bucket Keys off on the bucket.
   * @default true
   */
  readonly bindKeyToPrefix?: boolean;
  /** Longest session, in seconds (identity pools issue one-hour credentials). @default 3600 */
  readonly maxSessionDuration?: number;
  /**
   * Which end-user role this is: whose tenant `{tenant}` names, which groups' rules apply, whether
   * sessions without a tenant tag are served (see `RoleAccess`).
   * @default - the shared role: `{tenant}` is the principal tag, no group rules, tenant-less sessions denied
   */
  readonly access?: RoleAccess;
  /** The role's description. @default - the shared authenticated role's description */
  readonly description?: string;
  /** The tenant table (document 003) and what users may do with its items. @default - no table grants */
  readonly table?: TenantTableGrants;
  /** The per-tenant secrets (document 004) and what users may do with them. @default - no secret grants */
  readonly secrets?: TenantSecretGrants;
}

/** The tenant table as a target of the access rules. */
export interface TenantTableGrants {
  /** ARN of the table. */
  readonly tableArn: string;
  /** Name of the table (the encryption context DynamoDB gives the data key). */
  readonly tableName: string;
  /** What users may do with the items under their tenant's keys. @default DEFAULT_TABLE_ACCESS_RULES */
  readonly rules?: readonly TableAccessRule[];
}

/** The per-tenant secrets as a target of the access rules. */
export interface TenantSecretGrants {
  /** `arn:<partition>:secretsmanager:<region>:<account>:secret:<name prefix>`: a tenant secret's ARN up to its tenant id. */
  readonly secretArnPrefix: string;
  /** What users may do with their tenant's secret. @default DEFAULT_SECRET_ACCESS_RULES */
  readonly rules?: readonly SecretAccessRule[];
}

/**
 * The single role every authenticated user of the identity pool assumes. What a user may touch
 * is decided at request time by their session tags and identity id, not by one role per tenant.
 */
export class TenantAccess extends Construct {
  /** ARN of the authenticated role. */
  public readonly roleArn: string;
  /** Name of the authenticated role. */
  public readonly roleName: string;
  /** The trust policy, as a typed document (before escaping). */
  public readonly trustPolicy: PolicyDocument;
  /** The permissions policy, as a typed document (before escaping). */
  public readonly permissionsPolicy: PolicyDocument;
  /** The underlying role, for overrides. */
  public readonly role: IamRole;
  /** The underlying inline policy, for overrides. */
  public readonly policy: IamRolePolicy;

  constructor(scope: Construct, id: string, props: TenantAccessProps) {
    super(scope, id);
    const rules = props.rules ?? DEFAULT_ACCESS_RULES;
    const problems = validateAccessRules(rules);
    const tableRules = props.table ? (props.table.rules ?? DEFAULT_TABLE_ACCESS_RULES) : [];
    const secretRules = props.secrets ? (props.secrets.rules ?? DEFAULT_SECRET_ACCESS_RULES) : [];
    problems.push(...validateTableAccessRules(tableRules), ...validateSecretAccessRules(secretRules));
    if (!Token.isUnresolved(props.roleName) && !/^[\w+=,.@-]{1,64}$/.test(props.roleName)) {
      problems.push(`roleName must be 1–64 characters of letters, digits and +=,.@_- (received ${JSON.stringify(props.roleName)}).`);
    }
    const maxSessionDuration = props.maxSessionDuration ?? 3600;
    if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 3600 || maxSessionDuration > 43200) {
      problems.push(`maxSessionDuration must be a whole number of seconds from 3600 to 43200 (received ${maxSessionDuration}).`);
    }
    if (problems.length > 0) throw new Error(`TenantAccess ${this.node.path}:\n  - ${problems.join('\n  - ')}`);

    const tenantTagKey = props.tenantTagKey ?? 'customerName';
    const access: RoleAccess = props.access ?? { tenant: { principalTag: tenantTagKey } };
    this.trustPolicy = endUserTrustPolicy({
      identityPoolId: props.identityPoolId,
      tenantTagKey,
      reservedTenantIds: reservedTenantIds(rules),
      ...(access.tenant !== undefined && 'tenantId' in access.tenant ? { tenantId: access.tenant.tenantId } : {}),
    });
    this.permissionsPolicy = policyDocument(
      compileRoleAccess(
        [...rules, ...tableRules, ...secretRules],
        {
          bucketArn: props.bucketArn,
          keyArn: props.keyArn,
          region: props.region,
          tenantTagKey,
          bindKeyToPrefix: props.bindKeyToPrefix ?? true,
          ...(props.table ? { table: { tableArn: props.table.tableArn, tableName: props.table.tableName } } : {}),
          ...(props.secrets ? { secretArnPrefix: props.secrets.secretArnPrefix } : {}),
        },
        access,
      ),
    );

    this.role = new IamRole(this, 'Role', {
      name: props.roleName,
      description: props.description ?? 'Authenticated identity-pool users; access is scoped by principal tag and identity id.',
      assumeRolePolicy: renderPolicy(this.trustPolicy),
      maxSessionDuration,
    });
    this.policy = new IamRolePolicy(this, 'Policy', {
      name: 'tenant-scoped-storage',
      role: this.role.id,
      policy: renderPolicy(this.permissionsPolicy),
    });
    this.roleArn = this.role.arn;
    this.roleName = this.role.name;
  }
}

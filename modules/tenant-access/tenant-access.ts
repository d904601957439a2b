import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { PolicyDocument, policyDocument, renderPolicy } from '../iam-policy';
import { compileAccessRules, DEFAULT_ACCESS_RULES, reservedTenantIds, StorageAccessRule, validateAccessRules } from './access-rules';
import { compileTenantDataGuards } from './data-guards';
import { compileSecretAccessRules, DEFAULT_SECRET_ACCESS_RULES, SecretAccessRule, validateSecretAccessRules, allTenantSecretsArn } from './secret-rules';
import { compileTableAccessRules, DEFAULT_TABLE_ACCESS_RULES, TableAccessRule, validateTableAccessRules } from './table-rules';
import { malformedTenantTagPatterns } from './tenant-id';

/** The principal Cognito identity pools federate through. */
export const COGNITO_IDENTITY_PRINCIPAL = 'cognito-identity.amazonaws.com';

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

    // Confused-deputy protection: only tokens issued for this identity pool (aud), and only for
    // authenticated identities (amr). sts:TagSession lets the pool attach the principal tags.
    // https://docs.aws.amazon.com/cognito/latest/developerguide/iam-roles.html#trust-policies
    // https://docs.aws.amazon.com/cognito/latest/developerguide/attributes-for-access-control.html
    const tenantTagKey = props.tenantTagKey ?? 'customerName';
    const cognito = { Federated: COGNITO_IDENTITY_PRINCIPAL };
    const requestTag = `aws:RequestTag/${tenantTagKey}`;
    const reserved = reservedTenantIds(rules);
    this.trustPolicy = policyDocument([
      {
        Sid: 'AuthenticatedIdentitiesOfThisPool',
        Effect: 'Allow',
        Principal: cognito,
        Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
        Condition: {
          StringEquals: { [`${COGNITO_IDENTITY_PRINCIPAL}:aud`]: props.identityPoolId },
          'ForAnyValue:StringLike': { [`${COGNITO_IDENTITY_PRINCIPAL}:amr`]: 'authenticated' },
        },
      },
      // Defence in depth behind the tenant-claim trigger: the identity pool may set only the tenant
      // tag, and never to a value that is no tenant id or that names a fixed folder. A Deny on
      // sts:TagSession fails the whole credential exchange, so such a session never exists.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required
      {
        Sid: 'DenyUnexpectedSessionTagKeys',
        Effect: 'Deny',
        Principal: cognito,
        Action: 'sts:TagSession',
        Condition: { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': [tenantTagKey] } },
      },
      {
        Sid: 'DenyMalformedTenantTagValues',
        Effect: 'Deny',
        Principal: cognito,
        Action: 'sts:TagSession',
        Condition: { StringLike: { [requestTag]: ['', ...malformedTenantTagPatterns()] } },
      },
      ...(reserved.length === 0
        ? []
        : [
            {
              Sid: 'DenyReservedTenantTagValues',
              Effect: 'Deny' as const,
              Principal: cognito,
              Action: 'sts:TagSession',
              Condition: { StringEqualsIgnoreCase: { [requestTag]: reserved } },
            },
          ]),
    ]);
    const tenantScope = { principalTag: tenantTagKey };
    const secretArnPrefix = props.secrets?.secretArnPrefix;
    this.permissionsPolicy = policyDocument([
      ...compileAccessRules(rules, {
        bucketArn: props.bucketArn,
        keyArn: props.keyArn,
        region: props.region,
        tenantTagKey,
        bindKeyToPrefix: props.bindKeyToPrefix ?? true,
      }),
      ...(props.table ? compileTableAccessRules(tableRules, { tableArn: props.table.tableArn, tableName: props.table.tableName, keyArn: props.keyArn, region: props.region, scope: tenantScope }) : []),
      ...(secretArnPrefix === undefined ? [] : compileSecretAccessRules(secretRules, { secretArnPrefix, keyArn: props.keyArn, region: props.region, tenantTagKey, scope: tenantScope })),
      ...compileTenantDataGuards({
        tenantTagKey,
        resources: [...(props.table ? [props.table.tableArn] : []), ...(secretArnPrefix === undefined ? [] : [allTenantSecretsArn(secretArnPrefix)])],
        actions: [...(props.table ? ['dynamodb:*'] : []), ...(secretArnPrefix === undefined ? [] : ['secretsmanager:*'])],
        reserved,
      }),
    ]);

    this.role = new IamRole(this, 'Role', {
      name: props.roleName,
      description: 'Authenticated identity-pool users; access is scoped by principal tag and identity id.',
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

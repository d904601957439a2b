import { DynamodbResourcePolicy } from '@cdktf/provider-aws/lib/dynamodb-resource-policy';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { dataPerimeterStatement, policyDocument, renderPolicy, TABLE_PERIMETER_ACTIONS } from '../iam-policy';

export interface TenantTableProps {
  /** Physical name (`${prefix}-${env}-tenant-data`), 3–255 characters of letters, digits, `_ . -`. */
  readonly tableName: string;
  /** ARN of the customer-managed key that encrypts the table (the environment's data key, full ARN). */
  readonly kmsKeyArn: string;
  /**
   * A protected table has deletion protection on (the API refuses DeleteTable) and `prevent_destroy`
   * (Terraform refuses a plan that destroys it).
   * @default false
   */
  readonly protected?: boolean;
  /** Name of the string partition key; every value starts with `<tenant>#`. @default 'pk' */
  readonly partitionKey?: string;
  /** Name of the string sort key. @default 'sk' */
  readonly sortKey?: string;
  /**
   * The only IAM principals (role ARNs or role-name patterns ending in `*`, matched as
   * `aws:PrincipalArn`) that may read or write items, export, back up or restore the table: the
   * table's resource policy denies TABLE_PERIMETER_ACTIONS to every other principal of the account, an
   * administrator with `dynamodb:*` included. Table management is not affected.
   * @default - no resource policy: any principal whose IAM policy allows it
   */
  readonly dataAccessPrincipalArns?: readonly string[];
}

/** Attribute names: 1–255 characters; kept to a plain identifier so they read well in key conditions. */
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/**
 * The tenant table (document 003): one on-demand DynamoDB table for every tenant, each item's
 * partition key prefixed by its tenant (`acme#…`), so IAM can confine a user to its tenant's items
 * with `dynamodb:LeadingKeys`. Point-in-time recovery is always on, the table is encrypted with the
 * environment's customer-managed key, and a protected table cannot be deleted by the API or by a plan.
 * It has no secondary index and no stream: neither is keyed by the tenant, so neither could be granted.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
 */
export class TenantTable extends Construct {
  /** ARN of the table. */
  public readonly tableArn: string;
  /** Name of the table. */
  public readonly tableName: string;
  /** Name of the partition key. */
  public readonly partitionKey: string;
  /** Name of the sort key. */
  public readonly sortKey: string;
  /** The underlying table, for overrides. */
  public readonly table: DynamodbTable;
  /** The table's resource policy (the data perimeter), when `dataAccessPrincipalArns` is set. */
  public readonly resourcePolicy?: DynamodbResourcePolicy;

  constructor(scope: Construct, id: string, props: TenantTableProps) {
    super(scope, id);
    const partitionKey = props.partitionKey ?? 'pk';
    const sortKey = props.sortKey ?? 'sk';
    const problems: string[] = [];
    if (!Token.isUnresolved(props.tableName) && !TABLE_NAME.test(props.tableName)) {
      problems.push(`tableName must be 3–255 characters of letters, digits, _ . - (received ${JSON.stringify(props.tableName)}).`);
    }
    for (const [name, value] of [['partitionKey', partitionKey], ['sortKey', sortKey]] as const) {
      if (!ATTRIBUTE_NAME.test(value)) problems.push(`${name} must match ${ATTRIBUTE_NAME.source} (received ${JSON.stringify(value)}).`);
    }
    if (partitionKey === sortKey) problems.push(`partitionKey and sortKey must differ (both ${JSON.stringify(partitionKey)}).`);
    if (!Token.isUnresolved(props.kmsKeyArn) && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(props.kmsKeyArn)) {
      problems.push(`kmsKeyArn must be a key's full ARN; an alias or key id resolves in the caller's account (received ${JSON.stringify(props.kmsKeyArn)}).`);
    }
    if (props.dataAccessPrincipalArns !== undefined && props.dataAccessPrincipalArns.length === 0) {
      problems.push('dataAccessPrincipalArns must name at least one principal, or be left out: an empty list would deny every item to everyone.');
    }
    if (problems.length > 0) throw new Error(`TenantTable ${this.node.path}:\n  - ${problems.join('\n  - ')}`);

    const isProtected = props.protected ?? false;
    this.table = new DynamodbTable(this, 'Table', {
      name: props.tableName,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: partitionKey,
      rangeKey: sortKey,
      attribute: [
        { name: partitionKey, type: 'S' },
        { name: sortKey, type: 'S' },
      ],
      // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery.html
      pointInTimeRecovery: { enabled: true },
      // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection
      deletionProtectionEnabled: isProtected,
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn },
      ...(isProtected ? { lifecycle: { preventDestroy: true } } : {}),
    });
    if (props.dataAccessPrincipalArns !== undefined) {
      // A resource policy is at most 20 KB; a handful of role ARNs and patterns is far below.
      // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/rbac-considerations.html
      this.resourcePolicy = new DynamodbResourcePolicy(this, 'ResourcePolicy', {
        resourceArn: this.table.arn,
        policy: renderPolicy(policyDocument([dataPerimeterStatement('DenyTableDataToOtherPrincipals', TABLE_PERIMETER_ACTIONS, this.table.arn, props.dataAccessPrincipalArns)])),
      });
    }
    this.tableArn = this.table.arn;
    this.tableName = this.table.name;
    this.partitionKey = partitionKey;
    this.sortKey = sortKey;
  }
}

import { PolicyStatement } from '../iam-policy';
import { AccessPrincipal, TENANT_TOKEN, TenantScope, tenantReference } from './access-rules';

/**
 * The tenant table as a target of the access model (document 003). Every item's partition key
 * starts with its tenant id and `#` (`acme#invoice#2026-001`), so a tenant's items are the keys
 * under `<tenant>#`, as a tenant's files are the keys under `<tenant>/` in the bucket.
 *
 * ```ts
 * { target: 'table', pattern: '{tenant}#*', principal: 'authenticated', actions: ['read', 'write', 'delete'] }
 * ```
 *
 * `{tenant}#*` grants every partition key that starts with the tenant and `#`; `{tenant}` grants the
 * one partition key equal to the tenant id (all of a tenant's items share it, told apart by the
 * sort key). `#` can never occur in a tenant id nor in a session-tag value (STS allows letters,
 * digits, spaces and `_ . : / = + - @`), so `ac#*` never reaches `acme#…`, the way the slash keeps
 * `ac/` out of `acme/`. https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_know
 */
export type TableAction = 'read' | 'write' | 'delete';
export const TABLE_ACTIONS: readonly TableAction[] = ['read', 'write', 'delete'];

export interface TableAccessRule {
  /** Which target of the access model the rule grants on. */
  readonly target: 'table';
  /** Partition-key pattern: `{tenant}#*` (keys under the tenant) or `{tenant}` (the tenant's one key). */
  readonly pattern: string;
  /** Who the rule grants to. */
  readonly principal: AccessPrincipal;
  /** What the principal may do with the items under the pattern. */
  readonly actions: readonly TableAction[];
}

/** Document 003: every user reads, writes and deletes the items under its tenant's keys. */
export const DEFAULT_TABLE_ACCESS_RULES: readonly TableAccessRule[] = [
  { target: 'table', pattern: '{tenant}#*', principal: 'authenticated', actions: ['read', 'write', 'delete'] },
];

/** Separates the tenant from the rest of a partition key. */
export const TABLE_KEY_SEPARATOR = '#';

/**
 * Item-level DynamoDB actions per table action: each of them names the partition keys it touches
 * in the request, so `dynamodb:LeadingKeys` is always present. Transactions (TransactGetItems,
 * TransactWriteItems) are authorized item by item as these actions. Never granted: Scan and PartiQL
 * (ExecuteStatement, BatchExecuteStatement and ExecuteTransaction, authorized as
 * dynamodb:PartiQLSelect/Insert/Update/Delete) can read or write without naming keys, where
 * `ForAllValues` is vacuously true; index, stream and table-level actions have no leading key of the
 * base table either.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-iam.html
 */
export const TABLE_ITEM_ACTIONS: Readonly<Record<TableAction, readonly string[]>> = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
  delete: ['dynamodb:DeleteItem'],
};

/**
 * One BatchWriteItem request may hold PutRequests and DeleteRequests, and IAM authorizes it as the
 * one action `dynamodb:BatchWriteItem`: granting it with `write` alone would let a user delete. So
 * it is granted only to a rule with both `write` and `delete`.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
 */
export const BATCH_WRITE_ACTION = 'dynamodb:BatchWriteItem';

/** The DynamoDB actions a rule's table actions grant. */
export function tableActionsFor(actions: readonly TableAction[]): string[] {
  const granted = TABLE_ACTIONS.filter((action) => actions.includes(action)).flatMap((action) => TABLE_ITEM_ACTIONS[action]);
  return actions.includes('write') && actions.includes('delete') ? [...granted, BATCH_WRITE_ACTION] : granted;
}

const TABLE_PATTERNS = [TENANT_TOKEN, `${TENANT_TOKEN}${TABLE_KEY_SEPARATOR}*`];

/** Problems with a table rule set, as readable sentences; empty when the rules are valid. */
export function validateTableAccessRules(rules: readonly TableAccessRule[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    const where = `tableRules[${i}]`;
    if (rule.target !== 'table') problems.push(`${where}.target must be "table" (received ${JSON.stringify(rule.target)}).`);
    if (!TABLE_PATTERNS.includes(rule.pattern)) {
      problems.push(`${where}.pattern must be ${TABLE_PATTERNS.map((p) => JSON.stringify(p)).join(' or ')}: a grant must start at the tenant and stop at the separator (received ${JSON.stringify(rule.pattern)}).`);
    }
    if (seen.has(rule.pattern)) problems.push(`${where}.pattern ${JSON.stringify(rule.pattern)} is listed twice: merge the actions into one rule.`);
    seen.add(rule.pattern);
    if (rule.actions.length === 0) problems.push(`${where}.actions must list at least one of ${TABLE_ACTIONS.join(', ')}.`);
    for (const action of rule.actions) {
      if (!TABLE_ACTIONS.includes(action)) problems.push(`${where}.actions has ${JSON.stringify(action)}; allowed: ${TABLE_ACTIONS.join(', ')}.`);
    }
  });
  return problems;
}

export interface TableCompileContext {
  /** The table ARN (a Terraform reference). */
  readonly tableArn: string;
  /** The table name (a Terraform reference or the literal name), for the key's encryption context. */
  readonly tableName: string;
  /** The data key ARN (a Terraform reference). */
  readonly keyArn: string;
  /** The Region, for `kms:ViaService`. */
  readonly region: string;
  /** Whose tenant `{tenant}` names: the caller's principal tag, or a literal tenant id. */
  readonly scope: TenantScope;
}

/** The `dynamodb:LeadingKeys` value a pattern compiles to for a scope: `${aws:PrincipalTag/x}#*` or `acme#*`. */
export function leadingKeyPattern(pattern: string, scope: TenantScope): string {
  return pattern.replace(TENANT_TOKEN, tenantReference(scope));
}

/**
 * Compiles table rules into identity-policy statements: one Allow per rule on the table ARN only
 * (no `/index/*`: a secondary index's leading key is another attribute, so it is never granted),
 * confined by `ForAllValues` over every leading key of the request, and `Null = false` so that a
 * request without keys (where `ForAllValues` is vacuously true) is not allowed even if a key-less
 * action were ever added. A batch with one foreign key among its own fails `ForAllValues` whole.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 */
export function compileTableAccessRules(rules: readonly TableAccessRule[], ctx: TableCompileContext): PolicyStatement[] {
  const problems = validateTableAccessRules(rules);
  if (problems.length > 0) throw new Error(`Invalid table access rules:\n  - ${problems.join('\n  - ')}`);
  const statements: PolicyStatement[] = rules.map((rule) => {
    const exact = rule.pattern === TENANT_TOKEN;
    const actions = tableActionsFor(rule.actions);
    return {
      Sid: exact ? 'TableTenantKeyItems' : 'TableTenantPrefixItems',
      Effect: 'Allow',
      Action: actions,
      Resource: ctx.tableArn,
      Condition: {
        [exact ? 'ForAllValues:StringEquals' : 'ForAllValues:StringLike']: { 'dynamodb:LeadingKeys': [leadingKeyPattern(rule.pattern, ctx.scope)] },
        Null: { 'dynamodb:LeadingKeys': 'false' },
      },
    };
  });
  if (statements.length > 0) {
    // DynamoDB decrypts the table key with the caller's permissions, through DynamoDB only, and its
    // encryption context names the table. https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html
    statements.push({
      Sid: 'DataKeyThroughDynamoDb',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: ctx.keyArn,
      Condition: {
        StringEquals: { 'kms:ViaService': `dynamodb.${ctx.region}.amazonaws.com`, 'kms:EncryptionContext:aws:dynamodb:tableName': ctx.tableName },
      },
    });
  }
  return statements;
}

import { PolicyStatement } from './policy-document';

/**
 * The data perimeter of an environment: a resource-policy Deny, for every principal, of a resource's
 * data actions unless the caller's role (`aws:PrincipalArn`, the role's ARN for an assumed-role
 * session) is one of `principalArns`. An explicit Deny in a resource policy binds principals of the
 * same account too, an administrator with `dynamodb:*`, `secretsmanager:*` or `kms:*` included: no
 * Allow anywhere can override it.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html#policy-eval-denyallow
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
 *
 * `ArnNotLike` matches exact ARNs and role-name patterns (`…:role/up-prod-tenant.*`) alike.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
 */
export function dataPerimeterStatement(sid: string, actions: readonly string[], resources: string | readonly string[], principalArns: readonly string[]): PolicyStatement {
  if (principalArns.length === 0) throw new Error(`${sid}: a data perimeter needs at least one principal; an empty list would deny the data to everyone.`);
  if (actions.length === 0) throw new Error(`${sid}: a data perimeter needs at least one action.`);
  return {
    Sid: sid,
    Effect: 'Deny',
    Principal: '*',
    Action: [...actions],
    Resource: typeof resources === 'string' ? resources : [...resources],
    Condition: { ArnNotLike: { 'aws:PrincipalArn': [...principalArns] } },
  };
}

/**
 * DynamoDB actions on a table that read or write items, or copy them out of the table's policy's
 * reach (an export to S3, an on-demand backup, a point-in-time restore into a new table). Table
 * management (DescribeTable, UpdateTable, tags, UpdateContinuousBackups, DeleteTable, the resource
 * policy itself) is not among them, so the CI apply role keeps managing the table. The table has
 * no stream and no index, so it has no stream or index actions to fence.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/rbac-iam-actions.html
 */
export const TABLE_PERIMETER_ACTIONS: readonly string[] = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PartiQLSelect',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:ExportTableToPointInTime',
  'dynamodb:CreateBackup',
  'dynamodb:RestoreTableToPointInTime',
];

/**
 * Reading a secret's value. Writing one (PutSecretValue) stays with whoever IAM allows (operators
 * set the values); reading it is fenced. BatchGetSecretValue needs GetSecretValue on every secret.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_BatchGetSecretValue.html
 */
export const SECRET_PERIMETER_ACTIONS: readonly string[] = ['secretsmanager:GetSecretValue'];

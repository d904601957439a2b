import { conditionEntries, conditionKeyCount, grantsAction, isEveryone, parsePolicy, Statement } from '../policy';
import { attachedIndex, attachedTo, resourcesOf, StackJson, StackResource } from '../stack-json';
import { Finding, SecurityRule } from '../types';

/** What a data perimeter must deny on each kind of data-bearing resource (a representative set of its data actions). */
const PERIMETER_ACTIONS: Readonly<Record<'bucket' | 'table' | 'secret', readonly string[]>> = {
  bucket: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
  table: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:PutItem', 'dynamodb:PartiQLSelect', 'dynamodb:ExportTableToPointInTime', 'dynamodb:CreateBackup', 'dynamodb:RestoreTableToPointInTime'],
  secret: ['secretsmanager:GetSecretValue'],
};

/** The principal ARNs a statement keeps the data to: a Deny for everyone whose only condition is `ArnNotLike`/`ArnNotEquals` on `aws:PrincipalArn`. */
function perimeterPrincipals(statement: Statement): readonly string[] | undefined {
  if (statement.effect !== 'Deny' || !isEveryone(statement.principal) || statement.notResources || conditionKeyCount(statement) !== 1) return undefined;
  const [entry, ...more] = conditionEntries(statement, 'aws:PrincipalArn');
  if (!entry || more.length > 0 || !['ArnNotLike', 'ArnNotEquals'].includes(entry.operator) || entry.values.length === 0) return undefined;
  return entry.values;
}

function statementsOf(policies: readonly StackResource[]): Statement[] {
  return policies.flatMap((p) => (typeof p.config.policy === 'string' ? parsePolicy(p.config.policy).document?.statements ?? [] : []));
}

/** The principal list of the perimeter among `statements` that denies every action of `actions`, if one does. */
function perimeterOf(statements: readonly Statement[], actions: readonly string[]): readonly string[] | undefined {
  for (const statement of statements) {
    const principals = perimeterPrincipals(statement);
    if (principals && actions.every((action) => grantsAction(statement, action))) return principals;
  }
  return undefined;
}

const sameList = (a: readonly string[], b: readonly string[]) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

export const DATA1: SecurityRule = {
  id: 'DATA1',
  level: 'error',
  description:
    'Every data-bearing resource has a data perimeter in its own resource policy: the upload bucket (object reads and writes), the tenant table (item reads and writes, Scan, PartiQL, export, backup, restore) and each tenant secret (GetSecretValue) deny their data to every principal whose aws:PrincipalArn is not in one list, and that list is the same on all of them.',
  reason:
    'An identity policy elsewhere in the account (an administrator with dynamodb:*, secretsmanager:* and kms:*, or a role another environment\'s apply role created) would otherwise read every tenant\'s data; a resource-policy Deny binds principals of the same account too. One list keeps the three perimeters from drifting apart.',
  docUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html#policy-eval-denyallow',
  fix: 'Pass the stack\'s one dataAccessPrincipalArns list (end-user roles and break-glass) to UploadBucket, TenantTable and TenantSecrets (UploadPlatformStack does).',
  check(stack: StackJson, ctx) {
    const findings: Finding[] = [];
    const lists: { address: string; principals: readonly string[] }[] = [];
    const require = (address: string, kind: keyof typeof PERIMETER_ACTIONS, statements: readonly Statement[], where: string) => {
      const principals = perimeterOf(statements, PERIMETER_ACTIONS[kind]);
      if (!principals) {
        findings.push({
          address,
          fix: `add to ${where} a Deny for Principal "*" of ${PERIMETER_ACTIONS[kind].join(', ')} whose only condition is "ArnNotLike": { "aws:PrincipalArn": [<the environment's end-user roles and break-glass role>] }.`,
        });
      } else lists.push({ address, principals });
    };
    for (const bucket of resourcesOf(stack, 'aws_s3_bucket')) {
      require(bucket.address, 'bucket', statementsOf(attachedTo(stack, 'aws_s3_bucket_policy', 'bucket', bucket, 'bucket')), 'its bucket policy');
    }
    for (const table of resourcesOf(stack, 'aws_dynamodb_table')) {
      require(table.address, 'table', statementsOf(attachedTo(stack, 'aws_dynamodb_resource_policy', 'resource_arn', table)), 'an aws_dynamodb_resource_policy of the table');
    }
    // One pass over the secret policies: one secret per tenant makes attachedTo per secret quadratic.
    const secretPolicies = attachedIndex(stack, 'aws_secretsmanager_secret_policy', 'secret_arn');
    for (const secret of resourcesOf(stack, 'aws_secretsmanager_secret')) {
      // Tenant secrets carry the tenant tag (TenantSecrets); any other secret is not tenant data.
      const tags = secret.config.tags;
      if (typeof tags !== 'object' || tags === null || !(ctx.tenantAttribute in tags)) continue;
      require(secret.address, 'secret', statementsOf(secretPolicies(secret)), 'an aws_secretsmanager_secret_policy of the secret');
    }
    const [first, ...rest] = lists;
    for (const other of rest) {
      if (first && !sameList(first.principals, other.principals)) {
        findings.push({
          address: other.address,
          fix: `its perimeter admits ${JSON.stringify(other.principals)} but ${first.address}'s admits ${JSON.stringify(first.principals)}: use one list for every data-bearing resource.`,
        });
      }
    }
    return findings;
  },
};

export const DATA_RULES: readonly SecurityRule[] = [DATA1];

import { block, blocks, isObject, resourceAt, resourcesOf } from '../stack-json';
import { Finding, SecurityRule } from '../types';

/** Resource types that hold customer data, and the attribute that names each physically. */
export const DATA_BEARING_TYPES: Readonly<Record<string, string | undefined>> = {
  aws_s3_bucket: 'bucket',
  aws_cognito_user_pool: 'name',
  aws_kms_key: undefined,
  aws_dynamodb_table: 'name',
  aws_secretsmanager_secret: 'name',
};

export const ST1: SecurityRule = {
  id: 'ST1',
  level: 'error',
  description: 'A remote backend, where configured, is S3 with encrypt = true and use_lockfile = true.',
  reason: 'State holds secrets; S3-native locking (Terraform ≥ 1.10) replaces the deprecated DynamoDB lock table.',
  docUrl: 'https://developer.hashicorp.com/terraform/language/backend/s3#state-locking',
  fix: 'Use the s3 backend with encrypt = true and use_lockfile = true (backend in the environment config).',
  check(stack) {
    const terraform = isObject(stack.terraform) ? stack.terraform : {};
    const findings: Finding[] = [];
    const backends = isObject(terraform.backend) ? terraform.backend : {};
    for (const [type, settings] of Object.entries(backends)) {
      const address = `terraform.backend.${type}`;
      if (type === 'local') continue;
      if (type !== 's3') {
        findings.push({ address, fix: `use the s3 backend (found ${type}).` });
        continue;
      }
      const config = block(settings) ?? {};
      if (config.encrypt !== true) findings.push({ address, fix: `set encrypt = true (found ${JSON.stringify(config.encrypt)}).` });
      if (config.use_lockfile !== true) findings.push({ address, fix: `set use_lockfile = true for S3-native locking (found ${JSON.stringify(config.use_lockfile)}).` });
    }
    if (terraform.cloud !== undefined) findings.push({ address: 'terraform.cloud', fix: 'use the s3 backend with encrypt and use_lockfile.' });
    return findings;
  },
};

export const ST2: SecurityRule = {
  id: 'ST2',
  level: 'error',
  description:
    'In protected environments, data-bearing resources (bucket, user pool, KMS key, table, secret) have lifecycle.prevent_destroy = true, no bucket has force_destroy = true, tables have deletion protection and secrets a recovery window of at least 7 days.',
  reason: 'A refactor or a wrong plan must never delete customer data; Terraform refuses any plan that destroys a prevent_destroy resource.',
  docUrl: 'https://developer.hashicorp.com/terraform/language/meta-arguments/lifecycle#prevent_destroy',
  fix: 'Set lifecycle.prevent_destroy = true on data-bearing resources and force_destroy = false on buckets (protected: true in the environment config).',
  check(stack, ctx) {
    if (!ctx.protected) return [];
    const findings: Finding[] = [];
    for (const type of Object.keys(DATA_BEARING_TYPES)) {
      for (const resource of resourcesOf(stack, type)) {
        if (block(resource.config.lifecycle)?.prevent_destroy !== true) {
          findings.push({ address: resource.address, fix: 'set lifecycle.prevent_destroy = true (pass protected: true to the construct).' });
        }
        if (type === 'aws_s3_bucket' && resource.config.force_destroy === true) {
          findings.push({ address: resource.address, fix: 'set force_destroy = false: it deletes every object when the bucket is destroyed.' });
        }
        // Outside Terraform too: the API refuses DeleteTable, and a deleted secret stays restorable.
        // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection
        if (type === 'aws_dynamodb_table' && resource.config.deletion_protection_enabled !== true) {
          findings.push({ address: resource.address, fix: 'set deletion_protection_enabled = true (TenantTable does when protected).' });
        }
        // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html
        if (type === 'aws_secretsmanager_secret' && Number(resource.config.recovery_window_in_days ?? 30) < 7) {
          findings.push({ address: resource.address, fix: `set recovery_window_in_days to 7–30 (found ${JSON.stringify(resource.config.recovery_window_in_days)}): 0 deletes the secret at once, without recovery.` });
        }
      }
    }
    return findings;
  },
};

export const ST3: SecurityRule = {
  id: 'ST3',
  level: 'error',
  description: 'Each data-bearing resource exists exactly once (no two addresses for one physical name), and every moved block leads from an old address to an existing one.',
  reason: 'A renamed construct is a destroy plus a create; the addresses are pinned by a test, and moving one needs a moved block or cdktf moveTo.',
  docUrl: 'https://developer.hashicorp.com/terraform/language/modules/develop/refactoring',
  fix: 'Keep one address per data-bearing resource; when a construct id changes, add a moved block (cdktf moveTo) from the old address.',
  check(stack) {
    const findings: Finding[] = [];
    for (const [type, nameAttribute] of Object.entries(DATA_BEARING_TYPES)) {
      if (!nameAttribute) continue;
      const seen = new Map<string, string>();
      for (const resource of resourcesOf(stack, type)) {
        const name = resource.config[nameAttribute];
        if (typeof name !== 'string') continue;
        const first = seen.get(name);
        if (first) findings.push({ address: resource.address, fix: `${first} already manages ${nameAttribute} ${JSON.stringify(name)}: keep one address, and move it with a moved block (cdktf moveTo) instead of adding another.` });
        else seen.set(name, resource.address);
      }
    }
    for (const moved of blocks(stack.moved)) {
      const from = String(moved.from);
      const to = String(moved.to);
      if (!resourceAt(stack, to)) findings.push({ address: to, fix: `the moved block from ${from} leads to ${to}, which the stack does not define: fix the target address.` });
      if (resourceAt(stack, from)) findings.push({ address: from, fix: `the moved block to ${to} starts at ${from}, which still exists: remove the old resource or the moved block.` });
    }
    return findings;
  },
};

export const STATE_RULES: readonly SecurityRule[] = [ST1, ST2, ST3];

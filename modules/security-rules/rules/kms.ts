import {
  boundTenantIds,
  conditionEntries,
  conditionKeyCount,
  endUserRoles,
  grantsAction,
  IDENTITY_VARIABLE,
  identityStatements,
  isEveryone,
  parsePolicy,
  parseS3Resource,
  tenantVariable,
  unconfinedKeyReason,
  wildcardMatch,
} from '../policy';
import { attachedTo, block, blocks, providerRegion, resourcesOf, StackJson } from '../stack-json';
import { Finding, SecurityRule } from '../types';

/** The only KMS actions end users get: S3 asks for a data key on upload and decrypts it for UploadPart and GetObject. */
export const END_USER_KMS_ACTIONS: readonly string[] = ['kms:GenerateDataKey', 'kms:Decrypt'];

/**
 * The other services end users may use a data key through, only to decrypt, and the encryption-context
 * key that must bind each grant: DynamoDB decrypts a table's key (context: the table name), Secrets
 * Manager a secret's data key (context: the secret's ARN, which must hold the caller's tenant).
 * https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html#dynamodb-encryption-context
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html#security-encryption-encryption-context
 */
export const END_USER_SERVICE_KMS: Readonly<Record<'dynamodb' | 'secretsmanager', { readonly actions: readonly string[]; readonly contextKey: string }>> = {
  dynamodb: { actions: ['kms:Decrypt'], contextKey: 'kms:EncryptionContext:aws:dynamodb:tableName' },
  secretsmanager: { actions: ['kms:Decrypt'], contextKey: 'kms:EncryptionContext:SecretARN' },
};

export const KMS1: SecurityRule = {
  id: 'KMS1',
  level: 'error',
  description: 'Symmetric keys rotate (enable_key_rotation = true) and, in protected environments, have deletion_window_in_days = 30.',
  reason: 'Rotation limits what one key version protects (Security Hub KMS.4); a deleted key makes every object it encrypted unreadable, so protected keys get the longest window to cancel.',
  docUrl: 'https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html#kms-4',
  fix: 'Set enable_key_rotation = true, and deletion_window_in_days = 30 in protected environments (DataKey does).',
  check(stack, ctx) {
    const findings: Finding[] = [];
    for (const key of resourcesOf(stack, 'aws_kms_key')) {
      const spec = key.config.customer_master_key_spec ?? key.config.key_spec;
      if (spec !== undefined && spec !== 'SYMMETRIC_DEFAULT') continue; // KMS rotates only symmetric encryption keys.
      if (key.config.enable_key_rotation !== true) findings.push({ address: key.address, fix: 'set enable_key_rotation = true.' });
      const window = key.config.deletion_window_in_days;
      if (ctx.protected && window !== undefined && Number(window) !== 30) {
        findings.push({ address: key.address, fix: `set deletion_window_in_days = 30 in a protected environment (found ${JSON.stringify(window)}).` });
      }
    }
    return findings;
  },
};

/** Default-encryption key (as written in the stack) of each bucket, with its SSE configuration. */
function bucketEncryption(stack: StackJson): { bucketArn: string; keyId: unknown; bucketKeyEnabled: unknown; address: string }[] {
  return resourcesOf(stack, 'aws_s3_bucket').flatMap((bucket) =>
    attachedTo(stack, 'aws_s3_bucket_server_side_encryption_configuration', 'bucket', bucket, 'bucket').flatMap((sse) =>
      blocks(sse.config.rule).map((rule) => ({
        bucketArn: '${' + bucket.address + '.arn}',
        keyId: block(rule.apply_server_side_encryption_by_default)?.kms_master_key_id,
        bucketKeyEnabled: rule.bucket_key_enabled,
        address: sse.address,
      })),
    ),
  );
}

export const KMS2: SecurityRule = {
  id: 'KMS2',
  level: 'error',
  description:
    'End users get only kms:GenerateDataKey and kms:Decrypt (both, for every key that encrypts a bucket they write), only via s3.<region>.amazonaws.com, and, where bound by kms:EncryptionContext:aws:s3:arn, only to their own folders with S3 Bucket Keys off; besides, only kms:Decrypt via dynamodb.<region> bound to a table name, or via secretsmanager.<region> bound to their own tenant\'s secret ARN.',
  reason: 'Multipart upload needs Decrypt as well as GenerateDataKey; ViaService and the encryption context keep a tenant\'s data key usable only through S3 and only for that tenant\'s objects.',
  docUrl: 'https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service',
  fix: 'Grant end users only kms:GenerateDataKey and kms:Decrypt with kms:ViaService = s3.<region>.amazonaws.com, bound by kms:EncryptionContext:aws:s3:arn to their folders (TenantAccess does).',
  check(stack, ctx) {
    const findings: Finding[] = [];
    const region = providerRegion(stack);
    const viaService = `s3.${region}.amazonaws.com`;
    const sharedVariables = [tenantVariable(ctx.tenantAttribute), IDENTITY_VARIABLE];
    const encryption = bucketEncryption(stack);
    for (const role of endUserRoles(stack)) {
      // A tenant's own role (role per tenant) names its tenant folder by id.
      const variables = [...sharedVariables, ...boundTenantIds(role, ctx.tenantAttribute)];
      const allows = identityStatements(role).filter(({ statement }) => statement.effect === 'Allow');
      for (const { policy, statement } of allows) {
        const kmsActions = statement.actions.filter((a) => a.toLowerCase().startsWith('kms:'));
        if (kmsActions.length === 0) continue;
        const at = (fix: string) => findings.push({ address: policy.address, fix: `${statement.label}: ${fix}` });
        const via = conditionEntries(statement, 'kms:ViaService');
        const service = (['dynamodb', 'secretsmanager'] as const).find(
          (name) => via.length === 1 && via[0]!.operator === 'StringEquals' && via[0]!.values.length === 1 && via[0]!.values[0] === `${name}.${region}.amazonaws.com`,
        );
        if (service) {
          const rule = END_USER_SERVICE_KMS[service];
          const extraService = kmsActions.filter((a) => !rule.actions.some((allowed) => allowed.toLowerCase() === a.toLowerCase()));
          if (extraService.length > 0) at(`through ${service}, grant only ${rule.actions.join(' and ')} (remove ${JSON.stringify(extraService)}).`);
          const contexts = conditionEntries(statement, rule.contextKey);
          // A tenant's own role names its own secret by id (`…/<id>/secret-??????`), when a Deny binds
          // the role to that tenant's tag for these key actions.
          const ownSecret = [
            tenantVariable(ctx.tenantAttribute).toLowerCase(),
            ...boundTenantIds(role, ctx.tenantAttribute, { actions: kmsActions, resources: statement.resources }).map((id) => `/${id.toLowerCase()}/`),
          ];
          const boundContext =
            contexts.length > 0 &&
            contexts.every(
              (e) =>
                ['StringEquals', 'StringLike'].includes(e.operator) &&
                e.values.length > 0 &&
                e.values.every((v) => (service === 'secretsmanager' ? ownSecret.some((own) => v.toLowerCase().includes(own)) : v.length > 0 && !/[*?]/.test(v))),
            );
          if (!boundContext) {
            at(`bind the key to ${service === 'secretsmanager' ? "the caller's own secret" : 'the table'} with "${service === 'secretsmanager' ? 'StringLike' : 'StringEquals'}": { "${rule.contextKey}": ${service === 'secretsmanager' ? `"<secret ARN with ${tenantVariable(ctx.tenantAttribute)}>"` : '"<table name>"'} } (found ${JSON.stringify(contexts)}).`);
          }
          continue;
        }
        const extra = kmsActions.filter((a) => !END_USER_KMS_ACTIONS.some((allowed) => allowed.toLowerCase() === a.toLowerCase()));
        if (extra.length > 0) at(`grant only ${END_USER_KMS_ACTIONS.join(' and ')} (remove ${JSON.stringify(extra)}).`);
        if (!(via.length > 0 && via.every((e) => e.operator === 'StringEquals' && e.values.length > 0 && e.values.every((v) => v === viaService)))) {
          at(`add "StringEquals": { "kms:ViaService": "${viaService}" } (found ${JSON.stringify(via)}).`);
        }
        const contexts = conditionEntries(statement, 'kms:EncryptionContext:aws:s3:arn');
        if (contexts.length === 0) continue;
        for (const entry of contexts) {
          for (const value of entry.values) {
            const s3 = parseS3Resource(value);
            const why = !['StringLike', 'StringEquals'].includes(entry.operator)
              ? `operator ${entry.operator} does not bind the context`
              : s3?.key === undefined
                ? `${JSON.stringify(value)} is not an object ARN`
                : unconfinedKeyReason(s3.key, variables);
            if (why) at(`kms:EncryptionContext:aws:s3:arn must name the caller's own folders: ${why}.`);
          }
        }
        // The context is the object ARN only with Bucket Keys off; with them on, it is the bucket ARN and no value matches (or a bucket-wide one would).
        for (const sse of encryption) {
          if (typeof sse.keyId === 'string' && statement.resources.some((r) => wildcardMatch(r, sse.keyId as string)) && sse.bucketKeyEnabled !== false) {
            findings.push({ address: sse.address, fix: `set bucket_key_enabled = false: ${policy.address} binds the key to object ARNs through kms:EncryptionContext:aws:s3:arn.` });
          }
        }
      }
      // Uploading into an SSE-KMS bucket needs both actions on its key.
      for (const sse of encryption) {
        if (typeof sse.keyId !== 'string') continue;
        const writes = allows.some(
          ({ statement }) => grantsAction(statement, 's3:PutObject') && statement.resources.some((r) => r.startsWith(`${sse.bucketArn}/`)),
        );
        if (!writes) continue;
        const onKey = allows.filter(({ statement }) => statement.resources.some((r) => wildcardMatch(r, sse.keyId as string)));
        const missing = END_USER_KMS_ACTIONS.filter((action) => !onKey.some(({ statement }) => grantsAction(statement, action)));
        if (missing.length > 0) {
          findings.push({
            address: role.policies[0]?.address ?? role.role.address,
            fix: `grant ${missing.join(' and ')} on ${sse.keyId}: the role uploads into ${sse.bucketArn}, and multipart uploads need both.`,
          });
        }
      }
    }
    return findings;
  },
};

export const KMS3: SecurityRule = {
  id: 'KMS3',
  level: 'error',
  description: 'No key policy statement allows Principal "*" without a condition.',
  reason: 'An unconditioned "*" principal opens the key to every AWS account.',
  docUrl: 'https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html',
  fix: 'Add a condition to every key-policy statement that allows Principal "*", or name the principal.',
  check(stack) {
    const findings: Finding[] = [];
    const keyPolicies = [...resourcesOf(stack, 'aws_kms_key'), ...resourcesOf(stack, 'aws_kms_key_policy')];
    for (const key of keyPolicies) {
      if (typeof key.config.policy !== 'string') continue;
      for (const statement of parsePolicy(key.config.policy).document?.statements ?? []) {
        if (statement.effect === 'Allow' && isEveryone(statement.principal) && conditionKeyCount(statement) === 0) {
          findings.push({ address: key.address, fix: `${statement.label}: name the principal (for example this account's root) or add a condition such as kms:CallerAccount.` });
        }
      }
    }
    return findings;
  },
};

/** Data-plane operations a symmetric key has; KMS4 requires them confined to S3. */
const KEY_DATA_PROBES = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:CreateGrant'];
/** Conditions a break-glass exception may add to the confining Deny. */
const BREAK_GLASS_OPERATORS = ['ArnNotEquals', 'ArnNotLike'];

function principalStrings(principal: unknown): string[] {
  if (typeof principal === 'string') return [principal];
  if (principal === null || typeof principal !== 'object') return [];
  return Object.values(principal as Record<string, unknown>).flatMap((v) => (Array.isArray(v) ? v.map(String) : [String(v)]));
}

export const KMS4: SecurityRule = {
  id: 'KMS4',
  level: 'error',
  description:
    'Key policies confine data operations (Encrypt, Decrypt, ReEncrypt*, GenerateDataKey*, CreateGrant) to S3 in the key\'s Region with a Deny for every principal when kms:ViaService is not s3.<region>.amazonaws.com (or dynamodb/secretsmanager.<region>, only where a table or secret of the stack is encrypted with the key; a break-glass role may be exempted by aws:PrincipalArn), keep the account root able to administer the key, and grant administration and data use in separate statements.',
  reason:
    'An IAM policy with kms:* anywhere in the account, or a grant, could otherwise decrypt tenant data directly, outside the tenant binding that S3 and the encryption context enforce; without the root principal a key can become unmanageable.',
  docUrl: 'https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service',
  fix: 'Use DataKey\'s key policy: root administers the key in its own statement; data operations are denied when kms:ViaService is not s3.<region>.amazonaws.com, except for breakGlassPrincipalArn.',
  check(stack) {
    const findings: Finding[] = [];
    const region = providerRegion(stack);
    const viaS3 = `s3.${region}.amazonaws.com`;
    for (const key of resourcesOf(stack, 'aws_kms_key')) {
      // Besides S3, a service may use the key only where the stack gives it something to encrypt with it.
      const keyRef = '${' + key.address + '.arn}';
      const keyIds = [keyRef, '${' + key.address + '.key_id}', '${' + key.address + '.id}'];
      const encrypts = {
        dynamodb: resourcesOf(stack, 'aws_dynamodb_table').some((t) => keyIds.includes(String(block(t.config.server_side_encryption)?.kms_key_arn))),
        secretsmanager: resourcesOf(stack, 'aws_secretsmanager_secret').some((secret) => keyIds.includes(String(secret.config.kms_key_id))),
      };
      const permittedHosts = [viaS3, ...(['dynamodb', 'secretsmanager'] as const).filter((service) => encrypts[service]).map((service) => `${service}.${region}.amazonaws.com`)];
      const at = (fix: string) => findings.push({ address: key.address, fix });
      if (typeof key.config.policy !== 'string') {
        at(`set a key policy with a Deny of ${KEY_DATA_PROBES.join(', ')} for Principal {"AWS": "*"} when "StringNotEquals": { "kms:ViaService": "${viaS3}" } (the default key policy lets every IAM policy of the account use the key directly).`);
        continue;
      }
      const statements = parsePolicy(key.config.policy).document?.statements ?? [];
      const confining = statements.filter((st) => {
        if (st.effect !== 'Deny' || !isEveryone(st.principal) || st.notActions || st.notResources || !st.resources.includes('*')) return false;
        if (!KEY_DATA_PROBES.every((action) => grantsAction(st, action))) return false;
        const via = conditionEntries(st, 'kms:ViaService');
        if (!(via.length === 1 && via[0]!.operator === 'StringNotEquals' && via[0]!.values.includes(viaS3) && via[0]!.values.every((v) => permittedHosts.includes(v)))) return false;
        const others = Object.entries(st.conditions).flatMap(([operator, byKey]) => Object.keys(byKey).map((k) => ({ operator, key: k.toLowerCase() })));
        return others.every((e) => e.key === 'kms:viaservice' || (BREAK_GLASS_OPERATORS.includes(e.operator) && e.key === 'aws:principalarn'));
      });
      if (confining.length === 0) {
        at(`add a Deny of ${KEY_DATA_PROBES.join(', ')} on "*" for Principal {"AWS": "*"} with "StringNotEquals": { "kms:ViaService": ${JSON.stringify(permittedHosts)} } (S3, and only the services whose resources in this stack this key encrypts) and at most an "ArnNotEquals": { "aws:PrincipalArn": "<break-glass role>" } exemption.`);
      }
      const allows = statements.filter((st) => st.effect === 'Allow');
      const mixed = allows.filter((st) => grantsAction(st, 'kms:PutKeyPolicy') && grantsAction(st, 'kms:Decrypt'));
      for (const st of mixed) at(`${st.label} grants both key administration (kms:PutKeyPolicy) and key use (kms:Decrypt): split it, administration with NotAction of the data operations, use with kms:ViaService.`);
      const rootAdmin = allows.some(
        (st) => conditionKeyCount(st) === 0 && grantsAction(st, 'kms:PutKeyPolicy') && principalStrings(st.principal).some((p) => /:root\}?$|:root$/.test(p) || /^\d{12}$/.test(p)),
      );
      if (!rootAdmin) at('allow the account root (arn:<partition>:iam::<account>:root) kms:PutKeyPolicy and the other administrative actions without conditions, or the key can become unmanageable.');
    }
    return findings;
  },
};

export const KMS_RULES: readonly SecurityRule[] = [KMS1, KMS2, KMS3, KMS4];

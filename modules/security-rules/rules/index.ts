/**
 * Every security rule, in catalogue order (modules/security-rules/README.md). This file imports nothing but the rules,
 * so the environment loader can read the rule ids without loading cdktf.
 */
import { SecurityRule } from '../types';
import { DATA_RULES } from './data';
import { IAM_RULES } from './iam';
import { IDENTITY_POOL_RULES } from './identity-pool';
import { KMS_RULES } from './kms';
import { QUOTA_RULES } from './quota';
import { S3_RULES } from './s3';
import { STATE_RULES } from './state';
import { USER_POOL_RULES } from './user-pool';

export * from './ci-access';
export * from './data';
export * from './iam';
export * from './identity-pool';
export * from './kms';
export * from './quota';
export * from './s3';
export * from './state';
export * from './user-pool';

export const ALL_RULES: readonly SecurityRule[] = [...IDENTITY_POOL_RULES, ...USER_POOL_RULES, ...IAM_RULES, ...S3_RULES, ...KMS_RULES, ...DATA_RULES, ...STATE_RULES, ...QUOTA_RULES];

/** Every rule id. */
export const RULE_IDS: readonly string[] = ALL_RULES.map((rule) => rule.id);

/**
 * The rules an environment may acknowledge: warnings only. Errors are the product's guarantees
 * (tenant isolation, encryption, data retention), so an exception to one is a code change, reviewed
 * as such, not a line of config.
 */
export const ACKNOWLEDGEABLE_RULE_IDS: readonly string[] = ALL_RULES.filter((rule) => rule.level === 'warning').map((rule) => rule.id);

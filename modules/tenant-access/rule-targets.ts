import { StorageAccessRule } from './access-rules';
import { SecretAccessRule } from './secret-rules';
import { TableAccessRule } from './table-rules';

/** A rule of the access model, for any of its targets: the bucket (the default), the tenant table, the tenant secrets. */
export type AccessRule = StorageAccessRule | TableAccessRule | SecretAccessRule;

/** Splits a mixed rule list by target, each part for its compiler. */
export function rulesByTarget(rules: readonly AccessRule[]): { storage: StorageAccessRule[]; table: TableAccessRule[]; secret: SecretAccessRule[] } {
  return {
    storage: rules.filter((r): r is StorageAccessRule => r.target === undefined || r.target === 's3'),
    table: rules.filter((r): r is TableAccessRule => r.target === 'table'),
    secret: rules.filter((r): r is SecretAccessRule => r.target === 'secret'),
  };
}

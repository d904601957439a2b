export * from './access-rules';
export * from './tenant-access';
export * from './tenant-id';
export * from './table-rules';
export * from './secret-rules';
export * from './data-guards';
export * from './rule-targets';

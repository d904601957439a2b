export * from './access-rules';
export * from './tenant-access';
export * from './tenant-id';
export * from './trust-policy';

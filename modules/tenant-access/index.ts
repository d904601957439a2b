export * from './access-rules';
export * from './tenant-access';

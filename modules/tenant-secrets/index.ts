export * from './tenant-secrets';

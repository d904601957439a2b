export * from './tenant-user-pool';

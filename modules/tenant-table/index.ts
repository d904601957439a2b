export * from './tenant-table';

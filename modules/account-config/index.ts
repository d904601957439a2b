export * from './loader';
export * from './schema';

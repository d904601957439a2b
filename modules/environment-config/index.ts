export * from './loader';
export * from './regions';
export * from './schema';

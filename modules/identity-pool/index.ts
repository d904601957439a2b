export * from './identity-pool';

export * from './secret-names';
export * from './secret-source';
export * from './social-identity-providers';

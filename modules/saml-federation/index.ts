export * from './saml-metadata';
export * from './saml-federation';

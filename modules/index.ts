/**
 * The public API of the module set. Importing it has no side effects: nothing is synthesized
 * and no file is read until a construct or `loadEnvironments` is called.
 */
export * from './account-config';
export * from './account-linking';
export * from './ci-access-stack';
export * from './cognito-trigger';
export * from './data-key';
export * from './environment-config';
export * from './github-ci-access';
export * from './group-roles';
export * from './iam-policy';
export * from './identity-pool';
export * from './quota-budget';
export * from './saml-federation';
export * from './social-sign-in';
export * from './tenant-access';
export * from './tenant-claim';
export * from './tenant-sign-up';
export * from './tenant-secrets';
export * from './tenant-table';
export * from './tenant-user-pool';
export * from './upload-bucket';
export * from './upload-platform-stack';
export * from './security-rules';

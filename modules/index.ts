/**
 * The public API of the module set. Importing it has no side effects: nothing is synthesized
 * and no file is read until a construct or `loadEnvironments` is called.
 */
export * from './account-config';
export * from './ci-access-stack';
export * from './cognito-trigger';
export * from './data-key';
export * from './environment-config';
export * from './github-ci-access';
export * from './group-roles';
export * from './iam-policy';
export * from './identity-pool';
export * from './saml-federation';
export * from './tenant-access';
export * from './tenant-claim';
export * from './tenant-user-pool';
export * from './upload-bucket';
export * from './upload-platform-stack';
export * from './security-rules';

export * from './github-ci-access';
export * from './ci-policies';

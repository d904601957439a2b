export * from './github-ci-access';

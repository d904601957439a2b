export * from './ci-access-stack';

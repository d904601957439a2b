// handler.ts is deliberately not exported: it reads linking.json at load and only runs in Lambda.
// run-linking.ts is not either: it loads the AWS SDK, which the Lambda runtime provides and this
// package does not depend on.
export * from './account-linking-trigger';
export * from './link-decision';

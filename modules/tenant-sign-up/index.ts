// handler.ts is deliberately not exported: it reads sign-up-bindings.json and creates an SDK client at load, and only runs in Lambda.
export * from './assign-tenant';
export * from './bindings';
export * from './sign-up-handler';
export * from './sign-up-mode';
export * from './tenant-sign-up-trigger';

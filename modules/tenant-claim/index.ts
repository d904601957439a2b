// handler.ts is deliberately not exported: it reads bindings.json at load and only runs in Lambda.
export * from './bindings';
export * from './resolve-tenant';
export * from './tenant-claim-trigger';
export * from './role-override';

export * from './end-user-roles';
export * from './group-roles';

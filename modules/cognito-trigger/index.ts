export * from './cognito-trigger';
export { crc32, deterministicZip, readZip, ZIP_ENTRY_NAME_PATTERN } from './deterministic-zip';
export { BUNDLE_FILE_NAME, bundleHandler, packageTrigger, removeWrittenPackages } from './trigger-package';
export type { TriggerPackage } from './trigger-package';
export * from './trigger-event';

export * from './upload-bucket';

export * from './upload-platform-stack';

export * from './data-key';

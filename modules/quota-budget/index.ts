export * from './quota-budget';

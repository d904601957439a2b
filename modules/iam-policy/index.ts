export * from './policy-document';
export * from './data-perimeter';

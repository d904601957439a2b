/**
 * Security rules as data (after cdk-nag): pure functions over one synthesized stack, run on every
 * synth by `synthesizeChecked` and alone by `npm run check`. See README.md for the rule table.
 */
export * from './types';
export * from './stack-json';
export * from './policy';
export * from './rules';
export * from './run-rules';
export * from './context';
export * from './checked-synth';
export * from './catalogue';

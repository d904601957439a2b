/** Type-checking runs once in `npm test` (tsc --noEmit); jest only strips types with swc. */
module.exports = {
  testEnvironment: 'node',
  // Every core: jest's default leaves one idle, which on a 2-core CI machine means one worker (~60 s instead of ~40 s).
  maxWorkers: '100%',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  setupFilesAfterEnv: ['<rootDir>/__tests__/helpers/remove-trigger-packages.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};

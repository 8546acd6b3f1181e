/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: '<rootDir>/tests/helpers/node-environment.js',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  testTimeout: 180_000,
  globalSetup: '<rootDir>/tests/helpers/global-setup.ts',
  reporters: ['default', '<rootDir>/tests/helpers/summary-reporter.js'],
};

/**
 * The reliability suite on its own: `npx jest -c jest.reliability.config.js`.
 *
 * The dynamodb project of jest.config.js (same transform, same DynamoDB Local globalSetup), only
 * test/reliability, one suite at a time (the 10k load test and the outage test time things; running them
 * beside each other would distort both). RELIABILITY_LOAD turns on the 10,000-message load test, which
 * only this config runs.
 */
const base = require('./jest.config.js');

// A run of its own: the project label on every result line would add nothing.
const { displayName, ...dynamodb } = base.projects.find((project) => project.displayName === 'dynamodb');

/** @type {import('jest').Config} */
module.exports = {
  ...dynamodb,
  roots: ['<rootDir>/test/reliability'],
  testMatch: ['**/*.test.ts'],
  globals: { ...(dynamodb.globals ?? {}), RELIABILITY_LOAD: true },
  maxWorkers: 1,
  testTimeout: 120000,
};

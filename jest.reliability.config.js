/**
 * The reliability suite on its own: `npx jest -c jest.reliability.config.js`.
 *
 * Same transform and DynamoDB Local globalSetup as jest.config.js, only test/reliability, one suite at a
 * time (the 10k load test and the outage test time things; running them beside each other would
 * distort both). RELIABILITY_LOAD turns on the 10,000-message load test, which only this config runs.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/reliability'],
  globals: { ...(base.globals ?? {}), RELIABILITY_LOAD: true },
  maxWorkers: 1,
  testTimeout: 120000,
};

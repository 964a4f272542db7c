/**
 * Two projects, so that most suites run without Java:
 *
 *   unit       everything that needs neither Java nor DynamoDB Local (npm run test:unit)
 *   dynamodb   suites that use the shared DynamoDB Local or start one themselves (npm start, npm run demo)
 *
 * Jest runs a project's globalSetup only when at least one of that project's test files is selected, so
 * `npm run test:unit`, or `npx jest test/unit/...`, never starts DynamoDB Local and needs no Java.
 * A suite that needs DynamoDB Local but is not listed in DYNAMODB_SUITES fails at once with a message
 * naming this file (test/support/dynamodb.ts).
 */

/** Directories and files, relative to test/, whose suites need DynamoDB Local. */
const DYNAMODB_SUITES = [
  'e2e/',
  'handler/',
  'integration/',
  'reconciler/',
  'reliability/',
  // The bundle test runs the built callback Lambda against a real table.
  'infra/bundle.test.ts',
  'sender/handler.test.ts',
  'sender/sender.test.ts',
  'sender/accounts.test.ts',
  // The web console in a browser, against the whole local pipeline.
  'console/browser.test.ts',
  'console/first-impression.test.ts',
  'console/live-charts.test.ts',
];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const dynamodbGlobs = DYNAMODB_SUITES.map(
  (suite) => `<rootDir>/test/${suite}${suite.endsWith('/') ? '**/*.test.ts' : ''}`,
);
const dynamodbPathPatterns = DYNAMODB_SUITES.map(
  (suite) => `<rootDir>/test/${escape(suite)}${suite.endsWith('/') ? '' : '$'}`,
);

// The AWS SDK prints its Node.js version notice once per module registry, and Jest gives every test
// file a fresh one: dozens of identical notices would bury the results. Set here, in the process that
// loads this file, so globalSetup, the workers and the processes tests spawn all inherit it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** What both projects share; Jest does not pass root options down to inline projects. */
const common = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  testTimeout: 60000,
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testPathIgnorePatterns: ['/node_modules/', ...dynamodbPathPatterns],
    },
    {
      ...common,
      displayName: 'dynamodb',
      testMatch: dynamodbGlobs,
      // One DynamoDB Local (the official jar) serves every suite of this project; each makes its own table.
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  testTimeout: 60000,
  maxWorkers: 2,
};

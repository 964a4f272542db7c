import tseslint from 'typescript-eslint';

// The layers of the runtime code (lambda/), as docs/ARCHITECTURE.md's layer table states them:
//   handlers -> composition -> adapters (primary: the ways in; secondary: the outside world) -> use cases
//   (and their ports, lambda/use-cases/ports.ts) -> domain.
// Flat config does not merge a rule's options across blocks, so each narrower block repeats the
// restrictions of the wider one.
const LAMBDA_OUTSIDE = {
  regex: '^(\\.\\./)+(bin|lib|local|test|bench|console|scripts)(/|$)',
  message:
    'Runtime code (lambda/) never imports the CDK app, local tools, the web console, tests or benchmarks.',
};
const SDK_PACKAGES = {
  group: ['@aws-sdk/*', '@aws-lambda-powertools/*', 'twilio', 'twilio/*', 'aws-lambda'],
  message:
    'AWS, Powertools and Twilio are reached through adapters (lambda/adapters/), built by lambda/composition/.',
};
const NOT_HANDLERS = {
  regex: '^(\\.\\./)+handlers(/|$)',
  message: 'Nothing imports a handler: a handler is an entry point that esbuild bundles.',
};
const NOT_COMPOSITION = {
  regex: '^(\\.\\./)+composition(/|$)',
  message: 'Only handlers (and local/) import a composition module.',
};
const restrictImports = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const lambdaLayers = [
  { files: ['lambda/**/*.ts'], rules: restrictImports(LAMBDA_OUTSIDE, NOT_HANDLERS) },
  {
    files: ['lambda/composition/**/*.ts'],
    rules: restrictImports(LAMBDA_OUTSIDE, NOT_HANDLERS, {
      regex: '^\\.\\./runtime(/|$)',
      message: 'lambda/runtime/ is an esbuild alias for the bundles only.',
    }),
  },
  {
    files: ['lambda/adapters/primary/**/*.ts'],
    rules: restrictImports(LAMBDA_OUTSIDE, NOT_HANDLERS, NOT_COMPOSITION, {
      regex: '^\\.\\./secondary(/|$)|^(\\.\\./)+(adapters/secondary|runtime)(/|$)',
      message:
        'A primary adapter (a way in) never imports a secondary one (the outside world): it gets them as ' +
        'ports (lambda/use-cases/ports.ts), built by lambda/composition/.',
    }),
  },
  {
    files: ['lambda/adapters/secondary/**/*.ts'],
    rules: restrictImports(LAMBDA_OUTSIDE, NOT_HANDLERS, NOT_COMPOSITION, {
      regex:
        '^\\.\\./primary(/|$)|^(\\.\\./)+(adapters/primary|runtime)(/|$)|^\\.\\./\\.\\./use-cases/(?!ports$)',
      message:
        'A secondary adapter implements a port of lambda/use-cases/ports.ts: it imports that file and ' +
        'the domain, never a use case or a primary adapter.',
    }),
  },
  {
    files: ['lambda/use-cases/**/*.ts'],
    rules: restrictImports(LAMBDA_OUTSIDE, NOT_HANDLERS, SDK_PACKAGES, {
      regex: '^\\.\\./(adapters|composition|runtime)(/|$)',
      message: 'Use cases depend on the domain and on their ports (lambda/use-cases/ports.ts), not adapters.',
    }),
  },
  {
    files: ['lambda/domain/**/*.ts'],
    rules: restrictImports(LAMBDA_OUTSIDE, SDK_PACKAGES, {
      regex: '^(\\.\\./)+(adapters|use-cases|handlers|composition|runtime)(/|$)',
      message: 'The domain is pure: it imports nothing but the domain.',
    }),
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', 'coverage/', '.local-data/', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Infrastructure reads only the pure contract of the runtime (names, limits, rules): never code that
    // talks to AWS or Twilio, so synthesising never loads a handler and the package ships no runtime code.
    files: ['lib/**/*.ts', 'bin/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/lambda/adapters/**',
                '**/lambda/composition/**',
                '**/lambda/handlers/**',
                '**/lambda/use-cases/**',
                '**/lambda/runtime/**',
                '**/local/**',
              ],
              message: 'lib/ may import only lambda/domain (the pure contract).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // A focused or skipped test silently shrinks the suite.
      'no-restricted-properties': [
        'error',
        { object: 'describe', property: 'only' },
        { object: 'describe', property: 'skip' },
        { object: 'it', property: 'only' },
        { object: 'it', property: 'skip' },
        { object: 'test', property: 'only' },
        { object: 'test', property: 'skip' },
      ],
      'no-restricted-globals': ['error', 'fdescribe', 'fit', 'xdescribe', 'xit', 'xtest'],
    },
  },
  {
    // The web console runs in a browser: it may use the pure domain, never Node, AWS or the local tools.
    files: ['console/**/*.ts', 'console/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(bin|lib|local|test|bench|scripts)(/|$)|^(\\.\\./)+lambda/(?!domain/)',
              message: 'The console (browser code) imports only lambda/domain and its own files.',
            },
            { regex: '^node:', message: 'The console runs in a browser: no Node modules.' },
            { group: ['@aws-sdk/*', '@smithy/*', 'twilio', 'twilio/*'], message: 'Not in a browser.' },
          ],
        },
      ],
    },
  },
  ...lambdaLayers,
);

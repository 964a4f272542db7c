import tseslint from 'typescript-eslint';

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
);

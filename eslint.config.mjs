import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', 'coverage/**', 'bin/**', 'scripts/**', 'jest.config.js', 'tests/helpers/summary-reporter.js', 'tests/helpers/node-environment.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      // Workflows are deterministic sandboxed code: no Node APIs, activities by type only.
      'no-restricted-imports': ['error', { patterns: [
        { group: ['node:*', 'fs', 'path', 'crypto', 'os'], message: 'workflows must not do I/O' },
        { group: ['../activities', '../activities/*'], allowTypeImports: true, message: 'import activities by type only' },
      ] }],
    },
  },
);

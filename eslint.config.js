// One lint for the whole tree, tests included. Type-aware rules (no floating promises, no
// `any`) need the TypeScript program, so each tsconfig that owns files is listed.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import importBoundaries from './eslint/import-boundaries.js';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'build/',
      'dist/',
      'test-results/',
      'playwright-report/',
      'bench/results/',
      '.fieldlake/',
      'dev-dist/',
      'scratch/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: [
          './tsconfig.pure.json',
          './tsconfig.app.json',
          './tsconfig.worker.json',
          './tsconfig.node.json',
        ],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { fieldlake: { rules: { 'import-boundaries': importBoundaries } } },
    rules: {
      'fieldlake/import-boundaries': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'always'],
      // Storages and stores keep methods async even when a body has nothing to await: a thrown
      // validation error must become a rejected promise, as callers of a Storage expect.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Plain Node scripts (they run before dependencies exist) and this config itself.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node, parserOptions: { project: null } },
  },
);

// ESLint flat config: typed rules everywhere, and import bans that keep I/O out of the
// deterministic layers (shared/domain, shared/services) and SDKs out of everything but adapters.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = [
  'fs',
  'node:fs',
  'fs/promises',
  'node:fs/promises',
  'better-sqlite3',
  'child_process',
  'node:child_process',
  'http',
  'node:http',
  'net',
  'node:net',
  'worker_threads',
  'node:worker_threads',
];
const sdkPatterns = ['@google-cloud/*', 'google-auth-library', '@tensorflow/*', 'better-sqlite3'];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'test-artifacts/**',
      'shared/platform/console/static/**',
      '.ipo-mlops/**',
      'bin/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      '@typescript-eslint/only-throw-error': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    files: ['shared/domain/**/*.ts', 'shared/services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioModules.map((name) => ({ name, message: 'domain and services are pure: do I/O through a port' })),
          patterns: [
            {
              group: [...sdkPatterns, '**/adapters/**', '**/composition/**'],
              message: 'domain and services reach SDKs only through ports',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'read configuration in shared/config.ts' }],
    },
  },
  {
    files: ['shared/ml/**/*.ts', 'shared/ports/**/*.ts', 'shared/serving/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@google-cloud/*', 'google-auth-library', '**/adapters/**', '**/composition/**'],
              message: 'only adapters import Google Cloud SDKs',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/cli/**/*.ts', 'shared/platform/**/*.ts', 'functions/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['**/adapters/**'], message: 'adapters are constructed in shared/composition only' }],
        },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    ignores: ['shared/config.ts', 'shared/serving/config.ts', 'test/**', 'bench/**', 'scripts/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: "only shared/config.ts (and the serving container's shared/serving/config.ts) read process.env",
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);

// One lint setup for the whole repo: type-checked rules, promises handled, and the
// architecture's boundaries as rules (no app imports another app; libs import no app).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { readdirSync } from 'node:fs';

const apps = readdirSync('apps', { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.mesh/**', '**/*.d.ts', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-unsafe-function-type': 'off',
      'no-console': 'error',
    },
  },
  // The boundaries: an app imports only its own files and libs/ (through the #aliases); libs
  // import no app; contracts import nothing of ours.
  ...apps.map((app) => ({
    files: [`apps/${app}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(\\.\\./)+(apps/)?(${apps.filter((a) => a !== app).join('|')})/`,
              message: 'No app imports another app: share types through #contracts and talk over NATS.',
            },
            {
              regex: '^(\\.\\./)+libs/',
              message: 'Import libraries through #contracts, #mesh, #persistence or #testing.',
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\.\\./)+apps/', message: 'Libraries must not depend on apps.' }] },
      ],
    },
  },
  {
    files: ['libs/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '^#(mesh|persistence|testing)$', message: 'contracts depends on nothing of ours.' }],
          paths: [
            { name: 'typeorm', message: 'No TypeORM in contracts.' },
            { name: '@nestjs/common', message: 'No Nest in contracts.' },
          ],
        },
      ],
    },
  },
  {
    // Tests and tools may be looser about `any` from JSON bodies; the rest stays strict.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'e2e/**', 'bench/**', 'libs/testing/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['eslint.config.js', 'vitest.config.ts', 'vitest.chaos.config.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
);

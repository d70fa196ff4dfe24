// One lint setup for the whole repo: type-checked rules, promises handled, and the
// architecture's boundaries as rules (no app imports another app; libs import no app).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { readdirSync } from 'node:fs';

const NO_NATS = { regex: '^@nats-io/', message: 'no NATS here (that is #mesh and #events).' };
const NO_DATABASE = { regex: '^(typeorm|pg)$', message: 'no database here (that is #persistence).' };
const NO_NEST = { regex: '^@nestjs/', message: 'no Nest in contracts.' };

/**
 * Which library may import which: every library imports only those listed (and npm packages,
 * less the ones of another layer's purpose). docs/architecture.md draws this map; a test pins it.
 */
export const LIB_LAYERS = {
  contracts: {
    may: [],
    packages: [NO_NATS, NO_DATABASE, NO_NEST],
    purpose: 'what services share: subjects, schemas, error codes',
  },
  runtime: {
    may: ['contracts'],
    packages: [NO_NATS, NO_DATABASE],
    purpose: 'what every process has: config, logs, traces, request context, signals, health',
  },
  mesh: {
    may: ['contracts', 'runtime'],
    packages: [NO_DATABASE],
    purpose: 'NATS request/reply: client, server, discovery, drain, permissions',
  },
  persistence: {
    may: ['contracts', 'runtime'],
    packages: [NO_NATS],
    purpose: 'PostgreSQL only: data sources, migrations, keyed writes, tombstones',
  },
  events: {
    may: ['contracts', 'runtime', 'mesh', 'persistence'],
    packages: [],
    purpose: 'JetStream: streams, the outbox and its relay, consumers, dead letters',
  },
  service: {
    may: ['contracts', 'runtime', 'mesh', 'persistence', 'events'],
    packages: [],
    purpose: 'how a replica starts and stops, composed of the layers below',
  },
  testing: {
    may: ['contracts', 'runtime', 'mesh', 'persistence', 'events', 'service'],
    packages: [],
    purpose: 'test-only helpers; never in an image',
  },
  loadgen: {
    may: [],
    packages: [NO_NATS, NO_DATABASE, NO_NEST],
    purpose: 'open-loop HTTP load (Poisson arrivals, HdrHistogram) for the bench and tools; never in an image',
  },
};

const NO_APPS = { regex: '^(\\.\\./)+apps/', message: 'Libraries must not depend on apps.' };
const TESTING_ONLY = {
  regex: '^#(testing|loadgen)$',
  message: '#testing and #loadgen are for tests and test tools only (they are not in the images).',
};
// One no-restricted-imports setting per group of files (a later setting replaces an earlier one
// for the same file, so each group lists all of its patterns).
const restrict = (files, patterns, ignores = []) => ({
  files,
  ignores,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

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
  // The boundaries: an app imports only its own files and libs/ (through the #aliases); no app
  // imports another app; what runs in an image never imports #testing.
  ...apps.flatMap((app) => {
    const patterns = [
      {
        regex: `^(\\.\\./)+(apps/)?(${apps.filter((a) => a !== app).join('|')})/`,
        message: 'No app imports another app: share types through #contracts and talk over NATS.',
      },
      {
        regex: '^(\\.\\./)+libs/',
        message: `Import libraries through their aliases (${Object.keys(LIB_LAYERS)
          .map((l) => `#${l}`)
          .join(', ')}).`,
      },
    ];
    return [
      restrict([`apps/${app}/**/*.ts`], patterns),
      restrict([`apps/${app}/src/**/*.ts`], [...patterns, TESTING_ONLY], ['**/*.spec.ts']),
    ];
  }),
  // The libraries' layers: each imports only the libraries below it (LIB_LAYERS), no app, and
  // none of the packages that belong to another layer's purpose. A library's tests may use #testing.
  restrict(['libs/*/test/**/*.ts'], [NO_APPS]),
  ...Object.entries(LIB_LAYERS).map(([lib, { may, packages }]) => {
    const refused = Object.keys(LIB_LAYERS).filter((l) => l !== lib && !may.includes(l));
    return restrict(
      [`libs/${lib}/src/**/*.ts`],
      [
        NO_APPS,
        {
          regex: '^(\\.\\./)+(libs/)?(' + Object.keys(LIB_LAYERS).join('|') + ')/src/',
          message: 'Import another library through its #alias.',
        },
        ...(refused.length
          ? [
              {
                regex: `^#(${refused.join('|')})$`,
                message: `libs/${lib} may import only ${may.length ? may.map((l) => `#${l}`).join(', ') : 'no library of ours'}.`,
              },
            ]
          : []),
        ...packages.map((p) => ({ regex: p.regex, message: `libs/${lib}: ${p.message}` })),
      ],
    );
  }),
  restrict(['tools/mesh/src/**/*.ts'], [TESTING_ONLY], ['**/*.spec.ts']),
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
    // Plain JavaScript outside the TypeScript project (tools/mesh/bin runs before any build).
    files: ['eslint.config.js', 'vitest.config.ts', 'vitest.chaos.config.ts', 'tools/mesh/bin/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);

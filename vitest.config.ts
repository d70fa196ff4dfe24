import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Nest and TypeORM need decorator metadata, which esbuild does not emit; swc does.
  plugins: [swc.vite({ module: { type: 'es6' } })],
  // package.json `imports` maps each #lib once: the `source` condition picks its TypeScript
  // (tests run the code under test from source), Node without it picks dist/.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    globalSetup: ['test/build-before-tests.ts'],
    // Files run one at a time: the end-to-end suites start whole meshes of processes, and
    // two of those at once on two cores would measure the machine, not the code.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: [
      'test/**/*.spec.ts',
      'apps/**/*.spec.ts',
      'libs/**/*.spec.ts',
      'tools/**/*.spec.ts',
      'apps/*/test/**/*.int-spec.ts',
      'libs/*/test/**/*.int-spec.ts',
      'tools/*/test/**/*.int-spec.ts',
      'e2e/**/*.e2e-spec.ts',
      // The failure drills under load (SIGKILL, rolling SIGTERM, SIGSTOP, PostgreSQL outage).
      'e2e/**/*.chaos-spec.ts',
    ],
  },
});

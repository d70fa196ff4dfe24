import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const lib = (name: string) => fileURLToPath(new URL(`./libs/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  // Nest and TypeORM need decorator metadata, which esbuild does not emit; swc does.
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    alias: {
      '#contracts': lib('contracts'),
      '#mesh': lib('mesh'),
      '#persistence': lib('persistence'),
      '#testing': lib('testing'),
    },
  },
  test: {
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

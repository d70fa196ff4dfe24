// `npm run test:chaos`: only the fail-soft matrix and the failure drills under load (both are
// also part of `npm test`), for running them again and again while working on fail-soft.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  ...base,
  test: { ...base.test, include: ['e2e/chaos/**/*.e2e-spec.ts', 'e2e/chaos/**/*.chaos-spec.ts'] },
});

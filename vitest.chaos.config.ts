// `npm run test:chaos`: the fail-soft matrix and the failure drills under load. The drills
// (drills.chaos-spec.ts) are not part of `npm test` yet: on this 2-core machine the SIGKILL drill
// still misses its bounds in some runs (see README, "Fail-soft drills").
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  ...base,
  test: { ...base.test, include: ['e2e/chaos/**/*.e2e-spec.ts', 'e2e/chaos/**/*.chaos-spec.ts'] },
});

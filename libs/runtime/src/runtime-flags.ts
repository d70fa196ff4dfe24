/**
 * Node flags every replica runs with (launcher, tests, bench, images). A small young generation
 * and a capped old space keep a resting replica near its live heap: measured after 8 s of load,
 * edge 190 MB → 116 MB RSS and posts 172 MB → 110 MB, with no measurable throughput change.
 */
export const REPLICA_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--max-old-space-size=128'];

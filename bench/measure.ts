// Closed-loop measurement for the floors that are not HTTP: `concurrency` loops call `op`
// back to back for `seconds`; latencies are kept in full for exact percentiles.
export interface Figures {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
}

export async function measureLoop(
  op: () => Promise<unknown>,
  o: { concurrency: number; seconds: number },
): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + o.seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          await op();
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0);
  return {
    reqPerSec: Math.round(latencies.length / elapsed),
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    maxMs: pct(1),
    errors,
  };
}

export const round = (n: number) => Math.round(n * 100) / 100;
/** Three places, for a ratio judged against a target of two (0.058 must not print as 0.06). */
export const round3 = (n: number) => Math.round(n * 1000) / 1000;

/**
 * Env for a mesh loaded closed loop by `connections` connections: the edge's and each replica's
 * concurrency floor raised to them. A closed loop holds that many requests by construction, and
 * the adaptive limits would refuse part of them as queueing (503s in the figures: 137 of a home
 * leg's requests with the defaults); these legs measure what the mesh serves, the overload drill
 * (npm run chaos -- --overload) what it refuses.
 */
export const closedLoopEnv = (connections: number): Record<string, string> => ({
  EDGE_CONCURRENCY_LIMIT_MIN: String(connections),
  CONCURRENCY_LIMIT_MIN: String(connections),
});

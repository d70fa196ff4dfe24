// HTTP load with autocannon (the load generator of the Node/Fastify world), same settings for
// the floor and the edge so their ratio means something.
import autocannon from 'autocannon';
import type { Figures } from './measure.js';

export interface LoadTarget {
  path: string;
  headers?: Record<string, string>;
}

export async function httpLoad(o: {
  url: string;
  /** Paths (or path + headers) used in turn, one per request. */
  targets: Array<string | LoadTarget>;
  method?: string;
  connections: number;
  seconds: number;
}): Promise<Figures & { non2xx: number }> {
  const targets = o.targets.map((t) => (typeof t === 'string' ? { path: t } : t));
  let i = 0;
  const result = await autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.seconds,
    requests: [
      {
        method: o.method ?? 'GET',
        setupRequest: (req: Record<string, unknown>) => {
          const t = targets[i++ % targets.length];
          return { ...req, path: t.path, headers: { ...(req.headers as object), ...t.headers } };
        },
      },
    ],
  });
  return {
    reqPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

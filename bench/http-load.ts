// HTTP load with autocannon (the load generator of the Node/Fastify world), same settings for
// the floor and the edge so their ratio means something.
import autocannon from 'autocannon';
import type { Figures } from './measure.js';

export async function httpLoad(o: {
  url: string;
  paths: string[];
  connections: number;
  seconds: number;
}): Promise<Figures & { non2xx: number }> {
  let i = 0;
  const result = await autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (req: Record<string, unknown>) => ({ ...req, path: o.paths[i++ % o.paths.length] }),
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

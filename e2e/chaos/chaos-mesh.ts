// What the chaos suites share besides libs/testing's (signup, createPosts, liveReplicas,
// scaleToZero): the pids /mesh lists, a 503 that must be fast and name its service, and an
// open /events stream to watch.
import { expect } from 'vitest';
import { http, type HttpResult } from '#testing';
import { problem } from '../problem.js';

/** The pids GET /mesh lists for a service, sorted; `url` is an edge's admin listener. */
export async function meshPids(url: string, app: string): Promise<number[]> {
  const view = await http(url, 'GET', '/mesh');
  const service = view.body.services.find((s: { name: string }) => s.name === app);
  return (service?.replicas ?? []).map((r: { pid: number }) => r.pid).sort((a: number, b: number) => a - b);
}

/** The fail-fast 503 of docs/fail-soft.md: names the service, says when to retry, in < 100 ms. */
export function expectFast503(res: HttpResult, service: string, what: string): void {
  expect({ what, status: res.status, body: res.body }).toEqual({ what, status: 503, body: problem(503, { service }) });
  expect(res.headers.get('retry-after'), what).toBe('1');
  expect(res.ms, `${what} took ${res.ms.toFixed(1)} ms`).toBeLessThan(100);
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The median latency of `n` sequential calls of a read that must answer 200. */
export async function p50Of(n: number, read: () => Promise<HttpResult>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await read();
    expect(res.status).toBe(200);
    ms.push(res.ms);
  }
  return median(ms);
}

/** An open `GET /events` stream; `chunks` counts what arrived (keep-alives included). */
export interface EventStream {
  status: number;
  chunks: () => number;
  ended: () => boolean;
  close: () => void;
}

export async function openEvents(url: string, token: string): Promise<EventStream> {
  const abort = new AbortController();
  const res = await fetch(`${url}/events`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  let chunks = 0;
  let ended = false;
  const reader = res.body!.getReader();
  void (async () => {
    try {
      while (!(await reader.read()).done) chunks++;
    } catch {
      // aborted by close()
    }
    ended = true;
  })();
  return { status: res.status, chunks: () => chunks, ended: () => ended, close: () => abort.abort() };
}

/**
 * The sum of an edge counter over the series whose labels match `labels` (e.g. /outcome="timeout"/);
 * `url` is the edge's admin listener (GET /metrics).
 */
export async function edgeCounter(url: string, name: string, labels: RegExp = /.*/): Promise<number> {
  const text: string = (await http(url, 'GET', '/metrics')).body;
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    if (labels.test(m[1])) sum += Number(m[2]);
  }
  return sum;
}

/** The nats-server's client connections (its monitoring endpoint's /connz), open or closed. */
export async function natsConnections(
  monitorUrl: string,
  state: 'open' | 'closed',
): Promise<Array<{ name?: string; reason?: string }>> {
  const res = await fetch(`${monitorUrl}/connz?state=${state}&limit=1024`);
  return ((await res.json()) as { connections: Array<{ name?: string; reason?: string }> }).connections;
}

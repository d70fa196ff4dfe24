// Bench setup through the API: many calls at once, each retried while the mesh says it is busy
// (503 overloaded, 429), so setup measures the mesh rather than failing on its admission control.
import { randomUUID } from 'node:crypto';
import { http, type HttpResult } from '#testing';

export async function inParallel<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

/**
 * One API call that must succeed with `expect`; busy answers are retried after a short pause.
 * A POST carries one Idempotency-Key across its retries, so a retried write is applied once.
 */
export async function must(
  url: string,
  method: string,
  path: string,
  o: Parameters<typeof http>[3] & { expect: number },
): Promise<HttpResult> {
  const headers =
    method === 'POST' && !path.startsWith('/auth/') ? { 'idempotency-key': randomUUID(), ...o.headers } : o.headers;
  for (let attempt = 0; ; attempt++) {
    const res = await http(url, method, path, { timeoutMs: 30_000, ...o, headers });
    if (res.status === o.expect) return res;
    if ((res.status === 503 || res.status === 429) && attempt < 200) {
      await new Promise((r) => setTimeout(r, Math.min(1000, 50 + attempt * 50)));
      continue;
    }
    throw new Error(`${method} ${path}: expected ${o.expect}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/**
 * A new account's token. Sign-up takes no Idempotency-Key: when a busy answer was retried and
 * the first try had gone through after all (409 taken), the retry logs in instead.
 */
export async function signUp(url: string, username: string): Promise<{ token: string; user: any }> {
  const body = { username, password: 'bench password' };
  try {
    return (await must(url, 'POST', '/auth/signup', { body, expect: 201 })).body;
  } catch (e) {
    if (!String(e).includes('got 409')) throw e;
    return (await must(url, 'POST', '/auth/login', { body, expect: 200 })).body;
  }
}

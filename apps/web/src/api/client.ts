// Every call to the edge goes through here: same origin, bearer token, a bound on how long it may
// take, problem+json turned into ApiError, and writes keyed so a retry never writes twice.
import type { Problem } from './types';

const TIMEOUT_MS = 10_000;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title);
  }
  /** The service a 503 names: the part of the mesh that is down. */
  get service(): string | undefined {
    return this.status === 503 ? (this.problem.service ?? 'a service') : undefined;
  }
}

/** A random Idempotency-Key; crypto.getRandomValues works outside secure contexts too. */
export function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  form?: FormData;
  /** Writes: the same key on every retry, so the edge answers a repeat from the first write. */
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** false: a 401 is final (no refresh and retry), e.g. for logout itself. */
  refresh?: boolean;
}

let onUnauthorized: (() => void) | undefined;
/** What to do when the edge refuses our token and it cannot be refreshed: sign out. */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

/**
 * Gets a fresh access token for one the edge refused: the new token; null when the session is
 * over (sign out); undefined when it cannot be told now (identity down, offline: keep the session).
 */
export type TokenRefresher = (stale: string) => Promise<string | null | undefined>;
let refresher: TokenRefresher | undefined;
export function setTokenRefresher(fn: TokenRefresher): void {
  refresher = fn;
}

async function once<T>(method: string, path: string, o: CallOptions): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.idempotencyKey) headers['idempotency-key'] = o.idempotencyKey;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: o.form ?? (o.body === undefined ? undefined : JSON.stringify(o.body)),
      signal: o.signal ? AbortSignal.any([o.signal, timeout]) : timeout,
    });
  } catch (err) {
    if (o.signal?.aborted) throw err;
    throw new ApiError(0, { type: 'network', title: 'The server could not be reached', status: 0 });
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined; // not ours (a proxy's error page): judged by the status alone
  }
  if (res.ok) return body as T;
  const problem = (body ?? { type: 'unknown', title: res.statusText, status: res.status }) as Problem;
  throw new ApiError(res.status, problem);
}

/** A 401 on a call with a token: refresh it (once) and call again; sign out if the session is over. */
async function withRefresh<T>(method: string, path: string, o: CallOptions): Promise<T> {
  try {
    return await once<T>(method, path, o);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401 && o.token)) throw err;
    const fresh = o.refresh === false ? null : await refresher?.(o.token);
    if (fresh === null) onUnauthorized?.();
    if (!fresh || fresh === o.token) throw err;
    const retried = await once<T>(method, path, { ...o, token: fresh }).catch((again: unknown) => {
      if (again instanceof ApiError && again.status === 401) onUnauthorized?.();
      throw again;
    });
    return retried;
  }
}

/**
 * One call; a keyed write is retried (same key) when the network failed or the first try with
 * that key is still running (409 conflict) — never twice written. A 503 is not retried here: the
 * page says which service is down and retries on its own schedule.
 */
export async function api<T>(method: string, path: string, o: CallOptions = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withRefresh<T>(method, path, o);
    } catch (err) {
      const retriable =
        err instanceof ApiError &&
        o.idempotencyKey !== undefined &&
        (err.status === 0 || (err.status === 409 && err.problem.type.endsWith(':conflict')));
      if (!retriable || attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 300 * attempt));
    }
  }
}

/** "likes are unavailable right now", "media is unavailable right now". */
export function unavailable(service: string): string {
  // feed down is not an outage for the reader: the page is built another way meanwhile.
  if (service === 'feed') return 'your feed is being built from the people you follow right now';
  // graph holds the follows: what a reader misses is following, not a service by its name.
  if (service === 'graph') return 'follows are unavailable right now';
  return `${service} ${/s$/.test(service) && service !== 'a service' ? 'are' : 'is'} unavailable right now`;
}

/** A short sentence for a failed call, naming the service when one is down. */
export function describeError(err: unknown): string {
  const text = describe(err);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function describe(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 503) return unavailable(err.service ?? 'a service');
    if (err.status === 0) return 'the server could not be reached — check your connection';
    return err.problem.errors?.map((e) => e.message).join('; ') || err.problem.detail || err.problem.title;
  }
  return err instanceof Error ? err.message : 'something went wrong';
}

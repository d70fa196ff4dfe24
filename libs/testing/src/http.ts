// A tiny HTTP client for end-to-end tests: status, headers and parsed body, with a deadline.
export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  ms: number;
}

export async function http<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  o: { body?: unknown; rawBody?: string; token?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let body: string | undefined = o.rawBody;
  if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers['content-type'] = 'application/json';
  }
  const started = performance.now();
  const res = await fetch(baseUrl + path, {
    method,
    headers,
    body,
    signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text.length > 0) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed as T, ms: performance.now() - started };
}

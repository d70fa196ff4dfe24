// The operator CLI's side of the control API. A launcher that does not answer is a
// LauncherDownError, so each verb can say so in one line. The token is read from the launcher's
// state folder on every call (control-token.ts); a refusal (problem+json) becomes `{ error }`.
import { request } from 'node:http';
import { controlTokenFile, readControlToken, type ControlTarget } from './control-token.js';

export class LauncherDownError extends Error {}

export interface ControlReply<T> {
  status: number;
  body: T | { error: string };
}

/** A control API answer as it came: status, content type, body text. */
export interface RawReply {
  status: number;
  contentType: string | undefined;
  text: string;
}

/**
 * One HTTP request to 127.0.0.1:port with exactly these headers. node:http, not fetch: Node's
 * fetch adds `Sec-Fetch-Mode: cors` to every request, which the control API refuses as a
 * browser's. Rejects with the socket's error, or a TimeoutError after timeoutMs.
 */
export function controlRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, signal: AbortSignal.timeout(timeoutMs) });
    req.once('error', (err) => reject(err.name === 'AbortError' ? Object.assign(err, { name: 'TimeoutError' }) : err));
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.once('error', reject);
      res.once('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], text }));
    });
    req.end(body);
  });
}

export async function callControl<T>(
  target: ControlTarget,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  timeoutMs = 5000,
): Promise<ControlReply<T>> {
  const { port } = target;
  const token = readControlToken(target);
  let res: RawReply;
  try {
    res = await controlRequest(
      port,
      method,
      path,
      {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body === undefined ? undefined : JSON.stringify(body),
      timeoutMs,
    );
  } catch (err) {
    const reason =
      err instanceof Error && err.name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : 'nothing listens there';
    throw new LauncherDownError(
      `no launcher answers on 127.0.0.1:${port} (${reason}): start the mesh with \`npm start\`, or set MESH_CONTROL_PORT`,
    );
  }
  const answer = JSON.parse(res.text) as T | { error: string } | { detail: string };
  if (typeof answer === 'object' && answer !== null && 'detail' in answer)
    return { status: res.status, body: { error: refusedLine(res.status, answer.detail, target) } };
  return { status: res.status, body: answer };
}

function refusedLine(status: number, detail: string, t: ControlTarget): string {
  const file = controlTokenFile(t);
  return status === 401 || status === 403
    ? `the launcher on 127.0.0.1:${t.port} refused this (${status}: ${detail}); its token is read from ${file}, which the launcher writes at start`
    : detail;
}

export function isError(body: unknown): body is { error: string } {
  return typeof body === 'object' && body !== null && 'error' in body;
}

// The operator CLI's side of the control API. A launcher that does not answer is a
// LauncherDownError, so each verb can say so in one line.
export class LauncherDownError extends Error {}

export interface ControlReply<T> {
  status: number;
  body: T | { error: string };
}

export async function callControl<T>(
  port: number,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  timeoutMs = 5000,
): Promise<ControlReply<T>> {
  const url = `http://127.0.0.1:${port}${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const reason =
      err instanceof Error && err.name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : 'nothing listens there';
    throw new LauncherDownError(
      `no launcher answers on 127.0.0.1:${port} (${reason}): start the mesh with \`npm start\`, or set MESH_CONTROL_PORT`,
    );
  }
  return { status: res.status, body: (await res.json()) as T | { error: string } };
}

export function isError(body: unknown): body is { error: string } {
  return typeof body === 'object' && body !== null && 'error' in body;
}

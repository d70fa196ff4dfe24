// The launcher's control API on 127.0.0.1 (the operator CLI is its client): GET /status,
// POST /scale {app, replicas}, POST /kill {app, signal, pid?}. JSON in and out; bad input 400.
// Every request needs the launcher's token (control-token.ts) as `Authorization: Bearer …`:
// none → 401, another → 403. A request a browser could send is refused before the token is
// looked at (403): one with an Origin or Sec-Fetch-* header, or a POST whose body is not
// application/json — a web page's cross-origin `text/plain` POST (which needs no CORS preflight)
// reaches 127.0.0.1 too, and must not scale or kill anything.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from '#runtime';
import { DrillSignals, type LauncherStatus } from './control-types.js';
import { ControlError, type ReplicaSupervisor } from './replica-supervisor.js';

const ScaleBody = z.object({ app: z.string(), replicas: z.number().int().min(0) }).strict();
const KillBody = z
  .object({
    app: z.string(),
    signal: z.enum(DrillSignals).default('TERM'),
    pid: z.number().int().positive().optional(),
  })
  .strict();

export interface ControlApiOptions {
  port: number;
  /** The token every request must carry (control-token.ts). */
  token: string;
  supervisor: ReplicaSupervisor;
  logger: Logger;
  launcherStatus: () => Omit<LauncherStatus, 'apps'>;
}

export async function startControlApi(o: ControlApiOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const refused = refusal(req, o.token);
    if (refused) {
      req.resume();
      return sendProblem(res, refused.status, refused.detail);
    }
    route(req, o).then(
      ([status, body]) => send(res, status, body),
      (err: unknown) => {
        if (err instanceof ControlError) return send(res, err.status, { error: err.message });
        o.logger.error({ err }, 'control request failed');
        send(res, 500, { error: 'internal error' });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  return server;
}

async function route(req: IncomingMessage, o: ControlApiOptions): Promise<[number, unknown]> {
  const path = new URL(req.url ?? '/', 'http://control').pathname;
  const key = `${req.method} ${path}`;
  if (key === 'GET /status')
    return [200, { ...o.launcherStatus(), apps: o.supervisor.status() } satisfies LauncherStatus];
  if (key === 'POST /scale') {
    const body = parseBody(ScaleBody, await readJson(req));
    return [200, await o.supervisor.scale(body.app, body.replicas)];
  }
  if (key === 'POST /kill') {
    const body = parseBody(KillBody, await readJson(req));
    return [200, o.supervisor.kill(body.app, body.signal, body.pid)];
  }
  return [404, { error: `no route ${key}` }];
}

/** Why a request is refused before it is routed; null when it may go on. */
export function refusal(req: IncomingMessage, token: string): { status: 401 | 403; detail: string } | null {
  const h = req.headers;
  if (h.origin !== undefined || h['sec-fetch-site'] !== undefined || h['sec-fetch-mode'] !== undefined)
    return { status: 403, detail: 'the control API does not answer browsers (Origin or Sec-Fetch-* header)' };
  const type = (h['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (req.method !== 'GET' && type !== 'application/json')
    return { status: 403, detail: 'a control request body must be application/json' };
  const auth = h.authorization;
  if (auth === undefined) return { status: 401, detail: 'the control token is missing (Authorization: Bearer …)' };
  const given = Buffer.from(auth.replace(/^Bearer /, ''));
  const expected = Buffer.from(token);
  if (!auth.startsWith('Bearer ') || given.length !== expected.length || !timingSafeEqual(given, expected))
    return { status: 403, detail: "the control token is not this launcher's" };
  return null;
}

function sendProblem(res: ServerResponse, status: 401 | 403, detail: string): void {
  const title = status === 401 ? 'Unauthorized' : 'Forbidden';
  res
    .writeHead(status, {
      'content-type': 'application/problem+json',
      ...(status === 401 ? { 'www-authenticate': 'Bearer realm="mesh-control"' } : {}),
    })
    .end(JSON.stringify({ type: 'about:blank', title, status, detail }));
}

function parseBody<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new ControlError(400, r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 10_000) throw new ControlError(413, 'body too large');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ControlError(400, 'body is not JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

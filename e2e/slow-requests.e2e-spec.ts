// Slow clients are cut off, over a real edge and raw sockets: a body trickled byte by byte, headers
// line by line, a connection that sends nothing. Before, Fastify's timeouts were 0 and each of
// these held its connection for as long as the client liked. A GET /events stream, whose request
// has arrived, stays open however long it lasts. The edge runs with short timeouts here (2 s for
// a request, 1 s for headers, 1.5 s idle) so the test is quick; the defaults are 60 s, 10 s, 30 s.
import { connect, type Socket } from 'node:net';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestMesh, type TestMesh } from '#testing';

const REQUEST_TIMEOUT_MS = 2000;
const HEADERS_TIMEOUT_MS = 1000;
const CONNECTION_TIMEOUT_MS = 1500;
/** Node sweeps its connections for timeouts once a second (see http-timeouts.ts). */
const SWEEP_MS = 1000;

let mesh: TestMesh;
let port: number;

beforeAll(async () => {
  mesh = await startTestMesh({
    replicas: { identity: 1 },
    env: {
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      CONNECTION_TIMEOUT_MS: String(CONNECTION_TIMEOUT_MS),
      SSE_KEEPALIVE_MS: '500',
    },
  });
  port = Number(new URL(mesh.edgeUrl).port);
});
afterAll(async () => mesh?.stop());

interface Cut {
  /** Everything the edge wrote before it closed. */
  received: string;
  /** From the first byte sent to the close. */
  ms: number;
  closed: boolean;
}

/**
 * Sends `head` at once, then `drip` one character every `everyMs`, until the edge closes the
 * connection or `giveUpMs` passes (then the test's own bound ends it).
 */
function trickle(o: { head: string; drip: string; everyMs: number; giveUpMs: number }): Promise<Cut> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    let started = 0;
    let timer: NodeJS.Timeout | undefined;
    const done = (closed: boolean) => {
      clearInterval(timer);
      clearTimeout(bound);
      socket.destroy();
      resolve({ received, ms: performance.now() - started, closed });
    };
    const bound = setTimeout(() => done(false), o.giveUpMs);
    socket.on('data', (d) => (received += d.toString()));
    socket.on('close', () => done(true));
    socket.on('error', (err) => (received ? undefined : reject(err)));
    socket.on('connect', () => {
      started = performance.now();
      if (o.head) socket.write(o.head);
      let i = 0;
      timer = setInterval(() => {
        if (i < o.drip.length && !socket.destroyed) socket.write(o.drip[i++]);
      }, o.everyMs);
    });
  });
}

const timedOut = {
  type: 'urn:failsoft:problem:request-timeout',
  title: 'Request timeout',
  status: 408,
  detail: 'The request did not arrive in time.',
};
/** The status line, the headers that matter and the body of a raw HTTP answer. */
function parse(raw: string) {
  const [head, body] = raw.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { statusLine, contentType: headers['content-type'], connection: headers.connection, body: JSON.parse(body) };
}

describe('slow clients', () => {
  it('a body sent byte by byte is cut off at REQUEST_TIMEOUT_MS with a 408 problem', async () => {
    const body = JSON.stringify({ username: 'slow_body', password: 'x'.repeat(60) });
    const cut = await trickle({
      head:
        'POST /auth/login HTTP/1.1\r\nHost: edge\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${body.length}\r\n\r\n`,
      drip: body, // ~90 bytes at 10 a second: 9 s if nobody cut it off
      everyMs: 100,
      giveUpMs: 8000,
    });
    expect(cut.closed).toBe(true);
    expect(parse(cut.received)).toEqual({
      statusLine: 'HTTP/1.1 408 Request timeout',
      contentType: 'application/problem+json',
      connection: 'close',
      body: timedOut,
    });
    expect(cut.ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(cut.ms).toBeLessThan(REQUEST_TIMEOUT_MS + SWEEP_MS + 500);
  });

  it('headers sent a character at a time are cut off at HEADERS_TIMEOUT_MS', async () => {
    const cut = await trickle({
      head: 'GET /health/live HTTP/1.1\r\n',
      drip: `Host: edge\r\nX-Slow: ${'a'.repeat(100)}\r\n\r\n`,
      everyMs: 100,
      giveUpMs: 8000,
    });
    expect(cut.closed).toBe(true);
    expect(parse(cut.received)).toMatchObject({ statusLine: 'HTTP/1.1 408 Request timeout', body: timedOut });
    expect(cut.ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(cut.ms).toBeLessThan(HEADERS_TIMEOUT_MS + SWEEP_MS + 500);
  });

  it('a connection that sends nothing is closed', async () => {
    const cut = await trickle({ head: '', drip: '', everyMs: 1000, giveUpMs: 8000 });
    expect(cut.closed).toBe(true);
    expect(cut.ms).toBeLessThan(CONNECTION_TIMEOUT_MS + SWEEP_MS + 500);
  });

  it('a whole request in good time is answered as ever', async () => {
    const res = await http(mesh.edgeUrl, 'GET', '/health/live');
    expect(res.status).toBe(200);
  });

  it('a GET /events stream stays open past every timeout, its keep-alives arriving', async () => {
    const signup = await http(mesh.edgeUrl, 'POST', '/auth/signup', {
      body: { username: 'long_listener', password: 'correct horse' },
    });
    expect(signup.status).toBe(201);
    const held = 3 * REQUEST_TIMEOUT_MS;
    const stream = await new Promise<{ status: number; comments: number; ended: boolean }>((resolve, reject) => {
      const req = httpRequest(`${mesh.edgeUrl}/events`, {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${signup.body.token}` },
        agent: false,
      });
      req.on('error', reject);
      req.on('response', (res) => {
        let comments = 0;
        let ended = false;
        res.on('data', (d: Buffer) => (comments += (d.toString().match(/^:/gm) ?? []).length));
        res.on('close', () => (ended = true));
        setTimeout(() => {
          resolve({ status: res.statusCode ?? 0, comments, ended });
          req.destroy();
        }, held);
      });
      req.end();
    });
    expect(stream.status).toBe(200);
    expect(stream.ended).toBe(false);
    expect(stream.comments).toBeGreaterThanOrEqual(held / 500 - 3);
  });
});

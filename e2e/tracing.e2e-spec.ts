// Traces across the mesh: with OTEL_EXPORTER_OTLP_ENDPOINT set, the edge and every service
// export spans over OTLP/HTTP to a collector (here a small receiver in the test). One request's
// spans share a trace id: the client's traceparent → the edge's span → each service's span for
// its NATS message → the spans of the requests that service makes. Log lines carry the trace id.
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, freePort, http, startTestMesh, type TestMesh } from '#testing';

interface ExportedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
}

let mesh: TestMesh;
let collector: Server;
const spans: ExportedSpan[] = [];

/** A minimal OTLP/HTTP JSON receiver: POST /v1/traces. */
async function startCollector(): Promise<string> {
  const port = await freePort();
  collector = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const doc = JSON.parse(body) as {
        resourceSpans: Array<{
          resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
          scopeSpans: Array<{ spans: Array<Omit<ExportedSpan, 'service'>> }>;
        }>;
      };
      for (const rs of doc.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) {
            spans.push({
              service,
              name: s.name,
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(port, '127.0.0.1', resolve));
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  const endpoint = await startCollector();
  mesh = await startTestMesh({
    replicas: { identity: 1, posts: 1, likes: 1, comments: 1 },
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, LOG_LEVEL: 'debug' },
  });
});
afterAll(async () => {
  await mesh?.stop();
  collector?.close();
});

const inTrace = (traceId: string) => spans.filter((s) => s.traceId === traceId);

describe('tracing', () => {
  it("follows one read from the client's traceparent through the edge into posts, likes and comments", async () => {
    const url = mesh.edgeUrl;
    const signup = await http(url, 'POST', '/auth/signup', { body: { username: 'tracer', password: 'follow me' } });
    const token = signup.body.token as string;
    const post = await http(url, 'POST', '/posts', { token, body: { text: 'traced' } });

    const traceId = randomBytes(16).toString('hex');
    const clientSpan = randomBytes(8).toString('hex');
    const res = await http(url, 'GET', `/posts/${post.body.id}`, {
      token,
      headers: { traceparent: `00-${traceId}-${clientSpan}-01` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    await expectEventually(
      () =>
        expect(
          inTrace(traceId)
            .map((s) => s.service)
            .sort(),
        ).toEqual(['comments', 'edge', 'likes', 'posts']),
      {
        timeoutMs: 10_000,
      },
    );
    const edge = inTrace(traceId).find((s) => s.service === 'edge')!;
    expect(edge).toMatchObject({ name: 'GET /posts/:id', parentSpanId: clientSpan });
    for (const [service, name] of [
      ['posts', 'posts.get'],
      ['likes', 'likes.summary'],
      ['comments', 'comments.count'],
    ]) {
      expect(inTrace(traceId).find((s) => s.service === service)).toMatchObject({ name, parentSpanId: edge.spanId });
    }

    // The service's log line for the request carries the same trace id.
    const line = await mesh.replicas.get('posts')![0].waitForLog((l) => l.traceId === traceId);
    expect(line).toMatchObject({ service: 'posts', subject: 'posts.get', msg: 'handled' });
  });

  it('nests the requests a service makes under its own span (likes asks posts)', async () => {
    const url = mesh.edgeUrl;
    const token = (await http(url, 'POST', '/auth/login', { body: { username: 'tracer', password: 'follow me' } })).body
      .token as string;
    const post = await http(url, 'POST', '/posts', { token, body: { text: 'like me' } });
    const like = await http(url, 'PUT', `/posts/${post.body.id}/like`, { token });
    expect(like.status).toBe(204);
    const traceId = /^00-([0-9a-f]{32})-/.exec(like.headers.get('traceparent') ?? '')?.[1];
    expect(traceId).toBeDefined();
    await expectEventually(
      () => expect(inTrace(traceId!).map((s) => s.name)).toEqual(expect.arrayContaining(['likes.like', 'posts.get'])),
      { timeoutMs: 10_000 },
    );
    const likeSpan = inTrace(traceId!).find((s) => s.name === 'likes.like')!;
    expect(inTrace(traceId!).find((s) => s.name === 'posts.get')).toMatchObject({ parentSpanId: likeSpan.spanId });
  });

  it("continues a delete's trace into the event handlers it causes (through the outbox and JetStream)", async () => {
    const url = mesh.edgeUrl;
    // A login hashes a password (~200 ms, far more on a loaded machine): asked again if it 503s.
    const login = await expectEventually(
      async () => {
        const res = await http(url, 'POST', '/auth/login', { body: { username: 'tracer', password: 'follow me' } });
        expect(res.status).toBe(200);
        return res;
      },
      { timeoutMs: 10_000 },
    );
    const token = login.body.token as string;
    const post = await http(url, 'POST', '/posts', { token, body: { text: 'delete me' } });
    expect(post.status).toBe(201);
    const deleted = await http(url, 'DELETE', `/posts/${post.body.id}`, { token });
    expect(deleted.status).toBe(204);
    const traceId = /^00-([0-9a-f]{32})-/.exec(deleted.headers.get('traceparent') ?? '')?.[1];
    expect(traceId).toBeDefined();
    await expectEventually(
      () =>
        expect(
          inTrace(traceId!)
            .filter((s) => s.name === 'events.posts.deleted process')
            .map((s) => s.service)
            .sort(),
        ).toEqual(['comments', 'likes']),
      { timeoutMs: 10_000 },
    );
    // Children of posts' span for the delete, whose transaction wrote the event.
    const deleteSpan = inTrace(traceId!).find((s) => s.name === 'posts.delete')!;
    for (const s of inTrace(traceId!).filter((x) => x.name === 'events.posts.deleted process'))
      expect(s.parentSpanId).toBe(deleteSpan.spanId);
    // And comments' log line for the event carries the request's id and trace id.
    const requestId = deleted.headers.get('x-request-id');
    const line = await mesh.replicas
      .get('comments')![0]
      .waitForLog((l) => l.msg === 'event handled' && l.traceId === traceId);
    expect(line).toMatchObject({ service: 'comments', subject: 'events.posts.deleted', requestId });
  });
});

// What a user sees when the mesh's own infrastructure goes away, and that it comes back by
// itself: PostgreSQL refusing connections, a replica started while its database is unreachable,
// then the NATS server gone and restarted.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectEventually,
  freePort,
  http,
  refuseConnections,
  spawnApp,
  sql,
  startNatsServer,
  startTestMesh,
  tcpForwarder,
  type NatsServerHandle,
  type TestMesh,
} from '#testing';
import { problem } from './problem.js';

const database = `failsoft_outage_${randomBytes(4).toString('hex')}`;
// The database gets taken away, so this suite has one of its own, not the shared one.
const databaseUrl = `postgres://postgres@127.0.0.1:5432/${database}`;
let mesh: TestMesh;
let url: string;
let postId: string;
let restarted: NatsServerHandle | undefined;

beforeAll(async () => {
  await sql(`CREATE DATABASE "${database}"`);
  mesh = await startTestMesh({ replicas: { identity: 1, posts: 1 }, env: { DATABASE_URL: databaseUrl } });
  url = mesh.edgeUrl;
  const { token } = (
    await http(url, 'POST', '/auth/signup', { body: { username: 'outage_user', password: 'outage pass' } })
  ).body;
  postId = (await http(url, 'POST', '/posts', { token, body: { text: 'before the outages' } })).body.id;
});

afterAll(async () => {
  await mesh?.stop();
  await restarted?.stop();
  await refuseConnections(database, false).catch(() => undefined);
  await sql(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
});

describe('outages', () => {
  it('PostgreSQL refusing connections: 503 naming the service, fast; no process dies; back by itself', async () => {
    await refuseConnections(database, true);
    try {
      const res = await http(url, 'GET', `/posts/${postId}`);
      expect(res.status).toBe(503);
      expect(res.body).toEqual(problem(503, { service: 'posts' }));
      expect(res.headers.get('retry-after')).toBe('1');
      // Within the pool's connect timeout (1 s), never a hang until the edge's deadline.
      expect(res.ms).toBeLessThan(1500);
      const login = await http(url, 'POST', '/auth/login', {
        body: { username: 'outage_user', password: 'outage pass' },
      });
      expect(login).toMatchObject({ status: 503, body: { service: 'identity' } });
    } finally {
      await refuseConnections(database, false);
    }
    for (const p of [...mesh.replicas.values()].flat()) expect(p.child.exitCode).toBeNull();
    await expectEventually(async () => expect((await http(url, 'GET', `/posts/${postId}`)).status).toBe(200));
  });

  it('a replica started while its database is unreachable: in $SRV with its reason, live, not ready, given no request; serves once it answers', async () => {
    const db = await tcpForwarder({ host: '127.0.0.1', port: 5432 });
    const healthPort = await freePort();
    const health = (path: string) =>
      fetch(`http://127.0.0.1:${healthPort}${path}`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.status,
        () => null,
      );
    const late = spawnApp('posts', {
      ...mesh.env,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${db.port}/${database}`,
      HEALTH_PORT: String(healthPort),
    });
    try {
      const state = `database 127.0.0.1:${db.port}/${database} unreachable: ECONNREFUSED 127.0.0.1:${db.port}`;
      const posts = async () =>
        (await http(mesh.adminUrl, 'GET', '/mesh')).body.services.find((s: { name: string }) => s.name === 'posts');
      await expectEventually(
        async () => expect((await posts()).waiting).toEqual([expect.objectContaining({ pid: late.pid, state })]),
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      // Its sibling serves: the service is up, and the waiting replica is no reason for it to be down.
      expect(await posts()).toMatchObject({ status: 'up', reason: null, replicas: [expect.anything()] });
      expect([await health('/health/live'), await health('/health/ready')]).toEqual([200, 503]);
      // It takes no request: every read goes to the sibling that reaches its database.
      for (let i = 0; i < 20; i++) expect((await http(url, 'GET', `/posts/${postId}`)).status).toBe(200);

      await db.open();
      await expectEventually(async () => expect(await health('/health/ready')).toBe(200), { timeoutMs: 15_000 });
      await expectEventually(async () => {
        const p = await posts();
        expect(p.waiting).toEqual([]);
        expect(p.replicas.map((r: { pid: number }) => r.pid)).toContain(late.pid);
      });
    } finally {
      late.kill('SIGTERM');
      await late.exited;
      await db.close();
    }
  }, 40_000);

  it('NATS gone: the edge stays live, says it is not ready, answers 503; all recover when NATS is back', async () => {
    await mesh.nats.stop();
    await expectEventually(async () =>
      expect(await http(url, 'GET', '/health/ready')).toMatchObject({
        status: 503,
        body: problem(503, { service: 'nats' }),
      }),
    );
    expect((await http(url, 'GET', '/health/live')).status).toBe(200);
    const read = await http(url, 'GET', `/posts/${postId}`);
    expect(read).toMatchObject({ status: 503, body: problem(503, { service: 'posts' }) });
    // One read deadline (500 ms), not a hang.
    expect(read.ms).toBeLessThan(1500);

    restarted = await startNatsServer({ port: mesh.nats.port });
    await expectEventually(async () => expect((await http(url, 'GET', '/health/ready')).status).toBe(200), {
      timeoutMs: 10_000,
    });
    await expectEventually(async () => expect((await http(url, 'GET', `/posts/${postId}`)).status).toBe(200), {
      timeoutMs: 10_000,
    });
    for (const p of [...mesh.replicas.values(), mesh.edges].flat()) expect(p.child.exitCode).toBeNull();
  });
});

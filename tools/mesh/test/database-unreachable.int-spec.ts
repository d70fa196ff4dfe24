// `mesh up` with PostgreSQL unreachable (DATABASE_URL at a forwarder that is closed: ECONNREFUSED),
// as a real launcher process with posts ×2, comments and the edge: the start tells the truth —
// one line on the console naming the database and the error (not one per replica per retry), no
// "failsoft is up", every replica in `mesh status` and GET /mesh with its reason, the board saying it,
// 503s that blame the database — and once the forwarder opens, everything comes up by itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  dropSchemas,
  expectEventually,
  freePort,
  freshSchema,
  http,
  launchBrowser,
  startNatsServer,
  tcpForwarder,
  type NatsServerHandle,
  type TcpForwarder,
  TEST_DATABASE_URL,
} from '#testing';
import { provisionServiceRoles } from '#persistence';
import { assertBuilt, baseEnv, cleanUp, cli, startLauncher, type LauncherProcess } from './launcher-process.js';

const PASSWORD = 'never-print-me';
const schemas = { posts: freshSchema('posts'), comments: freshSchema('comments') };

let nats: NatsServerHandle;
let db: TcpForwarder;
let launcher: LauncherProcess;
let env: NodeJS.ProcessEnv;
let edge: string;
/** The edge's admin listener: GET /mesh and the board. */
let admin: string;
let startedAt: number;
/** What each waiting replica says, e.g. `database 127.0.0.1:40123/test unreachable: ECONNREFUSED 127.0.0.1:40123`. */
let state: string;

const consoleLines = () => launcher.stderr().split('\n');
const dbLine = (l: string) => l.startsWith('mesh: database ');
/** The replicas' and launcher's JSON log lines (stdout). */
const logs = () =>
  launcher
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg?: string; service?: string; pid?: number; time?: string; state?: string });

interface StatusJson {
  services: Array<{
    name: string;
    status: string;
    live: number;
    waiting: number;
    reason: string | null;
    replicas: Array<{ pid: number; state: string }>;
  }>;
}
const status = async () => {
  const r = await cli(['status', '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as StatusJson;
};

beforeAll(async () => {
  assertBuilt();
  // The roles and schemas as any earlier start left them: the launcher makes them too, once the
  // database answers, but a replica that reached it first would report a missing role meanwhile.
  await provisionServiceRoles(TEST_DATABASE_URL, [
    { role: 'failsoft_posts', schema: schemas.posts },
    { role: 'failsoft_comments', schema: schemas.comments },
  ]);
  nats = await startNatsServer();
  db = await tcpForwarder({ host: '127.0.0.1', port: 5432 });
  const port = await freePort();
  const adminPort = await freePort();
  edge = `http://127.0.0.1:${port}`;
  admin = `http://127.0.0.1:${adminPort}`;
  env = baseEnv({ NATS_URL: nats.url, MESH_CONTROL_PORT: String(await freePort()) });
  state = `database 127.0.0.1:${db.port}/test unreachable: ECONNREFUSED 127.0.0.1:${db.port}`;
  startedAt = Date.now();
  launcher = startLauncher({
    ...env,
    LOG_LEVEL: 'info',
    PORT: String(port),
    ADMIN_PORT: String(adminPort),
    MESH_APPS: 'posts,comments,edge',
    REPLICAS: 'posts=2,comments=1,edge=1',
    DATABASE_URL: `postgres://postgres:${PASSWORD}@127.0.0.1:${db.port}/test`,
    POSTS_DB_SCHEMA: schemas.posts,
    COMMENTS_DB_SCHEMA: schemas.comments,
  });
});

afterAll(async () => {
  await cleanUp(launcher);
  await db?.close();
  await nats?.stop();
  await dropSchemas(schemas.posts, schemas.comments);
});

describe('mesh up with PostgreSQL unreachable', () => {
  it('says so in one line on the console, naming the database and the error, never the password', async () => {
    const line = await expectEventually(
      () => {
        const found = consoleLines().find(dbLine);
        expect(found).toBeDefined();
        return found!;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const firstFailure = Math.min(
      ...logs()
        .filter((l) => l.msg === 'database not ready: retrying until it answers')
        .map((l) => Date.parse(l.time!)),
    );
    process.stdout.write(
      `[measured] start → the database line on the console: ${Date.now() - startedAt} ms (${Date.now() - firstFailure} ms after the first replica's first failed attempt)\n`,
    );
    expect(line).toBe(
      `mesh: ${state}; the services that need it wait and retry by themselves, and the mesh is not up until they reach it (\`npm run mesh -- status\` shows each replica)`,
    );
  }, 70_000);

  it('`mesh status --json` lists every replica, each with its reason, and no service up', async () => {
    const report = await expectEventually(
      async () => {
        const r = await status();
        expect(r.services.find((s) => s.name === 'posts')?.waiting).toBe(2);
        expect(r.services.find((s) => s.name === 'comments')?.waiting).toBe(1);
        return r;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    for (const [name, n] of [
      ['posts', 2],
      ['comments', 1],
    ] as const) {
      const s = report.services.find((x) => x.name === name)!;
      expect(s).toMatchObject({ status: 'down', live: 0, waiting: n, reason: state });
      expect(s.replicas.map((r) => r.state)).toEqual(Array(n).fill(state));
    }
    const table = await cli(['status'], env);
    expect(table.stdout).toContain(`posts  DOWN  (0 live, 2 waiting, desired 2): ${state}\n`);
    expect(table.stdout).toContain(`comments  DOWN  (0 live, 1 waiting, desired 1): ${state}\n`);
  }, 40_000);

  it('GET /mesh carries the reason per service, the waiting replicas listed apart from the serving ones', async () => {
    const res = await expectEventually(
      async () => {
        const r = await http(admin, 'GET', '/mesh');
        expect(r.status).toBe(200);
        return r;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    const byName = new Map<string, any>(res.body.services.map((s: any) => [s.name, s]));
    for (const [name, n] of [
      ['posts', 2],
      ['comments', 1],
    ] as const) {
      expect(byName.get(name)).toMatchObject({ status: 'down', reason: state, replicas: [] });
      expect(byName.get(name).waiting).toEqual(
        Array(n).fill(
          expect.objectContaining({
            pid: expect.any(Number),
            waitingFor: 'database',
            state,
            target: `127.0.0.1:${db.port}/test`,
          }),
        ),
      );
    }
    expect(byName.get('identity')).toMatchObject({ status: 'down', reason: null, replicas: [], waiting: [] });
  }, 30_000);

  it('GET /posts answers 503 saying posts cannot reach its database; the edge itself stays ready', async () => {
    const res = await expectEventually(
      async () => {
        const r = await http(edge, 'GET', '/posts');
        expect(r.body.detail).toBe('posts cannot reach its database');
        return r;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      type: 'urn:failsoft:problem:unavailable',
      title: 'Service unavailable',
      status: 503,
      detail: 'posts cannot reach its database',
      service: 'posts',
    });
    expect(res.headers.get('retry-after')).toBe('1');
    // The same words on every try (the circuit breaker does not turn it into "no replica").
    for (let i = 0; i < 5; i++) expect((await http(edge, 'GET', '/posts')).body).toEqual(res.body);
    // PostgreSQL is no dependency of the edge's: it is ready (docs/troubleshooting.md).
    expect(await http(edge, 'GET', '/health/ready')).toMatchObject({ status: 200 });
  }, 20_000);

  it('the board says why posts is down', async () => {
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const page = await browser.newPage();
      await page.goto(`${admin}/`);
      const posts = page.locator('tr[data-service="posts"]');
      await expect.poll(() => posts.getAttribute('class'), { timeout: 10_000 }).toBe('service down');
      await expect.poll(() => posts.locator('td.replica.none').getAttribute('data-reason')).toBe(state);
      expect(await posts.locator('th .count').innerText()).toBe('2 waiting');
      expect(await posts.locator('td.replica.none').innerText()).toBe(
        `DOWN — ${state} (2 replicas wait and retry): reads leave its part out, its writes answer 503`,
      );
    } finally {
      await browser?.close();
    }
  }, 40_000);

  it('said it once, however many replicas and retries; each replica warned once; never "failsoft is up"', async () => {
    const warned = () => logs().filter((l) => l.msg === 'database not ready: retrying until it answers');
    // 4 s after the last replica's first failure it has tried at least 4 times more (250, 500,
    // 1000, 2000 ms of backoff): "once" is then once over several retries of every replica.
    const lastFirst = Math.max(...warned().map((l) => Date.parse(l.time!)));
    await new Promise((r) => setTimeout(r, Math.max(0, lastFirst + 4000 - Date.now())));
    const warnings = warned();
    expect(warnings.map((l) => l.state)).toEqual([state, state, state]);
    expect(new Set(warnings.map((l) => l.pid)).size).toBe(3);
    expect(warnings).toHaveLength(3);
    expect(consoleLines().filter(dbLine)).toHaveLength(1);
    expect(logs().filter((l) => String(l.msg).startsWith('failsoft is up: '))).toEqual([]);
    expect(launcher.stdout() + launcher.stderr()).not.toContain(PASSWORD);
  });

  it('comes up by itself once PostgreSQL answers: the reason gone, "failsoft is up" logged, reads served', async () => {
    await db.open();
    const openedAt = Date.now();
    await expectEventually(
      () => expect(logs().filter((l) => String(l.msg).startsWith('failsoft is up: '))).toHaveLength(1),
      {
        timeoutMs: 30_000,
        intervalMs: 50,
      },
    );
    const upAfter = Date.now() - openedAt;
    process.stdout.write(`[measured] database back → "failsoft is up": ${upAfter} ms\n`);
    expect(consoleLines()).toContain(
      `mesh: the replicas that waited for the database at 127.0.0.1:${db.port}/test reached it and serve`,
    );
    const report = await status();
    for (const [name, n] of [
      ['posts', 2],
      ['comments', 1],
    ] as const) {
      const s = report.services.find((x) => x.name === name)!;
      expect(s).toMatchObject({ status: 'up', live: n, waiting: 0, reason: null });
      expect(s.replicas.map((r) => r.state)).toEqual(Array(n).fill('running'));
    }
    const mesh = await http(admin, 'GET', '/mesh');
    const posts = mesh.body.services.find((s: any) => s.name === 'posts');
    expect(posts).toMatchObject({ status: 'up', reason: null, waiting: [] });
    expect(posts.replicas).toHaveLength(2);
    const read = await expectEventually(async () => {
      const r = await http(edge, 'GET', '/posts');
      expect(r.status).toBe(200);
      return r;
    });
    expect(read.body).toMatchObject({ items: [], nextCursor: null });
    expect(consoleLines().filter(dbLine)).toHaveLength(1);

    launcher.child.kill('SIGINT');
    expect(await launcher.exited).toEqual({ code: 0, signal: null });
  }, 45_000);
});

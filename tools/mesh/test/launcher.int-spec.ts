// `mesh up` as a real process (built dist/) against a private nats-server and PostgreSQL, driven
// by the operator CLI as a process: replicas in $SRV with exact pids, restart after SIGKILL,
// drain to zero and back, a clean stop, a nats-server of its own, and a crash loop reported.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection, type RequestError } from '@nats-io/transport-node';
import { ErrorCodes, MeshError, Subjects } from '#contracts';
import { discoverMesh } from '#mesh';
import {
  dropSchemas,
  expectEventually,
  freePort,
  freshSchema,
  startNatsServer,
  TEST_DATABASE_URL,
  testClient,
  type NatsServerHandle,
} from '#testing';
import {
  alive,
  assertBuilt,
  baseEnv,
  childrenOf,
  cleanUp,
  cli,
  controlFetch,
  controlStatus,
  controlToken,
  parentOf,
  repoRoot,
  startLauncher,
  type LauncherProcess,
} from './launcher-process.js';
import { controlRequest } from '../src/control-client.js';

let nats: NatsServerHandle;
let nc: NatsConnection;
const schema = freshSchema('posts');

beforeAll(async () => {
  assertBuilt();
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
});

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
  await dropSchemas(schema);
});

async function postsPids(): Promise<number[]> {
  const view = await discoverMesh(nc, { known: ['posts'] });
  return view.services.find((s) => s.name === 'posts')!.replicas.map((r) => r.pid!);
}

describe('mesh up with posts=2', () => {
  let launcher: LauncherProcess;
  let env: NodeJS.ProcessEnv;
  const seen = new Set<number>(); // every replica pid this launcher was seen running

  beforeAll(async () => {
    const controlPort = await freePort();
    env = baseEnv({ NATS_URL: nats.url, MESH_CONTROL_PORT: String(controlPort) });
    launcher = startLauncher({
      ...env,
      MESH_APPS: 'posts',
      REPLICAS: 'posts=2',
      DATABASE_URL: TEST_DATABASE_URL,
      POSTS_DB_SCHEMA: schema,
    });
  });
  afterAll(() => cleanUp(launcher));

  it('runs two posts replicas, its own children, visible in $SRV', async () => {
    const pids = await expectEventually(
      async () => {
        const p = await postsPids();
        expect(p).toHaveLength(2);
        return p;
      },
      { timeoutMs: 25_000, intervalMs: 200 },
    );
    pids.forEach((p) => seen.add(p));
    expect(new Set(pids).size).toBe(2);
    for (const pid of pids) expect(parentOf(pid)).toBe(launcher.pid);
    const status = await controlStatus(Number(env.MESH_CONTROL_PORT));
    expect(status.apps.map((a) => [a.app, a.desired, a.replicas.map((r) => r.pid).sort()])).toEqual([
      ['posts', 2, [...pids].sort()],
    ]);
  }, 40_000);

  it('`mesh kill posts --signal KILL` kills the oldest replica, and a new one is back in $SRV', async () => {
    const before = await postsPids();
    // Oldest by the launcher's clock (spawn order): replica 0.
    const oldest = (await controlStatus(Number(env.MESH_CONTROL_PORT))).apps[0].replicas.find(
      (x) => x.index === 0,
    )!.pid!;
    expect(before).toContain(oldest);
    const r = await cli(['kill', 'posts', '--signal', 'KILL'], env);
    expect(r).toEqual({ code: 0, stdout: `posts: sent SIGKILL to pid ${oldest} (replica 0)\n`, stderr: '' });
    const killedAt = Date.now();
    await expectEventually(() => expect(alive(oldest)).toBe(false), { timeoutMs: 2000 });
    const after = await expectEventually(
      async () => {
        const p = await postsPids();
        expect(p).toHaveLength(2);
        expect(p).not.toContain(oldest);
        return p;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    const fresh = after.find((p) => !before.includes(p))!;
    seen.add(fresh);
    expect(parentOf(fresh)).toBe(launcher.pid);
    process.stdout.write(`[measured] SIGKILL → replacement in $SRV: ${Date.now() - killedAt} ms\n`);
    const status = await controlStatus(Number(env.MESH_CONTROL_PORT));
    expect(status.apps[0].replicas.find((x) => x.pid === fresh)).toMatchObject({ index: 0, restarts: 1 });
  }, 20_000);

  it('answers bad control input with 400 and a message', async () => {
    const post = (path: string, body: unknown) =>
      controlFetch(Number(env.MESH_CONTROL_PORT), 'POST', path, body).then((res) => [res.status, res.json()]);
    expect(await post('/scale', { app: 'likez', replicas: 1 })).toEqual([
      400,
      {
        error:
          'unknown app "likez" (known: identity, posts, comments, likes, media, messaging, graph, feed, notifications, edge)',
      },
    ]);
    expect(await post('/scale', { app: 'posts', replicas: -1 })).toEqual([
      400,
      { error: 'replicas: Too small: expected number to be >=0' },
    ]);
    expect(await post('/kill', { app: 'posts', signal: 'HUP' })).toEqual([
      400,
      { error: expect.stringMatching(/^signal: /) },
    ]);
    expect(await post('/kill', { app: 'posts', signal: 'KILL', pid: process.pid })).toEqual([
      400,
      { error: `pid ${process.pid} is not a live posts replica of this launcher` },
    ]);
    expect(alive(process.pid)).toBe(true);
  });

  it("refuses a request without its token (401), with another (403), or shaped like a browser's (403), changing nothing", async () => {
    const port = Number(env.MESH_CONTROL_PORT);
    const file = join(repoRoot, '.mesh', `control-${port}.token`);
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    const before = await postsPids();
    const scale = JSON.stringify({ app: 'posts', replicas: 5 });
    const json = { 'content-type': 'application/json' };
    const bearer = { authorization: `Bearer ${controlToken(port)}` };
    // node:http sends only these headers (fetch would add Sec-Fetch-Mode: cors to each).
    const ask = async (method: string, path: string, headers: Record<string, string>, body?: string) => {
      const res = await controlRequest(port, method, path, headers, body, 5000);
      return [res.status, res.contentType, JSON.parse(res.text)];
    };
    const problem = (status: number, detail: string) => [
      status,
      'application/problem+json',
      { type: 'about:blank', title: status === 401 ? 'Unauthorized' : 'Forbidden', status, detail },
    ];
    expect(await ask('GET', '/status', {})).toEqual(
      problem(401, 'the control token is missing (Authorization: Bearer …)'),
    );
    expect(await ask('POST', '/scale', json, scale)).toEqual(
      problem(401, 'the control token is missing (Authorization: Bearer …)'),
    );
    expect(await ask('POST', '/scale', { ...json, authorization: 'Bearer not-the-token' }, scale)).toEqual(
      problem(403, "the control token is not this launcher's"),
    );
    // What any web page can send without a CORS preflight: a cross-origin text/plain POST. It
    // scaled posts to 5 before the token; now it is refused whatever it carries.
    const browser = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' };
    const fromBrowser = problem(403, 'the control API does not answer browsers (Origin or Sec-Fetch-* header)');
    expect(await ask('POST', '/scale', { ...browser, 'content-type': 'text/plain' }, scale)).toEqual(fromBrowser);
    expect(await ask('POST', '/scale', { ...bearer, ...json, origin: 'http://127.0.0.1:3000' }, scale)).toEqual(
      fromBrowser,
    );
    expect(await ask('GET', '/status', { ...bearer, 'sec-fetch-mode': 'cors' })).toEqual(fromBrowser);
    // Node's own fetch is browser-shaped too (it adds Sec-Fetch-Mode: cors): the CLI uses node:http.
    const viaFetch = await fetch(`http://127.0.0.1:${port}/status`, { headers: bearer });
    expect([viaFetch.status, await viaFetch.json()]).toEqual([fromBrowser[0], fromBrowser[2]]);
    expect(await ask('POST', '/kill', { ...bearer, 'content-type': 'text/plain' }, '{"app":"posts"}')).toEqual(
      problem(403, 'a control request body must be application/json'),
    );
    const status = await controlStatus(port);
    expect(status.apps[0]).toMatchObject({ app: 'posts', desired: 2 });
    expect(await postsPids()).toEqual(before);
  });

  it('`mesh scale posts=0` drains both replicas; posts.list then fails with no responders in < 100 ms', async () => {
    const before = await postsPids();
    // Steady reads while the replicas go: each one must end ok or "no responders" (after both
    // left the queue group), never time out — a request a replica took is answered before it exits.
    const { nc: loadNc, mesh } = await testClient(nats.url, 3000);
    const outcomes = new Map<string, number>();
    let loading = true;
    const worker = async () => {
      while (loading) {
        const outcome = await mesh.request(Subjects.posts.list, { limit: 5 }).then(
          () => 'ok',
          (e: unknown) => (e instanceof MeshError ? e.code : String(e)),
        );
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        if (outcome !== 'ok') await new Promise((res) => setTimeout(res, 5));
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    await expectEventually(() => expect(outcomes.get('ok')).toBeGreaterThan(50));
    const r = await cli(['scale', 'posts=0'], env);
    loading = false;
    await Promise.all(workers);
    await loadNc.close();
    process.stdout.write(`[measured] reads during the scale-down: ${JSON.stringify(Object.fromEntries(outcomes))}\n`);
    expect([...outcomes.keys()].sort()).toEqual([ErrorCodes.noResponders, 'ok'].sort());
    expect(r.code).toBe(0);
    const m = /^posts: 2 → 0 \(drained pids (\d+), (\d+) in ([\d.]+) s\)\n$/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    expect([Number(m![1]), Number(m![2])].sort()).toEqual([...before].sort());
    process.stdout.write(`[measured] scale-down drain (slowest replica): ${m![3]} s\n`);
    for (const pid of before) expect(alive(pid)).toBe(false);
    expect(await postsPids()).toEqual([]);
    const started = performance.now();
    const err = await nc
      .request(Subjects.posts.list, JSON.stringify({ id: '1', pattern: Subjects.posts.list, data: {} }), {
        timeout: 2000,
      })
      .then(
        () => null,
        (e: unknown) => e as RequestError,
      );
    const ms = performance.now() - started;
    expect(err?.isNoResponders()).toBe(true);
    expect(ms).toBeLessThan(100);
    process.stdout.write(`[measured] posts.list with posts at 0: no responders in ${ms.toFixed(1)} ms\n`);
  }, 30_000);

  it('`mesh scale posts=1` brings one back, and `mesh status --json` shows it up', async () => {
    const r = await cli(['scale', 'posts=1'], env);
    expect(r.stdout).toMatch(/^posts: 0 → 1 \(started pid \d+\)\n$/);
    const pid = await expectEventually(
      async () => {
        const p = await postsPids();
        expect(p).toHaveLength(1);
        return p[0];
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    seen.add(pid);
    const report = await expectEventually(async () => {
      const s = await cli(['status', '--json'], env);
      expect(s.code).toBe(0);
      const parsed = JSON.parse(s.stdout) as {
        launcher: string;
        services: Array<{
          name: string;
          status: string;
          desired: number;
          replicas: Array<{ pid: number; state: string; id: string }>;
        }>;
      };
      expect(parsed.services.find((x) => x.name === 'posts')?.replicas[0]?.state).toBe('running');
      return parsed;
    });
    expect(report.launcher).toBe('running');
    const posts = report.services.find((s) => s.name === 'posts')!;
    expect(posts).toMatchObject({ status: 'up', desired: 1 });
    expect(posts.replicas).toEqual([expect.objectContaining({ pid, state: 'running', id: expect.any(String) })]);
    const table = await cli(['status'], env);
    expect(table.stdout).toContain('posts  UP  (1 live, desired 1)');
    expect(table.stdout).toMatch(
      new RegExp(`\\s${pid}\\s+\\S+\\s+\\d+s\\s+\\d+\\s+\\d+\\s+[\\d.]+\\s+running\\s+0\\n`),
    );
  }, 30_000);

  it('`mesh kill --signal STOP` freezes a replica (out of $SRV, `frozen` in status), CONT wakes it, STOP again', async () => {
    const [pid] = await postsPids();
    expect(await cli(['kill', 'posts', '--signal', 'STOP'], env)).toMatchObject({
      code: 0,
      stdout: `posts: sent SIGSTOP to pid ${pid} (replica 0)\n`,
    });
    expect(await postsPids()).toEqual([]); // a frozen process cannot answer $SRV.STATS
    const frozen = JSON.parse((await cli(['status', '--json'], env)).stdout) as {
      services: Array<{ name: string; status: string; replicas: Array<{ pid: number; state: string }> }>;
    };
    expect(frozen.services.find((x) => x.name === 'posts')).toMatchObject({
      status: 'down',
      replicas: [{ pid, state: 'frozen' }],
    });
    expect(await cli(['kill', 'posts', '--signal', 'CONT'], env)).toMatchObject({
      code: 0,
      stdout: `posts: sent SIGCONT to pid ${pid} (replica 0)\n`,
    });
    await expectEventually(async () => expect(await postsPids()).toEqual([pid]), { timeoutMs: 3000 });
    expect(await cli(['kill', 'posts', '--signal', 'CONT'], env)).toMatchObject({
      code: 1,
      stderr: 'mesh: posts: posts has no live replica that is frozen\n',
    });
    // Left frozen on purpose: the stop below must wake it to drain, or it would take the SIGKILL bound.
    expect((await cli(['kill', 'posts', '--signal', 'STOP'], env)).code).toBe(0);
  }, 20_000);

  it('stops on SIGINT with exit 0, leaving none of its processes behind', async () => {
    childrenOf(launcher.pid).forEach((p) => seen.add(p));
    expect(seen.size).toBeGreaterThanOrEqual(4);
    const started = Date.now();
    launcher.child.kill('SIGINT');
    expect(await launcher.exited).toEqual({ code: 0, signal: null });
    // Idle replicas drain in milliseconds; only a SIGKILL after the drain bound takes ~15 s.
    expect(Date.now() - started).toBeLessThan(5000);
    process.stdout.write(`[measured] SIGINT → launcher exited 0 after ${Date.now() - started} ms\n`);
    for (const pid of seen) expect(alive(pid), `pid ${pid}`).toBe(false);
    // Its token goes with it: the next launcher on this port writes a new one.
    expect(existsSync(join(repoRoot, '.mesh', `control-${env.MESH_CONTROL_PORT}.token`))).toBe(false);
    const r = await cli(['scale', 'posts=1'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^mesh: no launcher answers on 127\.0\.0\.1:\d+ \(nothing listens there\): start the mesh with `npm start`/,
    );
  }, 30_000);
});

describe('mesh up without a NATS server', () => {
  it('starts its own nats-server (JetStream on) where NATS_URL points, and stops it on SIGINT', async () => {
    const port = await freePort();
    const storeDir = mkdtempSync(join(tmpdir(), 'mesh-nats-'));
    const env = baseEnv({ NATS_URL: `nats://127.0.0.1:${port}`, MESH_CONTROL_PORT: String(await freePort()) });
    const launcher = startLauncher({ ...env, MESH_APPS: 'posts', REPLICAS: 'posts=0', MESH_NATS_STORE_DIR: storeDir });
    try {
      const status = await expectEventually(() => controlStatus(Number(env.MESH_CONTROL_PORT)), {
        timeoutMs: 15_000,
        intervalMs: 100,
      });
      expect(status.nats).toEqual({ url: env.NATS_URL, startedHere: true, pid: expect.any(Number) });
      expect(parentOf(status.nats.pid!)).toBe(launcher.pid);
      const own = await connect({ servers: env.NATS_URL, reconnect: false });
      const info = (await own.request('$JS.API.INFO', '', { timeout: 1000 })).json<{ type: string; error?: unknown }>();
      expect(info.error).toBeUndefined();
      await own.close();
      launcher.child.kill('SIGINT');
      expect(await launcher.exited).toEqual({ code: 0, signal: null });
      expect(alive(status.nats.pid!)).toBe(false);
      await expect(connect({ servers: env.NATS_URL, reconnect: false, timeout: 500 })).rejects.toThrow();
    } finally {
      await cleanUp(launcher);
      rmSync(storeDir, { recursive: true, force: true });
    }
  }, 30_000);

  it('says in one line how to get NATS when it cannot start one, and exits 1', async () => {
    const env = baseEnv({
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      NATS_SERVER_BIN: 'no-such-nats-server',
      MESH_CONTROL_PORT: String(await freePort()),
    });
    const launcher = startLauncher(env);
    try {
      expect(await launcher.exited).toEqual({ code: 1, signal: null });
      expect(launcher.output()).toMatch(
        /^mesh: no NATS answers at nats:\/\/127\.0\.0\.1:\d+ and no-such-nats-server is not on the PATH: start one \(.*\) or set NATS_URL\n$/,
      );
    } finally {
      await cleanUp(launcher);
    }
  }, 15_000);
});

describe('mesh up that cannot start', () => {
  it('refuses an app that is not built, in one line, before starting anything', async () => {
    const env = baseEnv({
      NATS_URL: nats.url,
      MESH_CONTROL_PORT: String(await freePort()),
      MESH_APPS: 'posts',
      MESH_APP_OVERRIDE_posts: '/nonexistent/posts-main.js',
    });
    const launcher = startLauncher(env);
    try {
      expect(await launcher.exited).toEqual({ code: 1, signal: null });
      expect(launcher.output()).toMatch(
        /^mesh: .*nonexistent\/posts-main\.js missing: run `npm run build` \(or leave posts out of MESH_APPS\)\n$/m,
      );
    } finally {
      await cleanUp(launcher);
    }
  });

  it('exits 1 in one line when its control port is taken, before it starts a nats-server', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const controlPort = (taken.address() as { port: number }).port;
    const storeDir = mkdtempSync(join(tmpdir(), 'mesh-nats-'));
    const env = baseEnv({
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      MESH_CONTROL_PORT: String(controlPort),
      MESH_NATS_STORE_DIR: storeDir,
      MESH_APPS: 'posts',
      REPLICAS: 'posts=0',
    });
    const launcher = startLauncher(env);
    try {
      expect(await launcher.exited).toEqual({ code: 1, signal: null });
      expect(launcher.output()).toMatch(
        /^mesh: port \d+ is already in use: the launcher's control API listens there \(MESH_CONTROL_PORT\); stop what holds it, or set MESH_CONTROL_PORT to a free port\n$/m,
      );
      await expect(connect({ servers: env.NATS_URL, reconnect: false, timeout: 500 })).rejects.toThrow();
    } finally {
      taken.close();
      await cleanUp(launcher);
      rmSync(storeDir, { recursive: true, force: true });
    }
  });
});

describe('edge replicas', () => {
  it('each get their own PORT and ADMIN_PORT (base + index) and the dev token keys, and count as running once live', async () => {
    const base = await freePortPair();
    const admin = await freePortPair();
    const env = baseEnv({
      NATS_URL: nats.url,
      MESH_CONTROL_PORT: String(await freePort()),
      PORT: String(base),
      ADMIN_PORT: String(admin),
    });
    const launcher = startLauncher({ ...env, MESH_APPS: 'edge', REPLICAS: 'edge=2' });
    try {
      const live = (port: number) => fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.status);
      const status = await expectEventually(
        async () => {
          const s = await controlStatus(Number(env.MESH_CONTROL_PORT));
          expect(s.apps[0].replicas.map((r) => r.state)).toEqual(['running', 'running']);
          return s;
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      expect([await live(base), await live(base + 1)]).toEqual([200, 200]);
      const [first, second] = status.apps[0].replicas.map((r) => r.pid!);
      // Each replica's environment says which port it was given.
      const portOf = (pid: number, name = 'PORT') =>
        readFileSync(`/proc/${pid}/environ`, 'utf8')
          .split('\0')
          .find((v) => v.startsWith(`${name}=`));
      expect([portOf(first), portOf(second)]).toEqual([`PORT=${base}`, `PORT=${base + 1}`]);
      expect([portOf(first, 'ADMIN_PORT'), portOf(second, 'ADMIN_PORT')]).toEqual([
        `ADMIN_PORT=${admin}`,
        `ADMIN_PORT=${admin + 1}`,
      ]);
      // Each edge's /mesh on its own admin port; neither on its API port.
      const meshAt = (port: number) => fetch(`http://127.0.0.1:${port}/mesh`).then((r) => r.status);
      expect([await meshAt(admin), await meshAt(admin + 1), await meshAt(base), await meshAt(base + 1)]).toEqual([
        200, 200, 404, 404,
      ]);
      expect(readFileSync(`/proc/${first}/environ`, 'utf8')).toMatch(
        /JWT_PUBLIC_KEY_FILE=[^\0]*\.mesh\/keys\/token-public\.pem/,
      );
      const table = await cli(['status'], env);
      expect(table.stdout).toContain('edge  UP  (2 live, desired 2)');
      launcher.child.kill('SIGINT');
      expect(await launcher.exited).toEqual({ code: 0, signal: null });
      expect([alive(first), alive(second)]).toEqual([false, false]);
    } finally {
      await cleanUp(launcher);
    }
  }, 40_000);
});

/** A free port whose next one is free too (edge replicas 0 and 1). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const next = await new Promise<boolean>((resolve) => {
      const srv = createServer().once('error', () => resolve(false));
      srv.listen(port + 1, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (next) return port;
  }
}

describe('a replica that keeps crashing', () => {
  it('is restarted with backoff, then marked crashed after 5 crashes, not restarted again until scaled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-crash-'));
    const script = join(dir, 'crash.mjs');
    const starts = join(dir, 'starts.log');
    writeFileSync(
      script,
      `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(starts)}, process.pid + ' ' + Date.now() + '\\n');\nprocess.exit(3);\n`,
    );
    chmodSync(script, 0o644);
    const count = () => readFileSync(starts, 'utf8').trim().split('\n').length;
    const env = baseEnv({ NATS_URL: nats.url, MESH_CONTROL_PORT: String(await freePort()) });
    const launcher = startLauncher({
      ...env,
      MESH_APPS: 'posts',
      REPLICAS: 'posts=1',
      MESH_APP_OVERRIDE_posts: script,
    });
    try {
      const crashedAt = await expectEventually(
        async () => {
          const s = await controlStatus(Number(env.MESH_CONTROL_PORT));
          expect(s.apps[0].replicas[0]).toMatchObject({ state: 'crashed', pid: null, restarts: 4 });
          return Date.now();
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      expect(count()).toBe(5);
      const times = readFileSync(starts, 'utf8')
        .trim()
        .split('\n')
        .map((l) => Number(l.split(' ')[1]));
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      // 250, 500, 1000, 2000 ms of backoff plus the time a node process takes to start and exit.
      gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(250 * 2 ** i));
      process.stdout.write(`[measured] crash-loop gaps between starts: ${gaps.join(', ')} ms\n`);
      // Absence over a bounded window: a 6th start would come within 10 s at most (the cap);
      // the policy has none, so 3 s (past the next doubling, 4 s after the last start) shows it.
      await new Promise((r) => setTimeout(r, Math.max(0, times.at(-1)! + 4500 - crashedAt)));
      expect(count()).toBe(5);
      const table = await cli(['status'], env);
      expect(table.stdout).toContain('posts  DOWN  (0 live, desired 1, 1 crashed)');
      expect(table.stdout).toMatch(/ -\s+-\s+-\s+-\s+-\s+-\s+-\s+crashed\s+4\n/);
      const rescale = await cli(['scale', 'posts=1'], env);
      expect(rescale.stdout).toMatch(/^posts: 1 → 1 \(started pid \d+\)\n$/);
      await expectEventually(() => expect(count()).toBeGreaterThan(5), { timeoutMs: 5000 });
      launcher.child.kill('SIGINT');
      expect(await launcher.exited).toEqual({ code: 0, signal: null });
    } finally {
      await cleanUp(launcher);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);
});

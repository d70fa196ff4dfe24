// The first five minutes with `npm start`, as real processes on free ports: a port already taken
// and a second start refused at once in one line, the console (JSON through a pipe, readable
// lines and one ready line in a terminal), `mesh status` asked of another NATS, and `npm run
// dev` restarting what changed.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppNames } from '../src/app-catalogue.js';
import {
  dropSchemas,
  expectEventually,
  freePort,
  freshSchema,
  startNatsServer,
  TEST_DATABASE_URL,
  type NatsServerHandle,
} from '#testing';
import {
  assertBuilt,
  baseEnv,
  cleanUp,
  cli,
  controlStatus,
  processesWithEnv,
  repoRoot,
  startLauncher,
  startLauncherInTerminal,
  type LauncherProcess,
} from './launcher-process.js';

let nats: NatsServerHandle;
const schemas: string[] = [];

beforeAll(async () => {
  assertBuilt();
  nats = await startNatsServer();
});

afterAll(async () => {
  await nats?.stop();
  await dropSchemas(...schemas);
});

/** Fresh schemas for these apps, as the env the launcher hands its replicas. */
function schemaEnv(apps: readonly string[]): Record<string, string> {
  const env: Record<string, string> = { DATABASE_URL: TEST_DATABASE_URL };
  for (const app of apps.filter((a) => a !== 'edge')) {
    const schema = freshSchema(app);
    schemas.push(schema);
    env[`${app.toUpperCase()}_DB_SCHEMA`] = schema;
  }
  return env;
}

async function listen(host = '127.0.0.1'): Promise<{ server: Server; port: number }> {
  // A listener that accepts and says nothing: not a launcher, not NATS, not an edge.
  const server = createServer((socket) => socket.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  return { server, port: (server.address() as { port: number }).port };
}

/** SIGINT to the launcher (given its own pid), exit 0, and none of its processes left. */
async function stopCleanly(l: LauncherProcess, launcherPid: number, controlPort: number): Promise<void> {
  process.kill(launcherPid, 'SIGINT');
  expect(await l.exited).toEqual({ code: 0, signal: null });
  await expectEventually(() => expect(processesWithEnv(`MESH_CONTROL_PORT=${controlPort}`)).toEqual([]), {
    timeoutMs: 3000,
  });
}

const readyLine = (port: number, services: number, replicas: number) =>
  `failsoft is up: http://localhost:${port} · ${services} service${services === 1 ? '' : 's'}, ${replicas} replicas · Ctrl-C to stop`;

describe('a running mesh (posts and edge), its stdout a pipe', () => {
  let launcher: LauncherProcess;
  let env: NodeJS.ProcessEnv;
  let controlPort: number;
  let port: number;
  let adminPort: number;
  let started: number;

  beforeAll(async () => {
    controlPort = await freePort();
    port = await freePort();
    adminPort = await freePort();
    env = baseEnv({
      NATS_URL: nats.url,
      MESH_CONTROL_PORT: String(controlPort),
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
      LOG_LEVEL: 'info',
      MESH_APPS: 'posts,edge',
      ...schemaEnv(['posts']),
    });
    started = Date.now();
    launcher = startLauncher(env);
  });
  afterAll(() => cleanUp(launcher));

  it('logs JSON only — its replicas too — and the ready line as one of them, with the real counts', async () => {
    const ready = await expectEventually(
      () => {
        const line = launcher
          .output()
          .split('\n')
          .find((l) => l.includes('failsoft is up'));
        expect(line).toBeDefined();
        return line!;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    process.stdout.write(`[measured] posts + edge, piped: ready after ${Date.now() - started} ms\n`);
    expect(JSON.parse(ready)).toMatchObject({
      service: 'launcher',
      msg: readyLine(port, 1, 2),
      url: `http://localhost:${port}`,
      services: 1,
      replicas: 2,
    });
    const lines = launcher
      .output()
      .split('\n')
      .filter((l) => l.trim() !== '');
    const parsed = lines.map((l) => {
      try {
        return JSON.parse(l) as { service: string; msg: string; context?: string };
      } catch {
        throw new Error(`not JSON: ${l}`);
      }
    });
    expect(new Set(parsed.map((p) => p.service))).toEqual(new Set(['launcher', 'posts', 'edge']));
    // Nest's route mappings are kept at debug, under the default level.
    expect(parsed.filter((p) => p.context === 'RouterExplorer')).toEqual([]);
  }, 40_000);

  it('a second `mesh up` is refused at once, in one line naming the running launcher, and starts nothing', async () => {
    const t0 = Date.now();
    const second = startLauncher(env);
    expect(await second.exited).toEqual({ code: 1, signal: null });
    const ms = Date.now() - t0;
    expect(second.output()).toBe(
      `mesh: another launcher (pid ${launcher.pid}) is already running a mesh, its control API on 127.0.0.1:${controlPort}: use it (\`npm run mesh -- status\`), stop it (Ctrl-C in its terminal), or give this one its own MESH_CONTROL_PORT, PORT and NATS_URL\n`,
    );
    expect(ms).toBeLessThan(5000);
    process.stdout.write(`[measured] second mesh up refused after ${ms} ms\n`);
    // Only the first launcher's processes carry its control port: the second started none.
    expect((await controlStatus(controlPort)).apps.flatMap((a) => a.replicas)).toHaveLength(2);
  });

  it('a second `npm start` is refused the same way before it builds anything', async () => {
    const t0 = Date.now();
    const npm = spawn('npm', ['start'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    npm.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => npm.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => npm.once('close', resolve));
    clearTimeout(timer);
    const ms = Date.now() - t0;
    expect(code).toBe(1);
    expect(stderr).toContain(`mesh: another launcher (pid ${launcher.pid}) is already running a mesh`);
    // Had it built first, the launcher would have refused in the same words, but later: a
    // no-op tsc alone takes 4–6 s here, the whole build more; npm and the check take under one.
    expect(ms).toBeLessThan(3000);
    process.stdout.write(`[measured] second npm start refused after ${ms} ms\n`);
  }, 30_000);

  it("`mesh status` says which NATS it asked, and warns when the launcher's replicas are on another", async () => {
    const same = await cli(['status'], env);
    expect(same.code).toBe(0);
    expect(same.stdout.split('\n')[0]).toBe(`NATS ${nats.url} (the launcher's)`);
    expect(same.stdout).toContain('posts  UP  (1 live, desired 1)');
    expect(same.stderr).toBe('');

    const other = await startNatsServer();
    try {
      const r = await cli(['status'], { ...env, NATS_URL: other.url });
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe(`NATS ${other.url} (the launcher, pid ${launcher.pid}, uses ${nats.url})`);
      // What it looks like from there: every service down beside the launcher's running pids.
      expect(r.stdout).toContain('posts  DOWN  (0 live, desired 1)');
      expect(r.stderr).toBe(
        `mesh: warning: this status asked NATS at ${other.url} (NATS_URL), but the launcher (pid ${launcher.pid}) runs its replicas on ${nats.url}, so they show as down here: run it with NATS_URL=${nats.url}\n`,
      );
      const json = await cli(['status', '--json'], { ...env, NATS_URL: other.url });
      expect(JSON.parse(json.stdout)).toMatchObject({ nats: { queried: other.url, launcher: nats.url, same: false } });
      expect(json.stderr).toContain('mesh: warning: this status asked NATS at');
    } finally {
      await other.stop();
    }
  }, 20_000);

  it('stops on SIGINT leaving none of its processes', () => stopCleanly(launcher, launcher.pid, controlPort), 20_000);
});

describe('a port already taken', () => {
  it("is refused before anything starts, in one line naming the port and PORT — the edge's", async () => {
    const { server, port } = await listen();
    const adminPort = await freePort();
    const controlPort = await freePort();
    const env = baseEnv({
      NATS_URL: nats.url,
      MESH_CONTROL_PORT: String(controlPort),
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
      MESH_APPS: 'edge,posts',
    });
    try {
      const t0 = Date.now();
      const launcher = startLauncher(env);
      expect(await launcher.exited).toEqual({ code: 1, signal: null });
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(launcher.output()).toBe(
        `mesh: port ${port} is already in use: the edge listens there (PORT); stop what holds it, or set PORT to a free port\n`,
      );
      expect(processesWithEnv(`MESH_CONTROL_PORT=${controlPort}`)).toEqual([]);
    } finally {
      server.close();
    }
  });

  it("names PORT + 1 for the second edge replica's port", async () => {
    const { server, port } = await listen();
    const adminPort = await freePort();
    const env = baseEnv({
      NATS_URL: nats.url,
      MESH_CONTROL_PORT: String(await freePort()),
      PORT: String(port - 1),
      ADMIN_PORT: String(adminPort),
      MESH_APPS: 'edge',
      REPLICAS: 'edge=2',
    });
    try {
      const launcher = startLauncher(env);
      expect(await launcher.exited).toEqual({ code: 1, signal: null });
      expect(launcher.output()).toMatch(
        new RegExp(`^mesh: port ${port} is already in use: edge replica 1 listens there \\(PORT \\+ 1\\);`),
      );
    } finally {
      server.close();
    }
  });

  it("names NATS_URL when NATS's port is held by something that is not NATS", async () => {
    const { server, port } = await listen();
    const controlPort = await freePort();
    const env = baseEnv({
      NATS_URL: `nats://127.0.0.1:${port}`,
      MESH_CONTROL_PORT: String(controlPort),
      MESH_APPS: 'posts',
    });
    try {
      const launcher = startLauncher(env);
      expect(await launcher.exited).toEqual({ code: 1, signal: null });
      expect(launcher.output()).toBe(
        `mesh: port ${port} is already in use by something that does not answer as NATS: the launcher would start nats-server there (NATS_URL); stop what holds it, or set NATS_URL to a running NATS or a free port\n`,
      );
      expect(processesWithEnv(`MESH_CONTROL_PORT=${controlPort}`)).toEqual([]);
    } finally {
      server.close();
    }
  });
});

describe('`npm start` in a terminal', () => {
  it('prints readable lines, not JSON — the replicas too — then one line saying where to go', async () => {
    const controlPort = await freePort();
    const port = await freePort();
    const adminPort = await freePort();
    const env = baseEnv({
      NATS_URL: nats.url,
      MESH_CONTROL_PORT: String(controlPort),
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
      LOG_LEVEL: 'info',
      ...schemaEnv(AppNames),
    });
    const t0 = Date.now();
    const launcher = startLauncherInTerminal(env);
    try {
      const lines = () =>
        launcher
          .output()
          .split(/\r?\n/)
          // eslint-disable-next-line no-control-regex
          .map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''))
          .filter((l) => l.trim() !== '');
      const expected = readyLine(port, 9, 10);
      const at = await expectEventually(
        () => {
          const i = lines().indexOf(expected);
          expect(i, launcher.output().slice(-2000)).toBeGreaterThan(-1);
          return i;
        },
        { timeoutMs: 45_000, intervalMs: 100 },
      );
      process.stdout.write(
        `[measured] full mesh in a terminal: ${at} lines before the ready line, ready after ${Date.now() - t0} ms\n`,
      );
      const before = lines().slice(0, at);
      expect(before.filter((l) => l.startsWith('{'))).toEqual([]);
      for (const l of before) expect(l).toMatch(/^\[\d\d:\d\d:\d\d\] (INFO|WARN|ERROR): [a-z]+: /);
      const services = new Set(before.map((l) => /^\[[\d:]+\] [A-Z]+: ([a-z]+): /.exec(l)![1]));
      expect(services).toEqual(new Set(['launcher', ...AppNames]));
      const { pid } = await controlStatus(controlPort);
      await stopCleanly(launcher, pid, controlPort);
    } finally {
      await cleanUp(launcher);
      for (const pid of processesWithEnv(`MESH_CONTROL_PORT=${controlPort}`)) process.kill(pid, 'SIGKILL');
    }
  }, 70_000);
});

describe('`npm run dev`', () => {
  it("restarts the replicas of the app whose built code changed, every app's for a library, and no other", async () => {
    const controlPort = await freePort();
    const env = baseEnv({
      NATS_URL: nats.url,
      MESH_CONTROL_PORT: String(controlPort),
      LOG_LEVEL: 'info',
      MESH_APPS: 'posts,comments',
      ...schemaEnv(['posts', 'comments']),
    });
    const launcher = startLauncher(env, 'dev');
    const pids = async () => {
      const s = await controlStatus(controlPort);
      const of = (app: string) => s.apps.find((a) => a.app === app)!.replicas[0];
      expect([of('posts').state, of('comments').state]).toEqual(['running', 'running']);
      return { posts: of('posts').pid!, comments: of('comments').pid! };
    };
    // A touch-rewrite: the same bytes written again, as an editor's save and tsc's emit do.
    const rewrite = (path: string) => writeFileSync(`${repoRoot}dist/${path}`, readFileSync(`${repoRoot}dist/${path}`));
    try {
      await expectEventually(() => expect(launcher.output()).toContain('failsoft is up'), {
        timeoutMs: 40_000,
        intervalMs: 100,
      });
      const first = await pids();
      rewrite('apps/posts/src/posts.config.js');
      const t0 = Date.now();
      const second = await expectEventually(
        async () => {
          const p = await pids();
          expect(p.posts).not.toBe(first.posts);
          return p;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      process.stdout.write(`[measured] dev: built file rewritten → posts serving again in ${Date.now() - t0} ms\n`);
      expect(second.comments).toBe(first.comments);

      rewrite('libs/contracts/src/index.js');
      const third = await expectEventually(
        async () => {
          const p = await pids();
          expect(p.posts).not.toBe(second.posts);
          expect(p.comments).not.toBe(second.comments);
          return p;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      // One restart per app for one change, not one per event the watcher saw.
      const restarts = (await controlStatus(controlPort)).apps.map((a) => [a.app, a.replicas[0].restarts]);
      expect(Object.fromEntries(restarts)).toEqual({ posts: 2, comments: 1 });
      expect(third.posts).toBeGreaterThan(0);
      await stopCleanly(launcher, launcher.pid, controlPort);
    } finally {
      await cleanUp(launcher);
      for (const pid of processesWithEnv(`MESH_CONTROL_PORT=${controlPort}`)) process.kill(pid, 'SIGKILL');
    }
  }, 120_000);
});

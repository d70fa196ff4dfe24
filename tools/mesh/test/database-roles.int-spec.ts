// `mesh up` and the PostgreSQL roles, as a real launcher process on the local trust-auth server:
// a database from before (posts' schema and tables migrated as the administrator) is handed over
// to `failsoft_posts` at start, every replica gets its own role's URL and nobody's else, and the
// mesh serves end to end; a role missing is what the waiting replica reports — one clear console
// line, no crash loop — and once the role exists the replica serves by itself; so is a wrong
// password, on a private server that asks for one.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionServiceRoles } from '#persistence';
import pino from 'pino';
import { DatabaseRoles } from '../src/db-roles.js';
import {
  dropSchemas,
  expectEventually,
  freePort,
  freshSchema,
  http,
  spawnApp,
  sql,
  startNatsServer,
  startPasswordPostgres,
  type PasswordPostgres,
  stopAllApps,
  TEST_DATABASE_URL,
  type NatsServerHandle,
} from '#testing';
import {
  assertBuilt,
  baseEnv,
  childrenOf,
  cleanUp,
  cli,
  startLauncher,
  type LauncherProcess,
} from './launcher-process.js';

const schemas = { identity: freshSchema('identity'), posts: freshSchema('posts') };
const missingRole = `failsoft_missing_${randomBytes(3).toString('hex')}`;
const missingSchema = freshSchema('posts');
let nats: NatsServerHandle;

beforeAll(async () => {
  assertBuilt();
  nats = await startNatsServer();
});

afterAll(async () => {
  await nats?.stop();
  await dropSchemas(schemas.identity, schemas.posts, missingSchema);
  await sql(`DROP OWNED BY "${missingRole}"`).catch(() => undefined);
  await sql(`DROP ROLE IF EXISTS "${missingRole}"`);
});

async function sqlOn(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const environOf = (pid: number) =>
  Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  );

describe('mesh up on a database whose schemas the administrator owns', () => {
  let launcher: LauncherProcess;
  let edge: string;

  beforeAll(async () => {
    // The database as an older launcher left it: posts migrated as postgres.
    const old = spawnApp('posts', {
      NATS_URL: nats.url,
      DATABASE_URL: TEST_DATABASE_URL,
      POSTS_DB_SCHEMA: schemas.posts,
    });
    await old.waitForLog((l) => l.msg === 'migrations applied', 30_000);
    await stopAllApps();
    const port = await freePort();
    const adminPort = await freePort();
    edge = `http://127.0.0.1:${port}`;
    launcher = startLauncher({
      ...baseEnv({ NATS_URL: nats.url, MESH_CONTROL_PORT: String(await freePort()) }),
      LOG_LEVEL: 'info',
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
      HOST: '127.0.0.1',
      MESH_APPS: 'identity,posts,edge',
      DATABASE_URL: TEST_DATABASE_URL,
      IDENTITY_DB_SCHEMA: schemas.identity,
      POSTS_DB_SCHEMA: schemas.posts,
    });
  }, 60_000);
  afterAll(() => cleanUp(launcher));

  it('hands the schemas over, and the mesh serves end to end', async () => {
    await expectEventually(() => expect(launcher.stdout()).toMatch(/failsoft is up: /), {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    const made = launcher
      .stdout()
      .split('\n')
      .filter((l) => l.includes('database roles ready'))
      .map((l) => JSON.parse(l) as { ms: number; roles: string[] });
    expect(made.map((m) => m.roles)).toEqual([
      [`failsoft_identity:${schemas.identity}`, `failsoft_posts:${schemas.posts}`],
    ]);
    process.stdout.write(`[measured] the launcher made 2 roles and handed over their schemas in ${made[0].ms} ms\n`);
    const owners = await sql<{ schema: string; owner: string }>(
      `SELECT nspname AS schema, pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = ANY($1)
       UNION SELECT schemaname, tableowner FROM pg_tables WHERE schemaname = ANY($1) ORDER BY 1, 2`,
      [[schemas.identity, schemas.posts]],
    );
    expect(owners).toEqual([
      { schema: schemas.identity, owner: 'failsoft_identity' },
      { schema: schemas.posts, owner: 'failsoft_posts' },
    ]);
    const signup = await http(edge, 'POST', '/auth/signup', {
      body: { username: 'roles_launch', password: 'a long pass' },
    });
    expect(signup.status).toBe(201);
    const post = await http(edge, 'POST', '/posts', { token: signup.body.token, body: { text: 'as failsoft_posts' } });
    expect(post.status).toBe(201);
    expect((await http(edge, 'GET', `/posts/${post.body.id}`)).status).toBe(200);
  }, 80_000);

  it("gives each replica its own role's URL, never the administrator's", () => {
    const urls = childrenOf(launcher.pid)
      .map(environOf)
      .filter((e) => e.MESH_CONTROL_PORT !== undefined && e.REPLICA_INDEX !== undefined)
      .map((e) => e.DATABASE_URL ?? 'none')
      .sort();
    expect(urls).toEqual([
      'none', // the edge
      'postgres://failsoft_identity@127.0.0.1:5432/test',
      'postgres://failsoft_posts@127.0.0.1:5432/test',
    ]);
  });
});

describe('mesh up with a role missing', () => {
  let launcher: LauncherProcess;
  let env: NodeJS.ProcessEnv;
  const state = `database 127.0.0.1:5432/test not ready: role "${missingRole}" does not exist`;

  beforeAll(async () => {
    env = baseEnv({ NATS_URL: nats.url, MESH_CONTROL_PORT: String(await freePort()) });
    launcher = startLauncher({
      ...env,
      MESH_APPS: 'posts',
      POSTS_DATABASE_URL: `postgres://${missingRole}@127.0.0.1:5432/test`,
      POSTS_DB_SCHEMA: missingSchema,
    });
  });
  afterAll(() => cleanUp(launcher));

  it('the replica waits and says why, in one console line and in `mesh status`; it does not crash', async () => {
    const line = await expectEventually(
      () => {
        const found = launcher
          .stderr()
          .split('\n')
          .find((l) => l.startsWith('mesh: database '));
        expect(found).toBeDefined();
        return found!;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(line).toBe(
      `mesh: ${state}; the services that need it wait and retry by themselves, and the mesh is not up until they reach it (\`npm run mesh -- status\` shows each replica)`,
    );
    const status = await cli(['status', '--json'], env);
    const posts = (
      JSON.parse(status.stdout) as { services: Array<{ name: string; reason: string | null }> }
    ).services.find((s) => s.name === 'posts');
    expect(posts?.reason).toBe(state);
    // Still the first replica: no restart, no stack trace.
    await new Promise((r) => setTimeout(r, 3000));
    expect(launcher.stdout()).not.toMatch(/replica exited unasked|replica keeps crashing/);
    expect(launcher.stderr()).not.toMatch(/\n\s+at /);
  }, 45_000);

  it('serves by itself once the role exists', async () => {
    await provisionServiceRoles(TEST_DATABASE_URL, [{ role: missingRole, schema: missingSchema }]);
    await expectEventually(
      () =>
        expect(launcher.stderr()).toContain(
          'mesh: the replicas that waited for the database at 127.0.0.1:5432/test reached it and serve',
        ),
      { timeoutMs: 20_000, intervalMs: 200 },
    );
  }, 30_000);
});

describe('mesh up with a wrong password, on a server that asks for one', () => {
  let server: PasswordPostgres;
  let launcher: LauncherProcess;
  const WRONG = 'not-the-password';

  beforeAll(async () => {
    server = await startPasswordPostgres();
    await provisionServiceRoles(server.adminUrl, [{ role: 'failsoft_posts', schema: 'posts' }]);
    await sqlOn(server.adminUrl, `ALTER ROLE failsoft_posts PASSWORD 'the-right-one'`);
    launcher = startLauncher({
      ...baseEnv({ NATS_URL: nats.url, MESH_CONTROL_PORT: String(await freePort()) }),
      MESH_APPS: 'posts',
      POSTS_DATABASE_URL: `postgres://failsoft_posts:${WRONG}@127.0.0.1:${server.port}/postgres`,
    });
  }, 60_000);
  afterAll(async () => {
    await cleanUp(launcher);
    server?.stop();
  });

  it('the replica says the password was refused, and never prints it', async () => {
    const state = `database 127.0.0.1:${server.port}/postgres not ready: password authentication failed for user "failsoft_posts"`;
    await expectEventually(
      () => expect(launcher.stderr()).toContain(`mesh: ${state}; the services that need it wait`),
      {
        timeoutMs: 30_000,
        intervalMs: 100,
      },
    );
    await new Promise((r) => setTimeout(r, 2000));
    expect(launcher.stdout()).not.toMatch(/replica exited unasked|replica keeps crashing/);
    expect(launcher.stdout() + launcher.stderr()).not.toContain(WRONG);
  }, 45_000);
});

describe('DatabaseRoles with an administrator that may not create roles', () => {
  it('says so once on the console, naming the server and what to change, over attempts that back off', async () => {
    const lines: string[] = [];
    const attempts: Array<{ retryInMs: number }> = [];
    // A service's own role as the "administrator": LOGIN only.
    await provisionServiceRoles(TEST_DATABASE_URL, [{ role: 'failsoft_posts', schema: schemas.posts }]);
    const roles = new DatabaseRoles(
      'postgres://failsoft_posts@127.0.0.1:5432/test',
      [{ role: `${missingRole}_never`, schema: freshSchema('never') }],
      pino({ level: 'debug' }, { write: (l: string) => void attempts.push(JSON.parse(l) as { retryInMs: number }) }),
      (l) => lines.push(l),
    );
    await roles.start();
    await new Promise((r) => setTimeout(r, 2000)); // two more attempts (0.5 s, 1 s)
    roles.stop();
    expect(attempts.map((a) => a.retryInMs).slice(0, 3)).toEqual([500, 1000, 2000]);
    expect(lines).toEqual([
      "mesh: cannot make the services' database roles on 127.0.0.1:5432/test (permission denied to create role); they wait for them: DATABASE_URL must be a role that may create roles, or set MESH_DB_ROLES=off or <APP>_DATABASE_URL (docs/operations.md)",
    ]);
  });
});

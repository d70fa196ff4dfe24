// A PostgreSQL role per service (docs/security.md), against the mesh as processes with the roles
// the launcher makes (startTestMesh calls the same provisionServiceRoles): every service migrates
// and writes as its own role — its tables are that role's — and from outside, each role is refused
// identity's users (the password hashes), every other service's schema (read, write, create) and
// public.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRole, expectEventually, http, sql, startTestMesh, type TestMesh } from '#testing';
import { image } from '../apps/media/test/test-images.js';

const SERVICES = [
  'identity',
  'posts',
  'comments',
  'likes',
  'media',
  'messaging',
  'graph',
  'feed',
  'notifications',
] as const;
type Service = (typeof SERVICES)[number];

let mesh: TestMesh;
let url: string;
const schemaOf = (s: Service) => mesh.env[`${s.toUpperCase()}_DB_SCHEMA`];
const roleOf = (s: Service) => `failsoft_${s}`;

async function signup(username: string): Promise<string> {
  const res = await http(url, 'POST', '/auth/signup', { body: { username, password: 'role per service' } });
  expect(res.status).toBe(201);
  return res.body.token;
}

beforeAll(async () => {
  mesh = await startTestMesh({
    replicas: {
      identity: 1,
      posts: 1,
      comments: 1,
      likes: 1,
      media: 1,
      messaging: 1,
      graph: 1,
      feed: 1,
      notifications: 1,
    },
  });
  url = mesh.edgeUrl;
}, 120_000);
afterAll(async () => mesh?.stop());

describe('a PostgreSQL role per service', () => {
  it('every service migrated its schema as its own role, and writes through the edge work', async () => {
    const alice = await signup('alice_roles');
    await signup('bob_roles');
    const post = await http(url, 'POST', '/posts', { token: alice, body: { text: 'owned by posts' } });
    expect(post.status).toBe(201);
    const id = post.body.id as string;
    expect((await http(url, 'POST', `/posts/${id}/comments`, { token: alice, body: { text: 'hi' } })).status).toBe(201);
    expect((await http(url, 'PUT', `/posts/${id}/like`, { token: alice })).status).toBe(204);
    const dm = await http(url, 'POST', '/messages', { token: alice, body: { to: 'bob_roles', text: 'hello' } });
    expect(dm.status).toBe(201);
    expect((await http(url, 'PUT', '/users/bob_roles/follow', { token: alice })).status).toBe(204);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await image('png', 64, 48))]), 'photo.png');
    const upload = await fetch(`${url}/media`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${alice}` },
      signal: AbortSignal.timeout(20_000),
    });
    expect(upload.status).toBe(201);
    // The delete reaches comments and likes as an event: their consumers write tombstones as their roles.
    expect((await http(url, 'DELETE', `/posts/${id}`, { token: alice })).status).toBe(204);
    await expectEventually(async () => {
      for (const s of ['comments', 'likes'] as const)
        expect(await sql(`SELECT post_id FROM "${schemaOf(s)}".deleted_post`)).toEqual([{ post_id: id }]);
    });

    for (const s of SERVICES) {
      const owners = await sql<{ owner: string }>(
        `SELECT DISTINCT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = $1
         UNION SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = $1`,
        [schemaOf(s)],
      );
      expect({ service: s, owners }).toEqual({ service: s, owners: [{ owner: roleOf(s) }] });
    }
    const tables = await sql<{ n: number }>('SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = ANY($1)', [
      SERVICES.map(schemaOf),
    ]);
    expect(tables[0].n).toBeGreaterThanOrEqual(SERVICES.length * 2);
  }, 60_000);

  it("no other role reads identity's users (the password hashes); identity's does", async () => {
    const users = `"${schemaOf('identity')}"."user"`;
    expect(await asRole(roleOf('identity'), `SELECT count(*)::int AS n FROM ${users}`)).toEqual({
      rows: [{ n: 2 }],
    });
    for (const s of SERVICES.filter((x) => x !== 'identity'))
      expect({ role: roleOf(s), ...(await asRole(roleOf(s), `SELECT password_hash FROM ${users}`)) }).toEqual({
        role: roleOf(s),
        code: '42501',
        message: `permission denied for schema ${schemaOf('identity')}`,
      });
  });

  it("each role is refused every other service's schema (read, write, create) and public", async () => {
    const refusals: string[] = [];
    for (const me of SERVICES) {
      for (const other of SERVICES.filter((x) => x !== me)) {
        const schema = `"${schemaOf(other)}"`;
        for (const statement of [
          `SELECT * FROM ${schema}.migrations`,
          `INSERT INTO ${schema}.migrations (timestamp, name) VALUES (1, 'planted')`,
          `CREATE TABLE ${schema}.planted (id int)`,
        ]) {
          const r = await asRole(roleOf(me), statement);
          if (r.code !== '42501' || r.message !== `permission denied for schema ${schemaOf(other)}`)
            refusals.push(`${roleOf(me)}: ${statement} → ${JSON.stringify(r)}`);
        }
      }
      const pub = await asRole(roleOf(me), 'CREATE TABLE public.planted (id int)');
      if (pub.code !== '42501') refusals.push(`${roleOf(me)}: CREATE TABLE public.planted → ${JSON.stringify(pub)}`);
      // Its own schema is its own.
      const own = await asRole(roleOf(me), `CREATE TABLE "${schemaOf(me)}".scratch (id int)`);
      if (own.code !== undefined) refusals.push(`${roleOf(me)}: own schema → ${JSON.stringify(own)}`);
    }
    expect(refusals).toEqual([]);
  }, 60_000);
});

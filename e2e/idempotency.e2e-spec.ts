// Idempotency-Key over the edge, against the mesh as processes (docs/drills.md, last row): a repeat
// answers the first status and body and writes nothing, another body under the key is a 422,
// ten at once make one post, and the key outlives the replica that stored it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Objm } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';
import { http, sql, startTestMesh, type HttpResult, type TestMesh } from '#testing';
import { image } from '../apps/media/test/test-images.js';
import { problem } from './problem.js';

let mesh: TestMesh;
let url: string;
let alice: string;
let bob: string;

async function signup(username: string): Promise<string> {
  const res = await http(url, 'POST', '/auth/signup', { body: { username, password: 'idempotent password' } });
  expect(res.status).toBe(201);
  return res.body.token;
}

const keyed = (key: string) => ({ 'idempotency-key': key });
const createPost = (token: string, text: string, key?: string): Promise<HttpResult> =>
  http(url, 'POST', '/posts', { token, body: { text }, headers: key === undefined ? {} : keyed(key) });
const postsWith = async (text: string) =>
  Number(
    (
      await sql<{ n: string }>(`SELECT count(*) AS n FROM "${mesh.env.POSTS_DB_SCHEMA}".post WHERE text = $1`, [text])
    )[0].n,
  );
const likesOf = async (postId: string) =>
  Number(
    (
      await sql<{ n: string }>(`SELECT count(*) AS n FROM "${mesh.env.LIKES_DB_SCHEMA}"."like" WHERE post_id = $1`, [
        postId,
      ])
    )[0].n,
  );

beforeAll(async () => {
  mesh = await startTestMesh({ replicas: { identity: 1, posts: 1, likes: 1, media: 1 } });
  url = mesh.edgeUrl;
  [alice, bob] = [await signup('alice_idem'), await signup('bob_idem')];
});
afterAll(async () => mesh?.stop());

describe('POST /posts with an Idempotency-Key', () => {
  it('answers a repeat with the same 201 and body, and writes one post', async () => {
    const first = await createPost(alice, 'said once', 'create-1');
    expect(first.status).toBe(201);
    const again = await createPost(alice, 'said once', 'create-1');
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await postsWith('said once')).toBe(1);
  });

  it('answers the same key with another body 422, and writes nothing', async () => {
    const first = await createPost(alice, 'the first body', 'create-2');
    expect(first.status).toBe(201);
    const other = await createPost(alice, 'another body', 'create-2');
    expect(other).toMatchObject({
      status: 422,
      body: problem(422, {
        type: 'urn:failsoft:problem:idempotency-mismatch',
        detail: 'This Idempotency-Key was already used for a different request; use a new key for a new request.',
      }),
    });
    expect(await postsWith('another body')).toBe(0);
    expect((await createPost(alice, 'the first body', 'create-2')).body).toEqual(first.body);
  });

  it('makes one post of ten requests at once with one key: each gets the first answer, or 409 while it ran', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => createPost(alice, 'ten at once', 'create-10x')));
    expect(await postsWith('ten at once')).toBe(1);
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const a of created) expect(a.body).toEqual(created[0].body);
    for (const a of answers.filter((x) => x.status !== 201)) {
      expect(a).toMatchObject({ status: 409, body: problem(409) });
    }
    // Ten in a row after that: all the first answer.
    for (let i = 0; i < 10; i++)
      expect((await createPost(alice, 'ten at once', 'create-10x')).body).toEqual(created[0].body);
    expect(await postsWith('ten at once')).toBe(1);
  });

  it('keeps keys per user, and gives each request without a key its own', async () => {
    const mine = await createPost(alice, 'same key, two users', 'shared-key');
    const theirs = await createPost(bob, 'same key, two users', 'shared-key');
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect((await createPost(alice, 'no key at all')).status).toBe(201);
    expect((await createPost(alice, 'no key at all')).status).toBe(201);
    expect(await postsWith('no key at all')).toBe(2);
  });

  it('refuses a malformed key with a 400 on the header, and writes nothing', async () => {
    for (const key of ['k'.repeat(256), 'has space', 'tab\there', 'naïve']) {
      const res = await createPost(alice, 'bad key', key).catch((err: unknown) => ({ status: -1, body: String(err) }));
      if (res.status === -1) continue; // fetch itself refuses some header values (non-ASCII)
      expect(res).toMatchObject({
        status: 400,
        body: problem(400, {
          errors: [{ field: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters (no spaces)' }],
        }),
      });
    }
    expect(await postsWith('bad key')).toBe(0);
    const longest = await createPost(alice, 'longest key', '~'.repeat(255));
    expect(longest.status).toBe(201);
  });

  it('survives restarting the posts replica that stored the key', async () => {
    const first = await createPost(alice, 'before the restart', 'restart-key');
    expect(first.status).toBe(201);
    const [old] = mesh.replicas.get('posts') ?? [];
    old.kill('SIGKILL');
    await old.exited;
    mesh.replicas.set('posts', []);
    const fresh = await mesh.addReplica('posts');
    expect(fresh.pid).not.toBe(old.pid);
    const again = await createPost(alice, 'before the restart', 'restart-key');
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await postsWith('before the restart')).toBe(1);
  });
});

describe('OpenAPI', () => {
  it('documents the header, with 409 and 422, on every authenticated write and on nothing else', async () => {
    const doc = (await http(url, 'GET', '/openapi.json')).body;
    const keyed: string[] = [];
    for (const [path, ops] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        const header = (op.parameters ?? []).find((p: any) => p.in === 'header' && p.name === 'Idempotency-Key');
        if (!header) continue;
        keyed.push(`${method.toUpperCase()} ${path}`);
        expect(header).toMatchObject({ required: false, schema: { type: 'string', minLength: 1, maxLength: 255 } });
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['409', '422']));
      }
    }
    expect(keyed.sort()).toEqual(
      [
        'POST /posts',
        'DELETE /posts/{id}',
        'POST /posts/{id}/comments',
        'DELETE /comments/{id}',
        'PUT /posts/{id}/like',
        'DELETE /posts/{id}/like',
        'POST /messages',
        'POST /media',
        'PUT /users/{username}/follow',
        'DELETE /users/{username}/follow',
      ].sort(),
    );
  });
});

describe('DELETE and PUT replays', () => {
  it('answers a repeated DELETE /posts/:id 204 again, not 404', async () => {
    const post = (await createPost(alice, 'to be deleted')).body;
    const del = () => http(url, 'DELETE', `/posts/${post.id}`, { token: alice, headers: keyed('delete-1') });
    expect((await del()).status).toBe(204);
    expect((await del()).status).toBe(204);
    // Without the key it is a new request, and the post is gone.
    expect((await http(url, 'DELETE', `/posts/${post.id}`, { token: alice })).status).toBe(404);
  });

  it('replays a like with 204 and writes nothing: an unlike in between stays', async () => {
    const post = (await createPost(alice, 'like me once')).body;
    const like = () => http(url, 'PUT', `/posts/${post.id}/like`, { token: bob, headers: keyed('like-1') });
    expect((await like()).status).toBe(204);
    expect(await likesOf(post.id)).toBe(1);
    expect((await http(url, 'DELETE', `/posts/${post.id}/like`, { token: bob })).status).toBe(204);
    expect((await like()).status).toBe(204);
    expect(await likesOf(post.id)).toBe(0);
  });

  it('stores no key for a like or unlike sent without one (idempotent by nature), but does for one with a key', async () => {
    const post = (await createPost(alice, 'like me without a key')).body;
    const keysOfBob = async () =>
      Number(
        (
          await sql<{ n: string }>(
            `SELECT count(*) AS n FROM "${mesh.env.LIKES_DB_SCHEMA}".idempotency_key WHERE scope = (
              SELECT id::text FROM "${mesh.env.IDENTITY_DB_SCHEMA}"."user" WHERE username = 'bob_idem')`,
          )
        )[0].n,
      );
    const before = await keysOfBob();
    for (const method of ['PUT', 'PUT', 'DELETE', 'PUT'] as const) {
      expect((await http(url, method, `/posts/${post.id}/like`, { token: bob })).status).toBe(204);
    }
    expect(await likesOf(post.id)).toBe(1);
    expect(await keysOfBob()).toBe(before);
    expect(
      (await http(url, 'DELETE', `/posts/${post.id}/like`, { token: bob, headers: keyed('unlike-1') })).status,
    ).toBe(204);
    expect(await likesOf(post.id)).toBe(0);
    expect(await keysOfBob()).toBe(before + 1);
  });

  it('refuses a malformed key on a like too, before writing', async () => {
    const post = (await createPost(alice, 'bad key like')).body;
    const res = await http(url, 'PUT', `/posts/${post.id}/like`, { token: bob, headers: keyed('x'.repeat(256)) });
    expect(res).toMatchObject({
      status: 400,
      body: problem(400, { errors: [expect.objectContaining({ field: 'Idempotency-Key' })] }),
    });
    expect(await likesOf(post.id)).toBe(0);
  });
});

describe('POST /media with an Idempotency-Key', () => {
  async function upload(bytes: Uint8Array, key: string): Promise<{ status: number; body: any }> {
    const form = new FormData();
    form.append('file', new Blob([bytes]), 'photo.png');
    const res = await fetch(`${url}/media`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${alice}`, 'idempotency-key': key },
      signal: AbortSignal.timeout(20_000),
    });
    return { status: res.status, body: JSON.parse(await res.text()) };
  }
  async function liveObjects(prefix: string): Promise<string[]> {
    const nc = await connect({ servers: mesh.nats.url });
    try {
      const os = await new Objm(nc).open('media');
      return (await os.list()).filter((o) => !o.deleted && o.name.startsWith(prefix)).map((o) => o.name);
    } finally {
      await nc.close();
    }
  }

  it('answers a re-upload of the same bytes with the first media, and keeps no second copy', async () => {
    const bytes = await image('png', 160, 120);
    const first = await upload(bytes, 'upload-1');
    expect(first.status).toBe(201);
    const originals = await liveObjects('originals/');
    const again = await upload(bytes, 'upload-1');
    expect(again).toEqual(first);
    expect(await liveObjects('originals/')).toEqual(originals);
    // The replay's upload (streamed in again before anyone knew) is removed like every other.
    expect(await liveObjects('uploads/')).toEqual([]);
    const rows = await sql(`SELECT id FROM "${mesh.env.MEDIA_DB_SCHEMA}".media WHERE id = $1`, [first.body.id]);
    expect(rows).toHaveLength(1);

    const other = await upload(await image('jpeg', 160, 120), 'upload-1');
    expect(other).toMatchObject({ status: 422, body: problem(422) });
    expect(await liveObjects('originals/')).toEqual(originals);
    expect(await liveObjects('uploads/')).toEqual([]);
  });
});

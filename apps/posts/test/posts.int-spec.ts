// The real posts service, in this process, against a private nats-server and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCodes, Subjects, type CreatePostRequest, type PostRecord } from '#contracts';
import type { MeshClient } from '#mesh';
import type { RunningService } from '#service';
import {
  dropSchemas,
  freshSchema,
  sql,
  startNatsServer,
  testClient,
  TEST_DATABASE_URL,
  type NatsServerHandle,
  meshFailure,
  serviceInfo,
} from '#testing';
import { loadPostsConfig } from '../src/posts.config.js';
import { startPosts } from '../src/posts.app.js';

const alice = { id: '11111111-1111-4111-8111-111111111111', username: 'alice', displayName: 'Alice' };
const bob = { id: '22222222-2222-4222-8222-222222222222', username: 'bob', displayName: 'Bob' };

let nats: NatsServerHandle;
let posts: RunningService;
let client: { nc: NatsConnection; mesh: MeshClient };
const schema = freshSchema('posts');

beforeAll(async () => {
  nats = await startNatsServer();
  posts = await startPosts(
    loadPostsConfig({
      NATS_URL: nats.url,
      DATABASE_URL: TEST_DATABASE_URL,
      POSTS_DB_SCHEMA: schema,
      LOG_LEVEL: 'warn',
    }),
    { handleSignals: false },
  );
  client = await testClient(nats.url);
});

afterAll(async () => {
  await client?.nc.close();
  await posts?.stop();
  await nats?.stop();
  await dropSchemas(schema);
});

describe('posts over NATS', () => {
  it('creates a post and gets it back whole', async () => {
    const created = await client.mesh.request(Subjects.posts.create, { author: alice, text: 'hello mesh' });
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      author: alice,
      text: 'hello mesh',
      mediaIds: [],
      mentions: [],
      createdAt: expect.any(String),
    });
    expect(await client.mesh.request(Subjects.posts.get, { id: created.id })).toEqual(created);
  });

  it('answers not_found for an unknown id and invalid for a malformed one', async () => {
    const missing = await meshFailure(
      client.mesh.request(Subjects.posts.get, { id: '33333333-3333-4333-8333-333333333333' }),
    );
    expect(missing.code).toBe(ErrorCodes.notFound);
    const bad = await meshFailure(client.mesh.request(Subjects.posts.get, { id: 'nope' }));
    expect(bad.code).toBe(ErrorCodes.invalid);
    expect(bad.errors).toEqual([{ field: 'id', message: 'must be a UUID' }]);
  });

  it('rejects unknown fields and stores nothing', async () => {
    const before = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".post`);
    const err = await meshFailure(
      client.mesh.request(Subjects.posts.create, { author: alice, text: 'x', authorId: bob.id } as never),
    );
    expect(err.code).toBe(ErrorCodes.invalid);
    expect(err.errors).toEqual([{ field: 'authorId', message: 'unknown field' }]);
    const after = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".post`);
    expect(after[0].n).toBe(before[0].n);
  });

  it('takes a post of media alone (empty text), but not one with neither text nor media', async () => {
    const mediaIds = ['44444444-4444-4444-8444-444444444444'];
    const imageOnly = await client.mesh.request(Subjects.posts.create, { author: alice, text: '', mediaIds });
    expect(imageOnly).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      author: alice,
      text: '',
      mediaIds,
      mentions: [],
      createdAt: expect.stringMatching(/Z$/),
    });
    const before = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".post`);
    const cases: Array<[CreatePostRequest, string]> = [
      [{ author: alice, text: '' }, 'text must not be empty when no media is attached'],
      [{ author: alice, text: ' ', mediaIds: [] }, 'text must not be blank when no media is attached'],
    ];
    for (const [request, message] of cases) {
      const err = await meshFailure(client.mesh.request(Subjects.posts.create, request));
      expect([err.code, err.errors]).toEqual([ErrorCodes.invalid, [{ field: 'text', message }]]);
    }
    const after = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".post`);
    expect(after[0].n).toBe(before[0].n);
  });

  it('pages newest first with no gaps or repeats, also when posts share a millisecond', async () => {
    const mine: PostRecord[] = [];
    for (let i = 0; i < 7; i++) {
      mine.push(await client.mesh.request(Subjects.posts.create, { author: bob, text: `bob ${i}` }));
    }
    // Force ties on created_at: keyset order must fall back to the id.
    await sql(`UPDATE "${schema}".post SET created_at = '2026-01-01T00:00:00.000Z' WHERE author_username = 'bob'`);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.mesh.request(Subjects.posts.list, { author: 'bob', limit: 3, cursor });
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(
      mine
        .map((p) => p.id)
        .sort()
        .reverse(),
    );
  });

  it('global timeline lists every author, newest first', async () => {
    const page = await client.mesh.request(Subjects.posts.list, { limit: 100 });
    const times = page.items.map((p) => p.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(new Set(page.items.map((p) => p.author.username))).toEqual(new Set(['alice', 'bob']));
  });

  it('scans every post oldest first as references (posts.scan), ties on the time ordered by id', async () => {
    const all = await sql<{ id: string; author_id: string; created_at: Date; mentions: Array<{ id: string }> }>(
      `SELECT id, author_id, created_at, mentions FROM "${schema}".post ORDER BY created_at, id`,
    );
    expect(all.length).toBeGreaterThan(5);
    const seen: Array<{ id: string; authorId: string; createdAt: string; mentionIds?: string[] }> = [];
    let cursor: string | undefined;
    do {
      const page = await client.mesh.request(Subjects.posts.scan, { limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(
      all.map((r) => ({
        id: r.id,
        authorId: r.author_id,
        createdAt: new Date(r.created_at).toISOString(),
        mentionIds: r.mentions.map((m) => m.id),
      })),
    );
    const err = await meshFailure(client.mesh.request(Subjects.posts.scan, { limit: 1001 }));
    expect(err.code).toBe(ErrorCodes.invalid);
  });

  it('rejects a cursor it did not give out', async () => {
    const err = await meshFailure(client.mesh.request(Subjects.posts.list, { limit: 5, cursor: 'bm90LWEtY3Vyc29y' }));
    expect(err.code).toBe(ErrorCodes.invalid);
    expect(err.errors?.[0]?.field).toBe('cursor');
  });

  it('lets only the author delete', async () => {
    const post = await client.mesh.request(Subjects.posts.create, { author: alice, text: 'mine' });
    const forbidden = await meshFailure(
      client.mesh.request(Subjects.posts.delete, { id: post.id, requesterId: bob.id }),
    );
    expect(forbidden.code).toBe(ErrorCodes.forbidden);
    expect(await client.mesh.request(Subjects.posts.delete, { id: post.id, requesterId: alice.id })).toEqual({
      deleted: true,
    });
    const gone = await meshFailure(client.mesh.request(Subjects.posts.delete, { id: post.id, requesterId: alice.id }));
    expect(gone.code).toBe(ErrorCodes.notFound);
  });

  it('applies a keyed create once: the replay answers the same post and writes nothing', async () => {
    const count = async () => (await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".post`))[0].n;
    const before = await count();
    const idempotencyKey = 'posts-create-key-1';
    const request = { author: alice, text: 'exactly once' };
    const first = await client.mesh.request(Subjects.posts.create, request, { idempotencyKey });
    const replay = await client.mesh.request(Subjects.posts.create, request, { idempotencyKey });
    expect(replay).toEqual(first);
    expect(Number(await count())).toBe(Number(before) + 1);
    const other = await meshFailure(
      client.mesh.request(Subjects.posts.create, { author: alice, text: 'something else' }, { idempotencyKey }),
    );
    expect(other.code).toBe(ErrorCodes.idempotencyMismatch);
    // The same key of another user is another request.
    const bobs = await client.mesh.request(
      Subjects.posts.create,
      { author: bob, text: 'exactly once' },
      { idempotencyKey },
    );
    expect(bobs.id).not.toBe(first.id);
    expect(Number(await count())).toBe(Number(before) + 2);
  });

  it('replays a keyed delete as deleted (not not_found), and stores no key for a refused one', async () => {
    const post = await client.mesh.request(Subjects.posts.create, { author: alice, text: 'to delete' });
    const idempotencyKey = 'posts-delete-key-1';
    const forbidden = await meshFailure(
      client.mesh.request(Subjects.posts.delete, { id: post.id, requesterId: bob.id }, { idempotencyKey }),
    );
    expect(forbidden.code).toBe(ErrorCodes.forbidden);
    expect(await sql(`SELECT 1 FROM "${schema}".idempotency_key WHERE key = $1`, [idempotencyKey])).toEqual([]);
    const request = { id: post.id, requesterId: alice.id };
    expect(await client.mesh.request(Subjects.posts.delete, request, { idempotencyKey })).toEqual({ deleted: true });
    expect(await client.mesh.request(Subjects.posts.delete, request, { idempotencyKey })).toEqual({ deleted: true });
    expect(await sql(`SELECT 1 FROM "${schema}".post WHERE id = $1`, [post.id])).toEqual([]);
  });

  it('registers with the service API, with pid and host in its metadata', async () => {
    const info = await serviceInfo(client.nc, 'posts');
    expect(info.name).toBe('posts');
    expect(info.metadata.pid).toBe(String(process.pid));
    expect(info.metadata.host).toEqual(expect.any(String));
    expect(info.endpoints).toEqual(
      Object.values(Subjects.posts)
        .map((s) => [s, 'posts'])
        .sort(),
    );
  });
});

// The real comments service over NATS, asking the real posts service whether posts exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, Subjects, type CommentRecord } from '#contracts';
import { sql, meshFailure, serviceInfo } from '#testing';
import { startCommentsTestMesh, type CommentsTestMesh } from './comments-test-mesh.js';

const alice = { id: '11111111-1111-4111-8111-111111111111', username: 'alice', displayName: 'Alice' };
const bob = { id: '22222222-2222-4222-8222-222222222222', username: 'bob', displayName: 'Bob' };
const unknownPost = '33333333-3333-4333-8333-333333333333';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const POSTS_TIMEOUT_MS = 300;

let t: CommentsTestMesh;
let client: CommentsTestMesh['client'];
let schema: string;

beforeAll(async () => {
  t = await startCommentsTestMesh({ postsTimeoutMs: POSTS_TIMEOUT_MS });
  ({ client, schema } = t);
});
afterAll(async () => t?.stop());

const newPost = async (text = 'a post') =>
  (await client.mesh.request(Subjects.posts.create, { author: alice, text })).id;
const comment = (postId: string, text: string, author = bob) =>
  client.mesh.request(Subjects.comments.create, { postId, author, text });
const rowCount = async (postId?: string) =>
  Number(
    (
      await sql<{ n: string }>(
        `SELECT count(*) AS n FROM "${schema}".comment ${postId ? 'WHERE post_id = $1' : ''}`,
        postId ? [postId] : [],
      )
    )[0].n,
  );

/** Follows nextCursor to the end; returns every comment id in order and the number of pages. */
async function readAll(postId: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await client.mesh.request(Subjects.comments.list, { postId, limit, cursor });
    ids.push(...page.items.map((c) => c.id));
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor);
  return { ids, pages };
}

describe('comments over NATS', () => {
  it('creates a comment on an existing post and returns the whole record', async () => {
    const postId = await newPost();
    const before = Date.now();
    const created = await comment(postId, 'nice post');
    expect(created).toEqual({
      id: expect.stringMatching(uuid),
      postId,
      author: bob,
      text: 'nice post',
      createdAt: expect.stringMatching(iso),
    });
    expect(Date.parse(created.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(await client.mesh.request(Subjects.comments.list, { postId, limit: 10 })).toEqual({
      items: [created],
      nextCursor: null,
    });
  });

  it('answers not_found for a post that does not exist, and stores nothing', async () => {
    expect(await meshFailure(comment(unknownPost, 'hello?'))).toEqual({
      code: ErrorCodes.notFound,
      message: 'no such post',
      service: 'comments',
    });
    expect(await rowCount(unknownPost)).toBe(0);
  });

  it('lists oldest first across pages with no gaps or repeats, the id breaking ties', async () => {
    const postId = await newPost();
    const mine: CommentRecord[] = [];
    for (let i = 0; i < 5; i++) mine.push(await comment(postId, `c${i}`));
    const byId = mine.map((c) => c.id).sort();

    const first = await client.mesh.request(Subjects.comments.list, { postId, limit: 2 });
    expect(first).toEqual({ items: mine.slice(0, 2), nextCursor: expect.any(String) });
    expect(await readAll(postId, 2)).toEqual({ ids: mine.map((c) => c.id), pages: 3 });

    // Time decides before the id: make the greatest id the oldest.
    await sql(
      `UPDATE "${schema}".comment c SET created_at = '2026-01-01T00:00:00.000Z'::timestamptz + r.k * interval '1 ms'
       FROM (SELECT id, row_number() OVER (ORDER BY id DESC) AS k FROM "${schema}".comment WHERE post_id = $1) r
       WHERE c.id = r.id`,
      [postId],
    );
    expect(await readAll(postId, 2)).toEqual({ ids: [...byId].reverse(), pages: 3 });

    // Equal times: keyset order must fall back to the id.
    await sql(`UPDATE "${schema}".comment SET created_at = '2026-01-01T00:00:00.000Z' WHERE post_id = $1`, [postId]);
    expect(await readAll(postId, 2)).toEqual({ ids: byId, pages: 3 });
    expect(await readAll(postId, 5)).toEqual({ ids: byId, pages: 1 });
  });

  it('lists nothing for an unknown post and rejects a cursor it did not give out', async () => {
    expect(await client.mesh.request(Subjects.comments.list, { postId: unknownPost, limit: 20 })).toEqual({
      items: [],
      nextCursor: null,
    });
    const err = await meshFailure(
      client.mesh.request(Subjects.comments.list, { postId: unknownPost, limit: 5, cursor: 'bm90LWEtY3Vyc29y' }),
    );
    expect(err).toEqual({
      code: ErrorCodes.invalid,
      message: 'The request is not valid.',
      errors: [{ field: 'cursor', message: 'cursor is not one this API gave out' }],
      service: 'comments',
    });
  });

  it('lets only the author delete, once', async () => {
    const c = await comment(await newPost(), 'mine');
    const del = (requesterId: string) => client.mesh.request(Subjects.comments.delete, { id: c.id, requesterId });
    expect(await meshFailure(del(alice.id))).toEqual({
      code: ErrorCodes.forbidden,
      message: 'only the author may delete a comment',
      service: 'comments',
    });
    expect(await rowCount(c.postId)).toBe(1);
    expect(await del(bob.id)).toEqual({ deleted: true });
    expect(await rowCount(c.postId)).toBe(0);
    expect(await meshFailure(del(bob.id))).toEqual({
      code: ErrorCodes.notFound,
      message: 'no such comment',
      service: 'comments',
    });
  });

  it('applies a keyed create and delete once: replays answer the first reply and write nothing', async () => {
    const postId = await newPost();
    const idempotencyKey = 'comments-key-1';
    const request = { postId, author: bob, text: 'said once' };
    const first = await client.mesh.request(Subjects.comments.create, request, { idempotencyKey });
    expect(await client.mesh.request(Subjects.comments.create, request, { idempotencyKey })).toEqual(first);
    expect(await rowCount(postId)).toBe(1);
    const other = await meshFailure(
      client.mesh.request(Subjects.comments.create, { ...request, text: 'said twice' }, { idempotencyKey }),
    );
    expect(other.code).toBe(ErrorCodes.idempotencyMismatch);

    const del = { id: first.id, requesterId: bob.id };
    const delKey = 'comments-delete-key-1';
    expect(await client.mesh.request(Subjects.comments.delete, del, { idempotencyKey: delKey })).toEqual({
      deleted: true,
    });
    expect(await client.mesh.request(Subjects.comments.delete, del, { idempotencyKey: delKey })).toEqual({
      deleted: true,
    });
    expect(await rowCount(postId)).toBe(0);
  });

  it('counts a whole page of posts in one request, 0 for posts without comments and unknown ids', async () => {
    const [busy, quiet] = [await newPost(), await newPost()];
    for (let i = 0; i < 3; i++) await comment(busy, `c${i}`, i % 2 ? alice : bob);
    const reply = await client.mesh.request(Subjects.comments.count, { postIds: [busy, quiet, unknownPost] });
    expect(reply).toEqual({ counts: { [busy]: 3, [quiet]: 0, [unknownPost]: 0 } });
    expect(await client.mesh.request(Subjects.comments.count, { postIds: [] })).toEqual({ counts: {} });
  });

  it('answers each of many concurrent counts with its own posts (they share one query)', async () => {
    const [one, two] = [await newPost(), await newPost()];
    await comment(one, 'only one', alice);
    for (let i = 0; i < 2; i++) await comment(two, `two ${i}`, bob);
    const asks = [[one], [two, one], [unknownPost, two, two], [one.toUpperCase()]];
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) => client.mesh.request(Subjects.comments.count, { postIds: asks[i % 4] })),
    );
    const n = (id: string) => (id.toLowerCase() === one ? 1 : id === two ? 2 : 0);
    replies.forEach((reply, i) =>
      expect(reply).toEqual({ counts: Object.fromEntries(asks[i % 4].map((id) => [id, n(id)])) }),
    );
  });

  it('rejects invalid input with field errors and stores nothing', async () => {
    const postId = await newPost();
    const before = await rowCount();
    const invalid = (errors: Array<{ field: string; message: string }>) => ({
      code: ErrorCodes.invalid,
      message: 'The request is not valid.',
      errors,
      service: 'comments',
    });
    expect(
      await meshFailure(
        client.mesh.request(Subjects.comments.create, { postId, author: bob, text: 'x', authorId: alice.id } as never),
      ),
    ).toEqual(invalid([{ field: 'authorId', message: 'unknown field' }]));
    // The contract's blank check runs after its length check too, so '' is named twice.
    expect(await meshFailure(comment(postId, ''))).toEqual(
      invalid([
        { field: 'text', message: 'text must not be empty' },
        { field: 'text', message: 'text must not be blank' },
      ]),
    );
    expect(await meshFailure(comment(postId, '   '))).toEqual(
      invalid([{ field: 'text', message: 'text must not be blank' }]),
    );
    expect(await meshFailure(comment(postId, 'x'.repeat(2001)))).toEqual(
      invalid([{ field: 'text', message: 'text must be at most 2000 characters' }]),
    );
    expect(await meshFailure(comment('not-a-uuid', 'hi'))).toEqual(
      invalid([{ field: 'postId', message: 'must be a UUID' }]),
    );
    expect(
      await meshFailure(client.mesh.request(Subjects.comments.delete, { id: 'nope', requesterId: bob.id })),
    ).toEqual(invalid([{ field: 'id', message: 'must be a UUID' }]));
    const tooMany = Array.from({ length: 101 }, () => unknownPost);
    expect((await meshFailure(client.mesh.request(Subjects.comments.count, { postIds: tooMany }))).errors).toEqual([
      { field: 'postIds', message: expect.any(String) },
    ]);
    expect(await rowCount()).toBe(before);
    // The longest text allowed is stored whole.
    expect((await comment(postId, 'x'.repeat(2000))).text).toHaveLength(2000);
  });

  it('registers its four endpoints with the service API, in queue group comments', async () => {
    const info = await serviceInfo(client.nc, 'comments');
    expect(info.name).toBe('comments');
    expect(info.metadata.pid).toBe(String(process.pid));
    expect(info.endpoints).toEqual(
      Object.values(Subjects.comments)
        .map((s) => [s, 'comments'])
        .sort(),
    );
  });

  it('a frozen posts costs one deadline, then unavailable naming posts; it works again once posts thaws', async () => {
    const postId = await newPost();
    t.posts.kill('SIGSTOP');
    try {
      const started = performance.now();
      const err = await meshFailure(comment(postId, 'anyone?'));
      const ms = performance.now() - started;
      expect(err).toEqual({
        code: ErrorCodes.unavailable,
        message: 'posts is unavailable, so the post cannot be checked',
        service: 'posts',
      });
      expect(ms).toBeGreaterThanOrEqual(POSTS_TIMEOUT_MS - 5);
      expect(ms).toBeLessThan(POSTS_TIMEOUT_MS + 500);
    } finally {
      t.posts.kill('SIGCONT');
    }
    expect(await rowCount(postId)).toBe(0);
    expect((await comment(postId, 'back')).text).toBe('back');
  });

  it('with posts down: create fails fast as unavailable naming posts, while list and count still work', async () => {
    const postId = await newPost();
    const existing = await comment(postId, 'before the outage');
    const keyed = { postId, author: alice, text: 'keyed before the outage' };
    const idempotencyKey = 'comments-outage-key';
    const stored = await client.mesh.request(Subjects.comments.create, keyed, { idempotencyKey });
    t.posts.kill('SIGTERM');
    expect(await t.posts.exited).toBe(0);

    const started = performance.now();
    const err = await meshFailure(comment(postId, 'during the outage'));
    const ms = performance.now() - started;
    expect(err).toEqual({
      code: ErrorCodes.unavailable,
      message: 'posts is unavailable, so the post cannot be checked',
      service: 'posts',
    });
    expect(ms).toBeLessThan(100);
    expect(await rowCount(postId)).toBe(2);
    // A replay needs no posts: it answers from the stored key.
    expect(await client.mesh.request(Subjects.comments.create, keyed, { idempotencyKey })).toEqual(stored);

    expect(await client.mesh.request(Subjects.comments.list, { postId, limit: 10 })).toEqual({
      items: [existing, stored],
      nextCursor: null,
    });
    expect(await client.mesh.request(Subjects.comments.count, { postIds: [postId, unknownPost] })).toEqual({
      counts: { [postId]: 2, [unknownPost]: 0 },
    });
  });
});

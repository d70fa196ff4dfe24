// No page can outgrow NATS's max_payload, whatever users typed, over a real mesh: a page stops
// at its byte budget with a nextCursor, and following the cursors reads every item once, in
// order. Before, 100 posts of 5000 three-byte characters (1.5 MB) made `GET /posts?limit=100`
// a 503 for as long as they existed (the reply was dropped, the edge waited out its deadline),
// and so did 40 posts or 90 comments of control characters stored before the text rule.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, sql, startTestMesh, type TestMesh } from '#testing';

let mesh: TestMesh;
let url: string;

interface Account {
  token: string;
  user: { id: string; username: string; displayName: string; createdAt: string };
}
async function signup(username: string): Promise<Account> {
  const res = await http(url, 'POST', '/auth/signup', { body: { username, password: 'correct horse' } });
  expect(res.status).toBe(201);
  return res.body as Account;
}

interface PageBody<T> {
  items: T[];
  nextCursor: string | null;
  degraded?: string[];
}
/** Every page of `path` by its cursors: each one's status and whole body is checked by `check`. */
async function walk<T>(path: string, check: (body: PageBody<T>) => void): Promise<{ items: T[]; sizes: number[] }> {
  const items: T[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res: { status: number; body: PageBody<T> } = await http(
      url,
      'GET',
      `${path}${cursor ? `${sep}cursor=${cursor}` : ''}`,
    );
    expect(res.status, `${path} after ${items.length}`).toBe(200);
    check(res.body);
    items.push(...res.body.items);
    sizes.push(res.body.items.length);
    cursor = res.body.nextCursor;
  } while (cursor);
  return { items, sizes };
}

const WIDE = '語'.repeat(5000); // 15 000 bytes of UTF-8, the costliest text a post may have now
let alice: Account;

beforeAll(async () => {
  mesh = await startTestMesh({ replicas: { identity: 1, posts: 1, comments: 1, likes: 1 } });
  url = mesh.edgeUrl;
  alice = await signup('alice_bounds');
});
afterAll(async () => mesh?.stop());

describe('pages bounded in bytes', () => {
  it('GET /posts?limit=100 over 100 posts of 5000 three-byte characters: pages of 34, every post once', async () => {
    const created: Array<{ id: string } & Record<string, unknown>> = [];
    for (let i = 0; i < 100; i++) {
      const res = await http(url, 'POST', '/posts', { token: alice.token, body: { text: WIDE } });
      expect(res.status).toBe(201);
      created.push(res.body as { id: string } & Record<string, unknown>);
    }
    // The answer a reader gets, as it was created but for the viewer-dependent part.
    const asRead = created.map((p) => ({ ...p, likedByMe: null })).reverse();
    const { items, sizes } = await walk<{ id: string }>('/posts?limit=100', (body) => {
      const from = asRead.findIndex((p) => p.id === body.items[0]?.id);
      expect(body).toEqual({
        items: asRead.slice(from, from + body.items.length),
        nextCursor: from + body.items.length < asRead.length ? expect.any(String) : null,
        degraded: [],
      });
    });
    expect(sizes).toEqual([34, 34, 32]);
    expect(items).toEqual(asRead);
  });

  it('40 posts of 5000 control characters stored before the text rule: 200, pages of 17', async () => {
    // 30 KB of JSON each (\u0001 is six bytes escaped): 1.2 MB at limit 100 — a 503, before.
    const author = { id: randomUUID(), username: 'legacy_posts', displayName: 'Legacy' };
    const schema = mesh.env.POSTS_DB_SCHEMA;
    for (let i = 0; i < 40; i++) {
      await sql(
        `INSERT INTO "${schema}".post (id, author_id, author_username, author_display_name, text, created_at)
         VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 millisecond')`,
        [randomUUID(), author.id, author.username, author.displayName, '\u0001'.repeat(5000), i],
      );
    }
    const { items, sizes } = await walk<{ text: string; author: unknown }>(
      '/posts?author=legacy_posts&limit=100',
      (body) => {
        expect(body).toEqual({ items: expect.any(Array), nextCursor: body.nextCursor, degraded: [] });
        for (const p of body.items) {
          expect(p).toEqual({
            id: expect.any(String),
            author: { ...author, followedByMe: null },
            text: '\u0001'.repeat(5000),
            media: [],
            mentions: [],
            createdAt: expect.stringMatching(/Z$/),
            likeCount: 0,
            commentCount: 0,
            likedByMe: null,
            degraded: [],
          });
        }
      },
    );
    expect(sizes).toEqual([17, 17, 6]);
    expect(new Set(items.map((p) => (p as unknown as { id: string }).id)).size).toBe(40);
  });

  it("90 comments of 2000 control characters on a stranger's post: 200, pages of 42", async () => {
    // 12 KB of JSON each: 1.08 MB at limit 100 — a 503 for every reader of that post, before.
    const post = await http(url, 'POST', '/posts', { token: alice.token, body: { text: 'a quiet post' } });
    expect(post.status).toBe(201);
    const postId = post.body.id as string;
    const author = { id: randomUUID(), username: 'legacy_comments', displayName: 'Legacy' };
    const schema = mesh.env.COMMENTS_DB_SCHEMA;
    const ids: string[] = [];
    for (let i = 0; i < 90; i++) {
      ids.push(randomUUID());
      await sql(
        `INSERT INTO "${schema}".comment (id, post_id, author_id, author_username, author_display_name, text, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + $7 * interval '1 millisecond')`,
        [ids[i], postId, author.id, author.username, author.displayName, '\u0002'.repeat(2000), i],
      );
    }
    const { items, sizes } = await walk<{ id: string }>(`/posts/${postId}/comments?limit=100`, (body) => {
      expect(Object.keys(body).sort()).toEqual(['items', 'nextCursor']);
      for (const c of body.items) {
        expect(c).toEqual({
          id: expect.any(String),
          postId,
          author,
          text: '\u0002'.repeat(2000),
          createdAt: expect.stringMatching(/Z$/),
        });
      }
    });
    expect(sizes).toEqual([42, 42, 6]);
    expect(items.map((c) => c.id)).toEqual(ids); // oldest first, each once
    // The post itself still reads, its count included.
    const read = await http(url, 'GET', `/posts/${postId}`);
    expect([read.status, read.body]).toEqual([200, { ...post.body, commentCount: 90, likedByMe: null }]);
  });
});

// Every route that takes text from a user, over a real mesh: a NUL (which PostgreSQL refuses,
// so it used to surface as a 500) or any other control character but newline and tab is a 400
// naming the field, and nothing is written. Status and whole bodies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestMesh, type TestMesh } from '#testing';

let mesh: TestMesh;
let url: string;

const MULTI = 'must not contain control characters other than newline and tab, nor unpaired surrogates';
const SINGLE = 'must not contain control characters, nor unpaired surrogates';
const invalid = (errors: Array<{ field: string; message: string }>) => ({
  type: 'urn:failsoft:problem:invalid',
  title: 'Invalid request',
  status: 400,
  detail: 'The request is not valid.',
  errors,
});

interface Account {
  token: string;
  user: { id: string; username: string; displayName: string; createdAt: string };
}
async function signup(username: string): Promise<Account> {
  const res = await http(url, 'POST', '/auth/signup', { body: { username, password: 'correct horse' } });
  expect(res.status).toBe(201);
  return res.body as Account;
}

let alice: Account;
let bob: Account;
let postId: string;

beforeAll(async () => {
  mesh = await startTestMesh({ replicas: { identity: 1, posts: 1, comments: 1, messaging: 1 } });
  url = mesh.edgeUrl;
  alice = await signup('alice_text');
  bob = await signup('bob_text');
  const post = await http(url, 'POST', '/posts', { token: alice.token, body: { text: 'a clean post' } });
  expect(post.status).toBe(201);
  postId = post.body.id as string;
});
afterAll(async () => mesh?.stop());

describe('a NUL in any text field is a 400 naming the field', () => {
  it('signs up with none', async () => {
    const cases: Array<[object, Array<{ field: string; message: string }>]> = [
      [
        { username: 'nul\u0000user', password: 'correct horse' },
        [{ field: 'username', message: 'username must be 3-32 characters of a-z, 0-9 and _' }],
      ],
      [
        { username: 'nul_password', password: 'correct\u0000horse' },
        [{ field: 'password', message: `password ${SINGLE}` }],
      ],
      [
        { username: 'nul_display', password: 'correct horse', displayName: 'Nul\u0000' },
        [{ field: 'displayName', message: `displayName ${SINGLE}` }],
      ],
    ];
    for (const [body, errors] of cases) {
      const res = await http(url, 'POST', '/auth/signup', { body });
      expect([res.status, res.body], JSON.stringify(body)).toEqual([400, invalid(errors)]);
    }
    // Nothing was created: the clean names are still free.
    for (const name of ['nul_password', 'nul_display']) {
      expect((await http(url, 'GET', `/users/${name}`)).status).toBe(404);
    }
  });

  it('logs in (anonymous) with none', async () => {
    const cases: Array<[object, Array<{ field: string; message: string }>]> = [
      [
        { username: 'alice_text\u0000', password: 'correct horse' },
        [{ field: 'username', message: `username ${SINGLE}` }],
      ],
      [
        { username: 'alice_text', password: 'correct horse\u0000' },
        [{ field: 'password', message: `password ${SINGLE}` }],
      ],
    ];
    for (const [body, errors] of cases) {
      const res = await http(url, 'POST', '/auth/login', { body });
      expect([res.status, res.body], JSON.stringify(body)).toEqual([400, invalid(errors)]);
    }
  });

  it('posts, comments and messages with none', async () => {
    const writes: Array<[string, string, object]> = [
      ['POST', '/posts', { text: 'hello\u0000world' }],
      ['POST', `/posts/${postId}/comments`, { text: 'hello\u0000world' }],
      ['POST', '/messages', { to: 'bob_text', text: 'hello\u0000world' }],
    ];
    for (const [method, path, body] of writes) {
      const res = await http(url, method, path, { token: alice.token, body });
      expect([res.status, res.body], path).toEqual([400, invalid([{ field: 'text', message: `text ${MULTI}` }])]);
    }
  });

  it('reads with none in a path or query', async () => {
    const reads: Array<[string, Array<{ field: string; message: string }>]> = [
      ['/users/ali%00ce', [{ field: 'username', message: 'username must be 3-32 characters of a-z, 0-9 and _' }]],
      ['/posts?author=ali%00ce', [{ field: 'author', message: 'username must be 3-32 characters of a-z, 0-9 and _' }]],
      ['/posts?cursor=%00', [{ field: 'cursor', message: 'cursor is not one this API gave out' }]],
      [`/posts/${postId}/comments?cursor=a%00b`, [{ field: 'cursor', message: 'cursor is not one this API gave out' }]],
      ['/messages/bob%00', [{ field: 'username', message: 'username must be 3-32 characters of a-z, 0-9 and _' }]],
    ];
    for (const [path, errors] of reads) {
      const res = await http(url, 'GET', path, { token: alice.token });
      expect([res.status, res.body], path).toEqual([400, invalid(errors)]);
    }
  });
});

describe('control characters other than newline and tab', () => {
  it('refuses a post of 5000 of them (30 KB of JSON escapes) and an escape sequence in a comment', async () => {
    const flood = await http(url, 'POST', '/posts', { token: bob.token, body: { text: '\u0001'.repeat(5000) } });
    expect([flood.status, flood.body]).toEqual([400, invalid([{ field: 'text', message: `text ${MULTI}` }])]);
    const ansi = await http(url, 'POST', `/posts/${postId}/comments`, {
      token: bob.token,
      body: { text: 'red \u001b[31m alert' },
    });
    expect([ansi.status, ansi.body]).toEqual([400, invalid([{ field: 'text', message: `text ${MULTI}` }])]);
    const lone = await http(url, 'POST', '/messages', {
      token: bob.token,
      body: { to: 'alice_text', text: 'a\ud800' },
    });
    expect([lone.status, lone.body]).toEqual([400, invalid([{ field: 'text', message: `text ${MULTI}` }])]);
  });

  it('keeps newline and tab in text with lines, and stores only what was accepted', async () => {
    const text = 'two\n\tlines';
    const post = await http(url, 'POST', '/posts', { token: bob.token, body: { text } });
    expect(post.status).toBe(201);
    expect(post.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      author: { id: bob.user.id, username: 'bob_text', displayName: 'bob_text', followedByMe: null },
      text,
      media: [],
      mentions: [],
      createdAt: expect.stringMatching(/Z$/),
      likeCount: 0,
      commentCount: 0,
      likedByMe: false,
      degraded: [],
    });
    const comment = await http(url, 'POST', `/posts/${postId}/comments`, { token: bob.token, body: { text } });
    expect(comment.status).toBe(201);
    expect(comment.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      postId,
      author: { id: bob.user.id, username: 'bob_text', displayName: 'bob_text' },
      text,
      createdAt: expect.stringMatching(/Z$/),
    });
    // Of every post tried in this file, only the two clean ones were written.
    const page = await http(url, 'GET', '/posts?limit=100');
    expect(page.status).toBe(200);
    expect(page.body.items.map((p: { text: string }) => p.text)).toEqual([text, 'a clean post']);
    const comments = await http(url, 'GET', `/posts/${postId}/comments`);
    expect(comments.body).toEqual({ items: [comment.body], nextCursor: null });
  });
});

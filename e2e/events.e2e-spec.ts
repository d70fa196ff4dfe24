// Durable events seen from the edge, over HTTP, with the built apps as processes under per-app
// NATS users (least privilege): deleting a post takes its comments and likes with it, also when
// comments had no replica at the time — they are gone within seconds of comments coming back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, http, startTestMesh, type TestMesh } from '#testing';
import { problem } from './problem.js';

let mesh: TestMesh;
let url: string;
let alice: string;
let bob: string;

beforeAll(async () => {
  mesh = await startTestMesh({ replicas: { identity: 1, posts: 1, comments: 1, likes: 1 }, auth: true });
  url = mesh.edgeUrl;
  const signup = async (username: string) =>
    (await http(url, 'POST', '/auth/signup', { body: { username, password: 'events password' } })).body.token;
  alice = await signup('events_alice');
  bob = await signup('events_bob');
});
afterAll(async () => mesh?.stop());

async function postWithReactions(): Promise<string> {
  const post = await http(url, 'POST', '/posts', { token: alice, body: { text: 'soon gone' } });
  expect(post.status).toBe(201);
  for (const text of ['first', 'second']) {
    expect((await http(url, 'POST', `/posts/${post.body.id}/comments`, { token: bob, body: { text } })).status).toBe(
      201,
    );
  }
  expect((await http(url, 'PUT', `/posts/${post.body.id}/like`, { token: bob })).status).toBe(204);
  expect((await http(url, 'GET', `/posts/${post.body.id}/comments`)).body.items).toHaveLength(2);
  return post.body.id;
}

describe('events through the whole mesh', () => {
  it('deleting a post takes its comments and likes with it, within a second or so', async () => {
    const id = await postWithReactions();
    const deleted = await http(url, 'DELETE', `/posts/${id}`, { token: alice });
    expect(deleted.status).toBe(204);
    const started = Date.now();
    await expectEventually(async () => {
      expect((await http(url, 'GET', `/posts/${id}/comments`)).body).toEqual({ items: [], nextCursor: null });
      expect((await http(url, 'GET', `/posts/${id}/likes`)).body).toEqual({ count: 0, items: [], nextCursor: null });
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a post deleted while comments was down has no comments within seconds of comments coming back', async () => {
    const id = await postWithReactions();
    const [comments] = mesh.replicas.get('comments')!;
    comments.kill('SIGTERM');
    expect(await comments.exited).toBe(0);

    expect((await http(url, 'DELETE', `/posts/${id}`, { token: alice })).status).toBe(204);
    // comments is down: its list is a 503 naming it (docs/fail-soft.md), and nothing removed them yet.
    const whileDown = await http(url, 'GET', `/posts/${id}/comments`);
    expect(whileDown.status).toBe(503);
    expect(whileDown.body).toEqual(problem(503, { service: 'comments' }));
    // likes was up: its part is done already.
    await expectEventually(async () => expect((await http(url, 'GET', `/posts/${id}/likes`)).body.count).toBe(0));

    await mesh.addReplica('comments');
    const back = Date.now();
    await expectEventually(
      async () => {
        const res = await http(url, 'GET', `/posts/${id}/comments`);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ items: [], nextCursor: null });
      },
      { timeoutMs: 5000 },
    );
    expect(Date.now() - back).toBeLessThan(5000);
  });
});

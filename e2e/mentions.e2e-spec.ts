// Mentions through the edge, against the whole mesh as processes: a post that mentions a user is
// in their home feed although they follow nobody, its `mentions` name the users it resolved
// (an unknown `@name` stays plain text), and with identity stopped (SIGTERM to its pid) mentions
// still resolve — posts resolves them from its own projection of identity's events.
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_STREAM } from '#contracts';
import { consumerState, expectEventually, http, scaleToZero, startTestMesh, type TestMesh } from '#testing';

let mesh: TestMesh;
let nc: NatsConnection;
let url: string;
type Account = { token: string; user: { id: string; username: string; displayName: string } };
let ada: Account;
let bee: Account;

async function signup(username: string): Promise<Account> {
  const res = await http(url, 'POST', '/auth/signup', { body: { username, password: 'mention password' } });
  expect(res.status).toBe(201);
  return res.body;
}
const write = async (who: Account, text: string) => {
  const res = await http(url, 'POST', '/posts', { token: who.token, body: { text } });
  expect(res.status).toBe(201);
  return res.body as { id: string; mentions: Array<{ username: string }> };
};
const homeIds = async (who: Account): Promise<string[]> => {
  const res = await http(url, 'GET', '/timeline/home?limit=100', { token: who.token });
  expect(res.status).toBe(200);
  return res.body.items.map((p: { id: string }) => p.id);
};
/** posts has learnt every user identity announced so far. */
const usersProjected = () =>
  expectEventually(async () =>
    expect(await consumerState(nc, EVENTS_STREAM, 'posts--events-identity-users-created')).toMatchObject({
      pending: 0,
      ackPending: 0,
    }),
  );

beforeAll(async () => {
  mesh = await startTestMesh({ replicas: { identity: 1, posts: 1, graph: 1, feed: 1, likes: 1, comments: 1 } });
  url = mesh.edgeUrl;
  nc = await mesh.connectNats();
  ada = await signup('ada_mentions');
  bee = await signup('bee_mentions');
  await usersProjected();
}, 120_000);
afterAll(async () => {
  await nc?.close();
  await mesh?.stop();
});

describe('mentions', () => {
  it("puts a post into a mentioned user's home feed, though they follow nobody; unknown names are plain text", async () => {
    const text = 'hi @bee_mentions, and @nobody_mentions and @Bee_mentions';
    const post = await write(ada, text);
    expect(post.mentions).toEqual([{ username: 'bee_mentions' }]);
    const read = await http(url, 'GET', `/posts/${post.id}`);
    expect(read).toMatchObject({ status: 200, body: { id: post.id, text, mentions: [{ username: 'bee_mentions' }] } });
    await expectEventually(async () => expect(await homeIds(bee)).toEqual([post.id]), { timeoutMs: 5000 });
    const page = await http(url, 'GET', '/timeline/home', { token: bee.token });
    expect(page.body.items[0]).toMatchObject({ id: post.id, mentions: [{ username: 'bee_mentions' }] });
    // A post that mentions nobody stays out of a stranger's feed.
    const plain = await write(ada, 'just @nobody_mentions');
    expect(plain.mentions).toEqual([]);
    await expectEventually(async () => expect(await homeIds(ada)).toEqual([plain.id, post.id]));
    expect(await homeIds(bee)).toEqual([post.id]);
  });

  it('still resolves mentions with identity stopped (SIGTERM): they come from posts’ own projection', async () => {
    const exits = await scaleToZero(mesh, 'identity');
    expect(exits).toHaveLength(1);
    const post = await write(ada, 'again @bee_mentions');
    expect(post.mentions).toEqual([{ username: 'bee_mentions' }]);
    await expectEventually(async () => expect((await homeIds(bee))[0]).toBe(post.id), { timeoutMs: 5000 });
  });
});

// The real messaging service, in this process, asking a real identity process over a private
// nats-server, both against PostgreSQL (fresh schemas). Identity runs as a built app: no app
// imports another (`npx tsc -p tsconfig.build.json` first).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { LiveSubjects, Subjects, type Message } from '#contracts';
import { type MeshClient } from '#mesh';
import { type RunningService } from '#service';
import {
  dropSchemas,
  freshSchema,
  spawnApp,
  sql,
  startNatsServer,
  stopAllApps,
  tempKeys,
  testClient,
  TEST_DATABASE_URL,
  waitUntilJoined,
  type AppProcess,
  type NatsServerHandle,
  meshFailure,
  serviceInfo,
} from '#testing';
import { loadMessagingConfig } from '../src/messaging.config.js';
import { startMessaging } from '../src/messaging.app.js';

type User = { id: string; username: string; displayName: string };

let nats: NatsServerHandle;
let identity: AppProcess;
let messaging: RunningService;
let client: { nc: NatsConnection; mesh: MeshClient };
const messagingSchema = freshSchema('messaging');
const identitySchema = freshSchema('identity');
let alice: User;
let bob: User;
let carol: User;

beforeAll(async () => {
  nats = await startNatsServer();
  client = await testClient(nats.url);
  const base = { NATS_URL: nats.url, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: 'warn' };
  identity = spawnApp('identity', {
    ...base,
    IDENTITY_DB_SCHEMA: identitySchema,
    JWT_PRIVATE_KEY_FILE: tempKeys().privateKeyFile,
  });
  [messaging] = await Promise.all([
    startMessaging(loadMessagingConfig({ ...base, MESSAGING_DB_SCHEMA: messagingSchema }), { handleSignals: false }),
    waitUntilJoined(client.nc, identity),
  ]);
  const signup = async (username: string, displayName: string): Promise<User> => {
    const { user } = await client.mesh.request(Subjects.identity.signup, {
      username,
      password: 'a long password',
      displayName,
    });
    return { id: user.id, username: user.username, displayName: user.displayName };
  };
  [alice, bob, carol] = await Promise.all([
    signup('alice_dm', 'Alice'),
    signup('bob_dm', 'Bob B.'),
    signup('carol_dm', 'Carol'),
  ]);
});

afterAll(async () => {
  await client?.nc.close();
  await messaging?.stop();
  await stopAllApps();
  await nats?.stop();
  await dropSchemas(messagingSchema, identitySchema);
});

const send = (from: User, toUsername: string, text: string) =>
  client.mesh.request(Subjects.messaging.send, { from, toUsername, text });
const conversation = (userId: string, withUsername: string, limit: number, cursor?: string) =>
  client.mesh.request(Subjects.messaging.conversation, { userId, withUsername, limit, cursor });
const count = async () =>
  (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${messagingSchema}".message`))[0].n;
const invalid = (errors: Array<{ field: string; message: string }>) => ({
  code: 'invalid',
  message: 'The request is not valid.',
  errors,
  service: 'messaging',
});

/** Collects what arrives on a user's live subject. */
function listen(userId: string): { sub: Subscription; got: Message[]; next: () => Promise<Message> } {
  const got: Message[] = [];
  const waiters: Array<(m: Message) => void> = [];
  const sub = client.nc.subscribe(LiveSubjects.message(userId), {
    callback: (_err, msg) => {
      const m = msg.json<Message>();
      got.push(m);
      waiters.shift()?.(m);
    },
  });
  let taken = 0;
  const next = () =>
    new Promise<Message>((resolve, reject) => {
      if (got.length > taken) return resolve(got[taken++]);
      const t = setTimeout(() => reject(new Error(`nothing on live.messages.${userId} within 2 s`)), 2000);
      waiters.push((m) => {
        clearTimeout(t);
        taken++;
        resolve(m);
      });
    });
  return { sub, got, next };
}

describe('messaging over NATS', () => {
  it('sends: stores the whole message and publishes it live to the recipient and the sender', async () => {
    const toBob = listen(bob.id);
    const toAlice = listen(alice.id);
    await client.nc.flush();

    const m = await send(alice, 'bob_dm', 'hello bob');
    expect(m).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      from: alice,
      to: bob,
      text: 'hello bob',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(await toBob.next()).toEqual(m);
    expect(await toAlice.next()).toEqual(m);
    toBob.sub.unsubscribe();
    toAlice.sub.unsubscribe();
    expect(toBob.got).toEqual([m]);
    expect(toAlice.got).toEqual([m]);

    const rows = await sql(`SELECT * FROM "${messagingSchema}".message WHERE id = $1`, [m.id]);
    expect(rows).toEqual([
      {
        id: m.id,
        from_id: alice.id,
        from_username: 'alice_dm',
        from_display_name: 'Alice',
        to_id: bob.id,
        to_username: 'bob_dm',
        to_display_name: 'Bob B.',
        text: 'hello bob',
        created_at: new Date(m.createdAt),
        pair_lo: alice.id < bob.id ? alice.id : bob.id,
        pair_hi: alice.id < bob.id ? bob.id : alice.id,
      },
    ]);
  });

  it('answers not_found for an unknown recipient, and stores nothing', async () => {
    const before = await count();
    expect(await meshFailure(send(alice, 'nobody_here', 'hello?'))).toEqual({
      code: 'not_found',
      message: 'no such user',
      service: 'messaging',
    });
    expect(await count()).toBe(before);
  });

  it('refuses a message to yourself with a field error on `to`', async () => {
    const before = await count();
    expect(await meshFailure(send(alice, 'alice_dm', 'note to self'))).toEqual(
      invalid([{ field: 'to', message: 'you cannot send a message to yourself' }]),
    );
    expect(await count()).toBe(before);
  });

  it('keeps text within 1-2000 characters, not blank, and the request strict', async () => {
    const before = await count();
    expect(await meshFailure(send(alice, 'bob_dm', ''))).toEqual(
      invalid([{ field: 'text', message: 'text must not be empty' }]),
    );
    expect(await meshFailure(send(alice, 'bob_dm', '   \n '))).toEqual(
      invalid([{ field: 'text', message: 'text must not be blank' }]),
    );
    expect(await meshFailure(send(alice, 'bob_dm', 'x'.repeat(2001)))).toEqual(
      invalid([{ field: 'text', message: 'text must be at most 2000 characters' }]),
    );
    expect(
      await meshFailure(
        client.mesh.request(Subjects.messaging.send, { from: alice, toUsername: 'Bob!', text: 'hi', cc: 'x' } as never),
      ),
    ).toEqual(
      invalid([
        { field: 'toUsername', message: 'to must be a username: 3-32 characters of a-z, 0-9 and _' },
        { field: 'cc', message: 'unknown field' },
      ]),
    );
    expect(await count()).toBe(before);
    const longest = await send(alice, 'carol_dm', 'y'.repeat(2000));
    expect(longest.text).toHaveLength(2000);
  });

  it('pages a conversation newest first, for either side, with no gaps or repeats', async () => {
    const sent: Message[] = [];
    for (let i = 0; i < 5; i++) {
      sent.push(i % 2 === 0 ? await send(carol, 'bob_dm', `c${i}`) : await send(bob, 'carol_dm', `b${i}`));
    }
    // Two in the same millisecond: the order within it must fall back to the id.
    const at = (s: number) => `2026-01-01T00:00:0${s}.000Z`;
    const times = [at(1), at(2), at(3), at(3), at(4)];
    for (const [i, m] of sent.entries()) {
      await sql(`UPDATE "${messagingSchema}".message SET created_at = $1 WHERE id = $2`, [times[i], m.id]);
    }
    const withTimes = sent.map((m, i) => ({ ...m, createdAt: times[i] }));
    const tied = [withTimes[2], withTimes[3]].sort((x, y) => (x.id < y.id ? 1 : -1));
    const newestFirst = [withTimes[4], ...tied, withTimes[1], withTimes[0]];

    const seen: Message[] = [];
    let cursor: string | undefined;
    const pages: number[] = [];
    do {
      const page = await conversation(bob.id, 'carol_dm', 2, cursor);
      seen.push(...page.items);
      pages.push(page.items.length);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual(newestFirst);
    // The other side sees the same conversation; nobody else's messages are in it.
    expect(await conversation(carol.id, 'bob_dm', 10)).toEqual({ items: newestFirst, nextCursor: null });
    expect(await conversation(bob.id, 'nobody_here', 10)).toEqual({ items: [], nextCursor: null });
    expect(await meshFailure(conversation(bob.id, 'carol_dm', 2, 'bm90LWEtY3Vyc29y'))).toEqual(
      invalid([{ field: 'cursor', message: 'cursor is not one this API gave out' }]),
    );
  });

  it('lists conversations newest first, each with its last message and the other user', async () => {
    const dave = { id: '44444444-4444-4444-8444-444444444444', username: 'dave_dm', displayName: 'Dave' };
    expect(await client.mesh.request(Subjects.messaging.conversations, { userId: dave.id })).toEqual({ items: [] });

    const toBob = await send(alice, 'bob_dm', 'latest to bob');
    const fromCarol = await send(carol, 'alice_dm', 'latest from carol');
    expect(await client.mesh.request(Subjects.messaging.conversations, { userId: alice.id })).toEqual({
      items: [
        { with: carol, lastMessage: fromCarol },
        { with: bob, lastMessage: toBob },
      ],
    });
    const bobs = await client.mesh.request(Subjects.messaging.conversations, { userId: bob.id });
    expect(bobs.items.map((c) => c.with)).toEqual([alice, carol]);
    expect(bobs.items[0].lastMessage).toEqual(toBob);
  });

  it('sends once per idempotency key: a replay answers the same message, stores and pushes nothing', async () => {
    const toCarol = listen(carol.id);
    await client.nc.flush();
    const before = await count();
    const idempotencyKey = 'messaging-send-key-1';
    const request = { from: bob, toUsername: 'carol_dm', text: 'only once' };
    const first = await client.mesh.request(Subjects.messaging.send, request, { idempotencyKey });
    expect(await toCarol.next()).toEqual(first);
    expect(await client.mesh.request(Subjects.messaging.send, request, { idempotencyKey })).toEqual(first);
    expect(await count()).toBe(before + 1);
    const other = await meshFailure(
      client.mesh.request(Subjects.messaging.send, { ...request, text: 'twice' }, { idempotencyKey }),
    );
    expect(other.code).toBe('idempotency_mismatch');
    await client.nc.flush();
    toCarol.sub.unsubscribe();
    expect(toCarol.got).toEqual([first]);
  });

  it('registers its three endpoints with the service API in queue group messaging', async () => {
    const info = await serviceInfo(client.nc, 'messaging');
    expect(info.name).toBe('messaging');
    expect(info.endpoints).toEqual([
      ['messaging.conversation', 'messaging'],
      ['messaging.conversations', 'messaging'],
      ['messaging.send', 'messaging'],
    ]);
  });

  it('p50 of a send (identity lookup + insert + two publishes), for the record', async () => {
    const ms: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await send(bob, 'alice_dm', `timing ${i}`);
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    process.stdout.write(`messaging.send over NATS: p50 ${ms[25].toFixed(2)} ms, p95 ${ms[47].toFixed(2)} ms` + '\n');
    expect(ms[25]).toBeLessThan(100);
  });

  // Last: it stops identity for good.
  it('with identity down: a send to someone it has met goes through; to a stranger it fails fast naming identity', async () => {
    const keyed = { from: alice, toUsername: 'bob_dm', text: 'sent before the outage' };
    const stored = await client.mesh.request(Subjects.messaging.send, keyed, { idempotencyKey: 'outage-key' });
    identity.kill('SIGTERM');
    expect(await identity.exited).toBe(0);

    const started = performance.now();
    const err = await meshFailure(send(alice, 'never_met_dm', 'anyone there?'));
    const elapsed = performance.now() - started;
    expect(err).toEqual({
      code: 'unavailable',
      message: 'identity is unavailable, so the recipient cannot be found',
      service: 'identity',
    });
    expect(elapsed).toBeLessThan(100);
    // bob_dm is in stored messages: usernames never change, so the message goes through.
    const during = await send(alice, 'bob_dm', 'while identity is down');
    expect(during).toMatchObject({ text: 'while identity is down', to: { id: stored.to.id, username: 'bob_dm' } });
    // A replay needs no identity: it answers from the stored key.
    expect(await client.mesh.request(Subjects.messaging.send, keyed, { idempotencyKey: 'outage-key' })).toEqual(stored);
    // Sending to yourself needs no identity to be refused.
    expect(await meshFailure(send(alice, 'alice_dm', 'me'))).toEqual(
      invalid([{ field: 'to', message: 'you cannot send a message to yourself' }]),
    );
    expect((await conversation(alice.id, 'bob_dm', 1)).items[0]).toEqual(during);
    const list = await client.mesh.request(Subjects.messaging.conversations, { userId: alice.id });
    expect(list.items.map((c) => c.with.username)).toEqual(['bob_dm', 'carol_dm']);
  });
});

// `mesh events` as an operator runs it, against a real nats-server with per-app users: the
// operator's read-only user sees the streams, a consumer's backlog while its service is down,
// and the dead letters.
import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Events } from '#contracts';
import { createLogger } from '#runtime';
import { startEventConsumers } from '#events';
import { generateCredentials, inboxPrefixFor, type NatsCredential } from '#mesh';
import { expectEventually, provisionNats, startNatsServer, type NatsServerHandle } from '#testing';
import { cli } from './launcher-process.js';

const logger = createLogger({ service: 'test', level: 'silent' });
const settings = { maxDeliver: 2, retryBackoffMs: 20, concurrency: 2 };
let nats: NatsServerHandle;
let credentials: NatsCredential[];
const connections: NatsConnection[] = [];

const as = async (user: string) => {
  const c = credentials.find((x) => x.user === user)!;
  const nc = await connect({ servers: nats.url, user: c.user, pass: c.password, inboxPrefix: inboxPrefixFor(c.user) });
  connections.push(nc);
  return nc;
};
const operatorEnv = () => {
  const c = credentials.find((x) => x.user === 'operator')!;
  return { PATH: process.env.PATH, NATS_URL: nats.url, NATS_USER: c.user, NATS_PASSWORD: c.password };
};
const deleted = (postId = randomUUID()) =>
  JSON.stringify({
    eventId: randomUUID(),
    occurredAt: new Date().toISOString(),
    postId,
    authorId: randomUUID(),
    mediaIds: [],
  });

beforeAll(async () => {
  credentials = generateCredentials();
  // Not provisioned yet: the first test looks at JetStream before the provisioner ran.
  nats = await startNatsServer({ auth: { credentials, mediaBucket: 'media' }, provision: false });
});
afterAll(async () => {
  for (const nc of connections) await nc.close();
  await nats?.stop();
});

describe('mesh events', () => {
  it('says there is nothing yet before the provisioner made the streams', async () => {
    const r = await cli(['events'], operatorEnv());
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('streams: none yet');
  });

  it("shows each stream, a stopped service's backlog, and the dead letters", async () => {
    // comments consumes, fails one event every time (dead-lettered after 2 attempts), then stops.
    await provisionNats({ servers: nats.url, credentials });
    const comments = await as('comments');
    const poison = randomUUID();
    const running = await startEventConsumers(comments, {
      service: 'comments',
      handlers: {
        [Events.posts.deleted]: (e) => (e.postId === poison ? Promise.reject(new Error('poison')) : Promise.resolve()),
      },
      settings,
      logger,
    });
    const js = jetstream(await as('posts'));
    await js.publish(Events.posts.deleted, deleted(poison));
    await js.publish(Events.posts.deleted, deleted());
    await expectEventually(async () => {
      const r = await cli(['events', '--json'], operatorEnv());
      expect(JSON.parse(r.stdout).deadLetters.total).toBe(1);
    });
    await running.stop(1000);
    // Published while comments has no replica: its backlog.
    for (let i = 0; i < 3; i++) await js.publish(Events.posts.deleted, deleted());

    const r = await cli(['events', '--json'], operatorEnv());
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    body.consumers.sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name));
    // Every durable of the layout is there; likes and media never ran, so all five are pending.
    const idle = (name: string, service: string, subject: string, pending: number) => ({
      name,
      service,
      subject,
      pending,
      ackPending: 0,
      redelivered: 0,
      waitingPulls: 0,
    });
    expect(body).toEqual({
      streams: [
        {
          name: 'EVENTS',
          subjects: ['events.>'],
          messages: 5,
          bytes: expect.any(Number),
          replicas: 1,
          currentReplicas: null,
        },
        {
          name: 'DEADLETTER',
          subjects: ['deadletter.>'],
          messages: 1,
          bytes: expect.any(Number),
          replicas: 1,
          currentReplicas: null,
        },
      ],
      consumers: [
        {
          name: 'comments--events-posts-deleted',
          service: 'comments',
          subject: 'events.posts.deleted',
          pending: 3,
          ackPending: 0,
          redelivered: 0,
          waitingPulls: 0,
        },
        // feed runs not here: its four durables wait, as likes' does.
        idle('feed--events-graph-followed', 'feed', 'events.graph.followed', 0),
        idle('feed--events-graph-unfollowed', 'feed', 'events.graph.unfollowed', 0),
        idle('feed--events-posts-created', 'feed', 'events.posts.created', 0),
        idle('feed--events-posts-deleted', 'feed', 'events.posts.deleted', 5),
        idle('likes--events-posts-deleted', 'likes', 'events.posts.deleted', 5),
        idle('media--events-posts-created', 'media', 'events.posts.created', 0),
        idle('media--events-posts-deleted', 'media', 'events.posts.deleted', 5),
        idle('notifications--events-comments-created', 'notifications', 'events.comments.created', 0),
        idle('notifications--events-comments-deleted', 'notifications', 'events.comments.deleted', 0),
        idle('notifications--events-graph-followed', 'notifications', 'events.graph.followed', 0),
        idle('notifications--events-graph-unfollowed', 'notifications', 'events.graph.unfollowed', 0),
        idle('notifications--events-likes-liked', 'notifications', 'events.likes.liked', 0),
        idle('notifications--events-likes-unliked', 'notifications', 'events.likes.unliked', 0),
        idle('notifications--events-posts-created', 'notifications', 'events.posts.created', 0),
        idle('notifications--events-posts-deleted', 'notifications', 'events.posts.deleted', 5),
        // posts' projection of users: nothing published on it here.
        idle('posts--events-identity-users-created', 'posts', 'events.identity.users.created', 0),
      ],
      deadLetters: { total: 1, bySubject: { 'deadletter.comments.events.posts.deleted': 1 } },
    });
    const text = await cli(['events'], operatorEnv());
    expect(text.stdout).toMatch(/comments--events-posts-deleted\s+comments\s+events\.posts\.deleted\s+3\s+0\s+0\s+no/);
    expect(text.stdout).toContain('dead letters: 1\n  deadletter.comments.events.posts.deleted  1\n');
  });

  it('fails with one line when NATS does not answer', async () => {
    const r = await cli(['events'], { ...operatorEnv(), NATS_URL: 'nats://127.0.0.1:1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mesh: cannot read the events streams at nats:\/\/127\.0\.0\.1:1: /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

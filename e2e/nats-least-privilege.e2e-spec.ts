// Least privilege on JetStream, raw, on a real nats-server with the generated authorization
// (libs/mesh nats-permissions): the provisioner makes the layout (twice: no change), and then
// every service user and the edge is refused everything that would let it read or destroy
// another's data — creating a stream that captures `identity.>`, changing, purging or deleting a
// stream, deleting a message, creating a consumer, deleting another's durable, subscribing to
// another's subjects — while it can still do its job on its own part of the layout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { EventConsumers, EVENTS_STREAM, MeshServices, consumersOf } from '#contracts';
import { ObjectReader, provision } from '#events';
import { generateCredentials, inboxPrefixFor, type NatsCredential } from '#mesh';
import { startNatsServer, type NatsServerHandle } from '#testing';

let nats: NatsServerHandle;
let credentials: NatsCredential[];
let admin: NatsConnection;
const open: NatsConnection[] = [];
const settings = { replicas: 1, mediaBucket: 'media', ackWaitMs: 10_000 };

async function as(user: string): Promise<NatsConnection> {
  const c = credentials.find((x) => x.user === user)!;
  const nc = await connect({
    servers: nats.url,
    user,
    pass: c.password,
    inboxPrefix: inboxPrefixFor(user),
    timeout: 2000,
  });
  open.push(nc);
  return nc;
}

/** The error a raw JetStream API request gets, or 'allowed' with the server's answer. */
async function ask(nc: NatsConnection, subject: string, body: unknown = {}): Promise<string> {
  try {
    const m = await nc.request(subject, JSON.stringify(body), { timeout: 2000 });
    return `allowed ${m.string()}`;
  } catch (err) {
    // A refused request fails with a RequestError whose cause is the server's permission violation.
    const e = err as Error;
    return e.cause instanceof Error ? `${e.name}: ${e.cause.name}` : e.name;
  }
}

const REFUSED = 'RequestError: PermissionViolationError';
const SUB_REFUSED = 'PermissionViolationError';
const Users = [...MeshServices, 'edge'] as const;

beforeAll(async () => {
  credentials = generateCredentials();
  nats = await startNatsServer({ auth: { credentials, mediaBucket: 'media' }, provision: false });
  admin = await as('provisioner');
});
afterAll(async () => {
  await Promise.all(open.map((nc) => nc.close()));
  await nats?.stop();
});

describe('the provisioner', () => {
  it('makes the whole layout once, then again and twice at once without changing anything', async () => {
    const t0 = performance.now();
    const first = await provision(admin, settings);
    const made = performance.now() - t0;
    const parts = Object.keys(first);
    expect(parts).toEqual([
      'stream EVENTS',
      'stream DEADLETTER',
      ...EventConsumers.map((c) => `consumer EVENTS/${c.durable}`),
      'objects media',
      'kv event_tickets',
      'kv ratelimits',
    ]);
    expect(new Set(Object.values(first))).toEqual(new Set(['created']));
    const t1 = performance.now();
    const again = await Promise.all([
      provision(admin, settings),
      provision(admin, settings),
      provision(admin, settings),
    ]);
    process.stdout.write(
      `[measured] provision: ${parts.length} parts made in ${Math.round(made)} ms; three runs at once, all unchanged, in ${Math.round(performance.now() - t1)} ms\n`,
    );
    for (const r of again) expect(r).toEqual(Object.fromEntries(parts.map((p) => [p, 'unchanged'])));
    // A stored event and object to be protected below.
    const posts = await as('posts');
    await jetstream(posts).publish('events.posts.created', JSON.stringify({ probe: true }));
  });
});

describe.each(Users)('%s', (user) => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await as(user);
  });

  it('cannot create, update, purge or delete a stream, nor delete a message', async () => {
    const jsm = await jetstreamManager(admin);
    const before = await jsm.streams.info(EVENTS_STREAM);
    const spy = { name: `SPY_${user}`, subjects: ['identity.>', 'messaging.>', 'live.messages.*', '_INBOX_edge.>'] };
    expect(await ask(nc, `$JS.API.STREAM.CREATE.${spy.name}`, spy)).toBe(REFUSED);
    expect(await ask(nc, `$JS.API.STREAM.CREATE.KV_${user}`, { name: `KV_${user}`, subjects: [`$KV.${user}.>`] })).toBe(
      REFUSED,
    );
    const widened = { ...before.config, subjects: ['events.>', 'identity.>'] };
    expect(await ask(nc, `$JS.API.STREAM.UPDATE.${EVENTS_STREAM}`, widened)).toBe(REFUSED);
    expect(await ask(nc, `$JS.API.STREAM.PURGE.${EVENTS_STREAM}`)).toBe(REFUSED);
    expect(await ask(nc, `$JS.API.STREAM.MSG.DELETE.${EVENTS_STREAM}`, { seq: 1 })).toBe(REFUSED);
    for (const stream of [EVENTS_STREAM, 'DEADLETTER', 'OBJ_media', 'KV_event_tickets']) {
      expect(await ask(nc, `$JS.API.STREAM.DELETE.${stream}`)).toBe(REFUSED);
    }
    const after = await jsm.streams.info(EVENTS_STREAM);
    expect(after.config.subjects).toEqual(['events.>']);
    expect(after.state.messages).toBe(before.state.messages);
    expect((await jsm.streams.names().next()).sort()).toEqual(
      ['DEADLETTER', 'EVENTS', 'KV_event_tickets', 'KV_ratelimits', 'OBJ_media'].sort(),
    );
  });

  it("cannot create a consumer nor delete another's durable", async () => {
    const c = {
      stream_name: EVENTS_STREAM,
      config: { name: 'spy', filter_subject: 'events.>', deliver_subject: 'spy.x' },
    };
    expect(await ask(nc, `$JS.API.CONSUMER.CREATE.${EVENTS_STREAM}`, c)).toBe(REFUSED);
    expect(await ask(nc, `$JS.API.CONSUMER.CREATE.${EVENTS_STREAM}.spy.events.>`, c)).toBe(REFUSED);
    expect(await ask(nc, `$JS.API.CONSUMER.DURABLE.CREATE.${EVENTS_STREAM}.spy`, c)).toBe(REFUSED);
    expect(await ask(nc, `$JS.API.CONSUMER.CREATE.OBJ_media`, { stream_name: 'OBJ_media', config: {} })).toBe(REFUSED);
    for (const other of EventConsumers) {
      expect(await ask(nc, `$JS.API.CONSUMER.DELETE.${EVENTS_STREAM}.${other.durable}`)).toBe(REFUSED);
    }
    const jsm = await jetstreamManager(admin);
    expect((await jsm.consumers.list(EVENTS_STREAM).next()).map((i) => i.name).sort()).toEqual(
      EventConsumers.map((x) => x.durable).sort(),
    );
  });

  it("cannot subscribe to another's subjects", async () => {
    const others = [...MeshServices.filter((s) => s !== user).map((s) => `${s}.>`), 'events.>', '_INBOX_edge.>'];
    if (user !== 'edge') others.push('live.messages.*');
    for (const subject of others.filter((s) => !(user === 'edge' && s === '_INBOX_edge.>'))) {
      const sub = nc.subscribe(subject);
      const closed = await Promise.race([sub.closed, new Promise((r) => setTimeout(() => r('open'), 2000))]);
      expect({ subject, closed: (closed as Error)?.name ?? String(closed) }).toEqual({ subject, closed: SUB_REFUSED });
    }
  });

  it('can do its job: bind to, pull from and acknowledge its own durables', async () => {
    const js = jetstream(nc);
    for (const c of consumersOf(user)) {
      const consumer = await js.consumers.get(c.stream, c.durable);
      const batch = await consumer.fetch({ max_messages: 1, expires: 1000 });
      for await (const m of batch) m.ack();
      expect((await consumer.info()).name).toBe(c.durable);
    }
    expect(consumersOf(user).length > 0).toBe(
      ['comments', 'likes', 'media', 'feed', 'posts', 'notifications'].includes(user),
    );
  });
});

describe('their own jobs', () => {
  it('posts publishes its events; no one else may', async () => {
    const stored = await jetstream(await as('posts')).publish('events.posts.deleted', JSON.stringify({ probe: true }));
    expect(stored.stream).toBe(EVENTS_STREAM);
    for (const user of Users.filter((u) => u !== 'posts')) {
      expect(await ask(await as(user), 'events.posts.deleted', {})).toBe(REFUSED);
    }
  });

  it("the edge reads every durable's lag (consumer info) but may not pull from or acknowledge any", async () => {
    const edge = await as('edge');
    const jsm = await jetstreamManager(edge, { checkAPI: false });
    for (const c of EventConsumers) {
      const info = await jsm.consumers.info(c.stream, c.durable);
      expect([info.name, typeof info.num_pending, typeof info.num_ack_pending]).toEqual([
        c.durable,
        'number',
        'number',
      ]);
      expect(
        await ask(edge, `$JS.API.CONSUMER.MSG.NEXT.${c.stream}.${c.durable}`, { batch: 1, expires: 100_000_000 }),
      ).toBe(REFUSED);
      expect(await ask(edge, `$JS.ACK.${c.stream}.${c.durable}.1.1.1.1.0`)).toBe(REFUSED);
    }
    // Not a listing nor a consumer outside the layout: only the named durables.
    expect(await ask(edge, `$JS.API.CONSUMER.LIST.${EVENTS_STREAM}`)).toBe(REFUSED);
    expect(await ask(edge, `$JS.API.CONSUMER.NAMES.${EVENTS_STREAM}`)).toBe(REFUSED);
    expect(await ask(edge, `$JS.API.CONSUMER.INFO.${EVENTS_STREAM}.spy`)).toBe(REFUSED);
    // A service reads only its own durables' info.
    const other = EventConsumers.find((c) => c.owner !== 'comments')!;
    expect(await ask(await as('comments'), `$JS.API.CONSUMER.INFO.${other.stream}.${other.durable}`)).toBe(REFUSED);
  });

  it('the edge hears session revocations live and reads them back without a consumer; no service may', async () => {
    const edge = await as('edge');
    const heard = edge.subscribe('events.identity.sessions.revoked', { max: 1 });
    await edge.flush();
    const stored = await jetstream(await as('identity')).publish(
      'events.identity.sessions.revoked',
      JSON.stringify({ probe: true }),
    );
    for await (const m of heard) expect(m.json()).toEqual({ probe: true });
    const reader = await jetstreamManager(edge, { checkAPI: false });
    const back = await reader.streams.getMessage(EVENTS_STREAM, {
      seq: stored.seq,
      next_by_subj: 'events.identity.sessions.revoked',
    } as never);
    expect(back?.seq).toBe(stored.seq);
    for (const user of MeshServices) {
      const sub = (await as(user)).subscribe('events.identity.sessions.revoked');
      const closed = await Promise.race([sub.closed, new Promise((r) => setTimeout(() => r('open'), 2000))]);
      expect({ user, closed: (closed as Error)?.name ?? String(closed) }).toEqual({ user, closed: SUB_REFUSED });
    }
  });

  it('media and the edge write the media bucket and read it without a consumer', async () => {
    for (const user of ['media', 'edge']) {
      const nc = await as(user);
      const os = await new Objm(nc).open('media');
      const bytes = new Uint8Array(300_000).map((_, i) => i % 251);
      await os.putBlob({ name: `probe-${user}` }, bytes);
      const reader = await ObjectReader.open(nc, 'media');
      const info = (await reader.info(`probe-${user}`))!;
      const chunks: Uint8Array[] = [];
      for await (const c of reader.chunks(info) as unknown as AsyncIterable<Uint8Array>) chunks.push(c);
      expect(Buffer.concat(chunks).equals(Buffer.from(bytes))).toBe(true);
      await os.delete(`probe-${user}`);
      expect(await reader.info(`probe-${user}`)).toBeNull();
    }
    for (const user of MeshServices.filter((u) => u !== 'media')) {
      expect(await ask(await as(user), '$JS.API.STREAM.MSG.GET.OBJ_media', { last_by_subj: '$O.media.M.>' })).toBe(
        REFUSED,
      );
    }
  });

  it('the edge gets, creates, updates and deletes keys of its buckets with revision checks; no one else may', async () => {
    const edge = await as('edge');
    const js = jetstream(edge);
    for (const bucket of ['event_tickets', 'ratelimits']) {
      expect((await ask(edge, `$JS.API.STREAM.INFO.KV_${bucket}`)).startsWith('allowed')).toBe(true);
      const h = headers();
      h.set('Nats-Expected-Last-Subject-Sequence', '0'); // create
      const created = await js.publish(`$KV.${bucket}.k1`, 'one', { headers: h });
      const u = headers();
      u.set('Nats-Expected-Last-Subject-Sequence', String(created.seq)); // update
      const updated = await js.publish(`$KV.${bucket}.k1`, 'two', { headers: u });
      const got = await edge.request(`$JS.API.DIRECT.GET.KV_${bucket}.$KV.${bucket}.k1`, '', { timeout: 2000 });
      expect([got.string(), got.headers?.get('Nats-Sequence')]).toEqual(['two', String(updated.seq)]);
      const viaGet = await ask(edge, `$JS.API.STREAM.MSG.GET.KV_${bucket}`, { last_by_subj: `$KV.${bucket}.k1` });
      expect(viaGet.startsWith('allowed')).toBe(true);
      const d = headers();
      d.set('KV-Operation', 'DEL');
      d.set('Nats-Expected-Last-Subject-Sequence', String(updated.seq));
      await js.publish(`$KV.${bucket}.k1`, '', { headers: d });
      expect(await ask(edge, `$JS.API.CONSUMER.CREATE.KV_${bucket}`, { stream_name: `KV_${bucket}`, config: {} })).toBe(
        REFUSED,
      );
      for (const user of MeshServices) {
        expect(await ask(await as(user), `$JS.API.DIRECT.GET.KV_${bucket}.$KV.${bucket}.k1`)).toBe(REFUSED);
      }
    }
  });
});

// identity as the producer of events.identity.users.created, in this process, against a private
// nats-server (JetStream) and PostgreSQL: one event per sign-up (none for a refused one), and —
// through its migration — one per user that existed before identity published the event, so a
// projection built from it (posts' known users) learns every user.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCodes, Events, Subjects } from '#contracts';
import { EVENTS_STREAM } from '#events';
import { type MeshClient } from '#mesh';
import { createDataSource, openDatabase } from '#persistence';
import { createLogger } from '#runtime';
import { type RunningService } from '#service';
import {
  dropSchemas,
  expectEventually,
  freshSchema,
  meshFailure,
  readStream,
  startNatsServer,
  tempKeys,
  testClient,
  TEST_DATABASE_URL,
  type NatsServerHandle,
} from '#testing';
import { loadIdentityConfig } from '../src/identity.config.js';
import { startIdentity } from '../src/identity.app.js';
import { CreateUsers1764288000000 } from '../src/migrations/1764288000000-create-users.js';
import { CreateSessions1765152000000 } from '../src/migrations/1765152000000-create-sessions.js';
import { CreateOutbox1765152000001 } from '../src/migrations/1765152000001-create-outbox.js';
import { AddOutboxHeaders1765152000002 } from '../src/migrations/1765152000002-add-outbox-headers.js';

let nats: NatsServerHandle;
let identity: RunningService;
let client: { nc: NatsConnection; mesh: MeshClient };
const schema = freshSchema('identity');
const keys = tempKeys();
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** Signed up before identity published users.created (written as that release would have). */
const veterans = [
  { id: randomUUID(), username: 'veteran_vi', displayName: 'Vi' },
  { id: randomUUID(), username: 'veteran_wu', displayName: 'Wu' },
];

/** identity's schema as a release before users.created left it, with users in it. */
async function identityBeforeTheEvent(): Promise<void> {
  const ds = createDataSource({
    url: TEST_DATABASE_URL,
    schema,
    entities: [],
    migrations: [
      CreateUsers1764288000000,
      CreateSessions1765152000000,
      CreateOutbox1765152000001,
      AddOutboxHeaders1765152000002,
    ],
    poolSize: 2,
    connectTimeoutMs: 5000,
    statementTimeoutMs: 5000,
    applicationName: 'identity-before',
  });
  await openDatabase(ds, { schema, logger: createLogger({ service: 'test', level: 'warn' }) });
  for (const v of veterans) {
    await ds.query(
      `INSERT INTO "${schema}"."user" (id, username, display_name, password_hash) VALUES ($1, $2, $3, 'x')`,
      [v.id, v.username, v.displayName],
    );
  }
  await ds.destroy();
}

beforeAll(async () => {
  nats = await startNatsServer();
  await identityBeforeTheEvent();
  identity = await startIdentity(
    loadIdentityConfig({
      NATS_URL: nats.url,
      DATABASE_URL: TEST_DATABASE_URL,
      IDENTITY_DB_SCHEMA: schema,
      JWT_PRIVATE_KEY_FILE: keys.privateKeyFile,
      LOG_LEVEL: 'warn',
    }),
    { handleSignals: false },
  );
  client = await testClient(nats.url, 10_000);
});
afterAll(async () => {
  await client?.nc.close();
  await identity?.stop();
  await nats?.stop();
  await dropSchemas(schema);
});

const usersCreated = async () =>
  (await readStream(client.nc, EVENTS_STREAM, Events.identity.usersCreated)).map((e) => ({
    msgId: e.msgId,
    data: e.data,
  }));
const announced = (user: { id: string; username: string; displayName: string }) => ({
  msgId: expect.stringMatching(uuid),
  data: { eventId: expect.stringMatching(uuid), occurredAt: expect.stringMatching(iso), user },
});

describe('identity announces its users', () => {
  it('once per user that existed before the event (its migration), with the whole user', async () => {
    await expectEventually(async () => expect(await usersCreated()).toHaveLength(2));
    const events = await usersCreated();
    expect(events).toEqual(veterans.map(announced));
    for (const e of events) expect(e.msgId).toBe(e.data.eventId);
    expect(new Set(events.map((e) => e.msgId)).size).toBe(2);
  });

  it('once per sign-up, and not for a refused one (the username is taken)', async () => {
    const { user } = await client.mesh.request(Subjects.identity.signup, {
      username: 'ann_announced',
      password: 'correct horse battery',
      displayName: ' Ann ',
    });
    expect(
      await meshFailure(
        client.mesh.request(Subjects.identity.signup, { username: 'ann_announced', password: 'another password' }),
      ),
    ).toMatchObject({ code: ErrorCodes.conflict });
    await expectEventually(async () => expect(await usersCreated()).toHaveLength(3));
    expect((await usersCreated())[2]).toEqual(
      announced({ id: user.id, username: 'ann_announced', displayName: 'Ann' }),
    );
    // Whatever was committed is published within a poll or two; give it that, then count.
    await new Promise((r) => setTimeout(r, 700));
    expect(await usersCreated()).toHaveLength(3);
  });
});

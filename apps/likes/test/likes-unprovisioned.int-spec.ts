// likes started before the provisioner made its JetStream layout: it may not make its durable
// itself, so it waits — in $SRV with the reason (waitingFor jetstream, what is missing), taking
// no request — and serves by itself once the provisioner has run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { Subjects } from '#contracts';
import type { RunningService } from '#service';
import {
  dropSchemas,
  expectEventually,
  freshSchema,
  provisionNats,
  startNatsServer,
  testClient,
  TEST_DATABASE_URL,
  type NatsServerHandle,
} from '#testing';
import type { MeshClient } from '#mesh';
import { loadLikesConfig } from '../src/likes.config.js';
import { startLikes } from '../src/likes.app.js';

let nats: NatsServerHandle;
let client: { nc: NatsConnection; mesh: MeshClient };
let starting: Promise<RunningService>;
const schema = freshSchema('likes');

beforeAll(async () => {
  nats = await startNatsServer({ provision: false });
  client = await testClient(nats.url);
  const env = { NATS_URL: nats.url, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: 'silent', LIKES_DB_SCHEMA: schema };
  starting = startLikes(loadLikesConfig(env), { handleSignals: false });
});
afterAll(async () => {
  await client?.nc.close();
  await (await starting.catch(() => undefined))?.stop();
  await nats?.stop();
  await dropSchemas(schema);
});

describe('likes before the JetStream layout exists', () => {
  it('waits in $SRV saying what is missing, then serves once the provisioner ran', async () => {
    const info = await expectEventually(
      async () => {
        const m = await client.nc.request('$SRV.INFO.likes', '', { timeout: 1000 });
        const body = m.json<{ endpoints: unknown[]; metadata: Record<string, string> }>();
        expect(body.metadata.waitingFor).toBe('jetstream');
        return body;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(info.endpoints).toEqual([]);
    expect(info.metadata.state).toBe(
      'jetstream not provisioned: stream EVENTS, stream DEADLETTER, consumer EVENTS/likes--events-posts-deleted missing (run the provisioner: mesh provision)',
    );
    const before = Date.now();
    await provisionNats({ servers: nats.url });
    await starting;
    // The backoff is at most 5 s between looks.
    expect(Date.now() - before).toBeLessThan(6000);
    const postId = '11111111-1111-4111-8111-111111111111';
    expect(await client.mesh.request(Subjects.likes.summary, { postIds: [postId] })).toEqual({
      summaries: { [postId]: { count: 0, likedByMe: null } },
    });
  });
});

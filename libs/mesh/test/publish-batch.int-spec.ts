// PublishBatch against a real nats-server: publishes made awaits apart in one turn all arrive,
// in order, after the turn; flush() sends at once; a publish on a closed connection is reported.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishBatch } from '#mesh';
import { startNatsServer, type NatsServerHandle } from '#testing';

let nats: NatsServerHandle;
let pub: NatsConnection;
let sub: NatsConnection;

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: false });
  [pub, sub] = [await connect({ servers: nats.url }), await connect({ servers: nats.url })];
});
afterAll(async () => {
  await pub?.close();
  await sub?.close();
  await nats?.stop();
});

const received = (subject: string, n: number): Promise<string[]> => {
  const got: string[] = [];
  const s = sub.subscribe(subject, { max: n });
  return (async () => {
    for await (const m of s) got.push(m.string());
    return got;
  })();
};

describe('PublishBatch', () => {
  it('is one batch per connection, and publishes what a turn queued, in order, after the turn', async () => {
    expect(PublishBatch.of(pub)).toBe(PublishBatch.of(pub));
    const arriving = received('batch.a', 3);
    await sub.flush();
    const batch = PublishBatch.of(pub);
    batch.publish('batch.a', 'one', {});
    await Promise.resolve();
    await Promise.resolve();
    batch.publish('batch.a', 'two', {});
    await Promise.resolve();
    batch.publish('batch.a', 'three', {});
    expect(await arriving).toEqual(['one', 'two', 'three']);
  });

  it('flush() publishes at once; a closed connection is reported to the publisher', async () => {
    const arriving = received('batch.b', 1);
    await sub.flush();
    PublishBatch.of(pub).publish('batch.b', 'now', {});
    PublishBatch.of(pub).flush();
    await pub.flush(); // the server has it before any setImmediate could have run
    expect(await arriving).toEqual(['now']);

    const closed = await connect({ servers: nats.url });
    await closed.close();
    const error = new Promise<Error>((resolve) => PublishBatch.of(closed).publish('batch.c', 'lost', {}, resolve));
    expect((await error).message).toMatch(/closed/i);
  });
});

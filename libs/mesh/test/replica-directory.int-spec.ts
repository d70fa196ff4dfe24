// The replica directory against a real nats-server: a replica that answered $SRV.PING is alive;
// one that stops answering but is still subscribed (frozen) stays stale, so callers keep off the
// queue group; one whose subscriptions are gone (killed, drained) is proven gone by its probe.
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplicaDirectory } from '#mesh';
import { expectEventually, startNatsServer, type NatsServerHandle } from '#testing';

let nats: NatsServerHandle;
let caller: NatsConnection;
let replica: NatsConnection;
let directory: ReplicaDirectory;

/** A replica `id` of service `svc` that answers pings while `answering()`; subscribed until stopped. */
function fakeReplica(svc: string, id: string, answering: () => boolean): Subscription[] {
  const reply = JSON.stringify({ name: svc, id, type: 'io.nats.micro.v1.ping_response' });
  return ['$SRV.PING', `$SRV.PING.${svc}`, `$SRV.PING.${svc}.${id}`].map((subject) =>
    replica.subscribe(subject, {
      callback: (_err, m) => {
        if (answering()) m.respond(reply);
      },
    }),
  );
}

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: false });
  caller = await connect({ servers: nats.url });
  replica = await connect({ servers: nats.url });
  directory = new ReplicaDirectory(caller, { intervalMs: 100, freshMs: 300 }).start();
});
afterAll(async () => {
  directory?.stop();
  await caller?.close();
  await replica?.close();
  await nats?.stop();
});

describe('ReplicaDirectory', () => {
  it('offers a replica that answers, keeps a silent but subscribed one stale, and forgets one that left', async () => {
    let frozen = false;
    const a = fakeReplica('svc', 'A', () => !frozen);
    fakeReplica('svc', 'B', () => true);
    await replica.flush();
    await expectEventually(() => expect(directory.alive('svc', 10).sort()).toEqual(['A', 'B']));
    expect(directory.hasStale('svc')).toBe(false);

    frozen = true; // still subscribed, no longer answering: like a SIGSTOPped replica
    await expectEventually(() => expect(directory.alive('svc', 10)).toEqual(['B']));
    await new Promise((r) => setTimeout(r, 500));
    expect(directory.hasStale('svc')).toBe(true);

    for (const sub of a) sub.unsubscribe(); // gone: its own ping subject has no responder now
    await replica.flush();
    await expectEventually(() => expect(directory.hasStale('svc')).toBe(false));
    expect(directory.alive('svc', 10)).toEqual(['B']);
  });
});

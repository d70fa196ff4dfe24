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

  it('tells at once when a replica vanished: true once one is gone, false while all answer or one is frozen', async () => {
    let frozen = false;
    const c = fakeReplica('vsvc', 'C', () => true);
    fakeReplica('vsvc', 'D', () => !frozen);
    await replica.flush();
    await expectEventually(() => expect(directory.alive('vsvc', 10).sort()).toEqual(['C', 'D']));
    const pause = () => new Promise((r) => setTimeout(r, 200)); // past the reuse of the last check
    expect(await directory.vanished('vsvc', Date.now())).toBe(false);
    expect(await directory.vanished('nobody', Date.now())).toBe(false);
    await pause();

    // Killed: the server dropped its subscriptions. Asked at once, before the ping rounds notice.
    const sentBefore = Date.now(); // a request sent before the kill, which C may hold
    await new Promise((r) => setTimeout(r, 5));
    for (const sub of c) sub.unsubscribe();
    await replica.flush();
    expect(await directory.vanished('vsvc', sentBefore)).toBe(true);
    expect(directory.alive('vsvc', 10)).toEqual(['D']);

    // C is forgotten, so no probe would find it now; asked again for a request sent before it
    // went, the answer stays yes. For one sent since, no: the server no longer offered it C.
    await pause();
    expect(await directory.vanished('vsvc', sentBefore)).toBe(true);
    expect(await directory.vanished('vsvc', Date.now())).toBe(false);

    frozen = true; // silent but subscribed: proof of nothing, and no longer than CHECK_MS to say so
    await pause();
    const started = performance.now();
    expect(await directory.vanished('vsvc', Date.now())).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

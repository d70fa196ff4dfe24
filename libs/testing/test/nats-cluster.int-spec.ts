// startNatsCluster on real nats-server processes: three clustered JetStream nodes, a stream
// replicated on all three that keeps its messages through a SIGKILL of one node, the node back
// with the same name and store, and nothing left running afterwards.
import { afterAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { expectEventually, startNatsCluster, type NatsClusterHandle } from '#testing';

let cluster: NatsClusterHandle | undefined;
let nc: NatsConnection | undefined;
afterAll(async () => {
  await nc?.close();
  await cluster?.stop();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('startNatsCluster', () => {
  it('forms a 3-node JetStream cluster that survives a killed node and takes it back', async () => {
    cluster = await startNatsCluster({ nodes: 3 });
    expect(cluster.nodes.map((n) => n.name)).toEqual(['n1', 'n2', 'n3']);
    expect(cluster.url.split(',')).toEqual(cluster.nodes.map((n) => n.url));
    const routes = await Promise.all(
      cluster.nodes.map(async (n) => ((await (await fetch(`${n.monitorUrl}/routez`)).json()) as any).num_routes),
    );
    expect(routes).toEqual([2, 2, 2]);

    nc = await connect({ servers: cluster.servers, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'T', subjects: ['t.>'], num_replicas: 3 });
    const js = jetstream(nc);
    await js.publish('t.1', 'one', { msgID: 'one' });

    const victim = cluster.nodes.find((n) => n.url !== nc!.getServer()) ?? cluster.nodes[0];
    const pid = victim.pid;
    await victim.kill('SIGKILL');
    expect(alive(pid)).toBe(false);
    // The stream keeps a quorum on the two others (a new leader within seconds if it was the leader).
    await expectEventually(async () => expect((await js.publish('t.2', 'two', { msgID: 'two' })).seq).toBe(2), {
      timeoutMs: 15_000,
      intervalMs: 250,
    });

    await victim.restart();
    expect(victim.pid).not.toBe(pid);
    await expectEventually(
      async () => {
        const info = await jsm.streams.info('T');
        expect(info.state.messages).toBe(2);
        const peers = [
          info.cluster!.leader,
          ...(info.cluster!.replicas ?? []).filter((r) => r.current).map((r) => r.name),
        ];
        expect(peers.sort()).toEqual(['n1', 'n2', 'n3']);
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );

    await nc.close();
    nc = undefined;
    const pids = cluster.nodes.map((n) => n.pid);
    await cluster.stop();
    cluster = undefined;
    expect(pids.filter(alive)).toEqual([]);
  }, 60_000);
});

// Which starting replicas are serving: a NATS service by its pid answering $SRV.STATS, an HTTP
// app by its own port answering its live path. Only called while some replica is starting.
import type { NatsConnection } from '@nats-io/transport-node';
import { discoverMesh } from '#mesh';
import { appEntry, replicaPort, type AppName } from './app-catalogue.js';

export interface StartingReplica {
  app: AppName;
  index: number;
  pid: number;
}

export async function servingPids(
  nc: NatsConnection,
  starting: readonly StartingReplica[],
  basePort: number,
): Promise<Set<number>> {
  const serving = new Set<number>();
  const http = starting.filter((r) => appEntry(r.app).http);
  const probes = http.map(async (r) => {
    const url = `http://127.0.0.1:${replicaPort(r.app, r.index, basePort)}${appEntry(r.app).http!.livePath}`;
    const ok = await fetch(url, { signal: AbortSignal.timeout(500) }).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ok) serving.add(r.pid);
  });
  if (http.length < starting.length) {
    const view = await discoverMesh(nc, { known: [], stallMs: 50, maxWaitMs: 500 });
    for (const s of view.services) for (const r of s.replicas) if (r.pid !== null) serving.add(r.pid);
  }
  await Promise.all(probes);
  return serving;
}

// Which starting replicas are serving: a NATS service by its pid answering $SRV.STATS as a
// replica that serves, an HTTP app by its own port answering its live path. Only called while
// some replica is starting. Replicas in $SRV that say they do not serve yet come back apart,
// with their reason, for the launcher to report.
import type { NatsConnection } from '@nats-io/transport-node';
import { discoverMesh, type WaitingReplicaView } from '#mesh';
import { appEntry, replicaPort, type AppName } from './app-catalogue.js';

export interface ProbeResult {
  serving: Set<number>;
  /** Replicas in $SRV that do not serve yet, each with its service. */
  waiting: Array<WaitingReplicaView & { service: string }>;
}

export interface StartingReplica {
  app: AppName;
  index: number;
  pid: number;
}

export async function probeStarting(
  nc: NatsConnection,
  starting: readonly StartingReplica[],
  basePort: number,
): Promise<ProbeResult> {
  const serving = new Set<number>();
  const waiting: ProbeResult['waiting'] = [];
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
    for (const s of view.services) {
      for (const r of s.replicas) if (r.pid !== null) serving.add(r.pid);
      for (const w of s.waiting) waiting.push({ ...w, service: s.name });
    }
  }
  await Promise.all(probes);
  return { serving, waiting };
}

// What is alive in the mesh right now, gathered over NATS's service API ($SRV.STATS): the same
// data `nats micro stats` shows, shaped for `GET /mesh` and `mesh status`.
import type { NatsConnection } from '@nats-io/transport-node';
import { Svcm } from '@nats-io/services';

export interface ReplicaView {
  id: string;
  pid: number | null;
  host: string | null;
  version: string;
  startedAt: string;
  requests: number;
  errors: number;
  averageLatencyMs: number;
}

export interface ServiceView {
  name: string;
  status: 'up' | 'down';
  replicas: ReplicaView[];
}

export interface MeshView {
  services: ServiceView[];
}

interface StatsReply {
  name: string;
  id: string;
  version: string;
  started: string;
  metadata?: Record<string, string> | null;
  endpoints?: Array<{ num_requests: number; num_errors: number; processing_time: number }> | null;
}

export interface DiscoveryOptions {
  /** Services always listed (as `down` when no replica answers). */
  known: readonly string[];
  /** Stop collecting once no new reply arrived for this long. */
  stallMs?: number;
  maxWaitMs?: number;
}

export async function discoverMesh(nc: NatsConnection, o: DiscoveryOptions): Promise<MeshView> {
  const replies: StatsReply[] = [];
  try {
    const client = new Svcm(nc as never).client({
      strategy: 'stall',
      stall: o.stallMs ?? 100,
      maxWait: o.maxWaitMs ?? 1000,
    } as never);
    for await (const s of await client.stats()) replies.push(s);
  } catch {
    // No service at all answers $SRV.STATS with "no responders": every service is down.
  }
  const byName = new Map<string, ReplicaView[]>(o.known.map((n) => [n, []]));
  for (const r of replies) {
    const list = byName.get(r.name) ?? [];
    list.push(toReplica(r));
    byName.set(r.name, list);
  }
  return {
    services: [...byName.entries()].map(([name, replicas]) => ({
      name,
      status: replicas.length > 0 ? 'up' : 'down',
      replicas: replicas.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id)),
    })),
  };
}

function toReplica(r: StatsReply): ReplicaView {
  let requests = 0;
  let errors = 0;
  let ns = 0;
  for (const e of r.endpoints ?? []) {
    requests += e.num_requests;
    errors += e.num_errors;
    ns += e.processing_time;
  }
  const pid = Number(r.metadata?.pid);
  return {
    id: r.id,
    pid: Number.isInteger(pid) ? pid : null,
    host: r.metadata?.host ?? null,
    version: r.version,
    startedAt: r.metadata?.startedAt ?? r.started,
    requests,
    errors,
    averageLatencyMs: requests === 0 ? 0 : Math.round(ns / requests / 1000) / 1000,
  };
}

// What is alive in the mesh right now, gathered over NATS's service API ($SRV.STATS): the same
// data `nats micro stats` shows, shaped for `GET /mesh` and `mesh status`. A replica that is in
// the mesh but does not serve yet (see not-serving.ts) is listed apart, with its reason: it is
// neither counted as live nor left out.
import type { NatsConnection } from '@nats-io/transport-node';
import { Svcm } from '@nats-io/services';
import { notServingOf } from './not-serving.js';

export interface ReplicaView {
  id: string;
  pid: number | null;
  host: string | null;
  version: string;
  startedAt: string;
  requests: number;
  errors: number;
  averageLatencyMs: number;
  /** Its concurrency limit, what it holds, what it refused and dropped (null: a replica too old to say). */
  overload: ReplicaOverloadView | null;
}

/** MeshServer's OverloadFigures, as $SRV.STATS carries them. */
export interface ReplicaOverloadView {
  enabled: boolean;
  limit: number;
  inFlight: number;
  refused: { critical: number; degradable: number; sheddable: number };
  expiredOnArrival: number;
  expiredBeforeQuery: number;
}

/** A replica in the mesh that answers no request yet, and why. */
export interface WaitingReplicaView {
  id: string;
  pid: number | null;
  host: string | null;
  version: string;
  startedAt: string;
  /** What it waits for: `database`. */
  waitingFor: string;
  /** `database 127.0.0.1:5999/failsoft unreachable: ECONNREFUSED 127.0.0.1:5999`. */
  state: string;
  /** Where it is trying, without credentials: `127.0.0.1:5999/failsoft`. */
  target: string | null;
}

export interface ServiceView {
  name: string;
  status: 'up' | 'down';
  /** Why it is down, as its waiting replicas say (their distinct states); null when up or nobody said. */
  reason: string | null;
  /** The replicas that serve. */
  replicas: ReplicaView[];
  /** The replicas in the mesh that do not serve yet. */
  waiting: WaitingReplicaView[];
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
  endpoints?: Array<{
    num_requests: number;
    num_errors: number;
    processing_time: number;
    data?: unknown;
  }> | null;
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
  const byName = new Map<string, { replicas: ReplicaView[]; waiting: WaitingReplicaView[] }>(
    o.known.map((n) => [n, { replicas: [], waiting: [] }]),
  );
  for (const r of replies) {
    let entry = byName.get(r.name);
    if (!entry) byName.set(r.name, (entry = { replicas: [], waiting: [] }));
    const why = notServingOf(r.metadata);
    if (why)
      entry.waiting.push({ ...identity(r), waitingFor: why.waitingFor, state: why.state, target: why.target ?? null });
    else entry.replicas.push(toReplica(r));
  }
  const byStart = (a: { startedAt: string; id: string }, b: { startedAt: string; id: string }) =>
    a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id);
  return {
    services: [...byName.entries()].map(([name, { replicas, waiting }]) => {
      // A replica hands over from waiting to serving by joining before it leaves: one process.
      const serving = new Set(replicas.map((r) => `${r.pid}@${r.host}`));
      const notYet = waiting.filter((w) => !serving.has(`${w.pid}@${w.host}`)).sort(byStart);
      const up = replicas.length > 0;
      return {
        name,
        status: up ? 'up' : 'down',
        reason: up || notYet.length === 0 ? null : [...new Set(notYet.map((w) => w.state))].join('; '),
        replicas: replicas.sort(byStart),
        waiting: notYet,
      };
    }),
  };
}

function identity(r: StatsReply): Pick<ReplicaView, 'id' | 'pid' | 'host' | 'version' | 'startedAt'> {
  const pid = Number(r.metadata?.pid);
  return {
    id: r.id,
    pid: Number.isInteger(pid) ? pid : null,
    host: r.metadata?.host ?? null,
    version: r.version,
    startedAt: r.metadata?.startedAt ?? r.started,
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
  return {
    ...identity(r),
    requests,
    errors,
    averageLatencyMs: requests === 0 ? 0 : Math.round(ns / requests / 1000) / 1000,
    overload: (r.endpoints?.[0]?.data as { overload?: ReplicaOverloadView } | null | undefined)?.overload ?? null,
  };
}

// Which replicas of each service answered lately. One `$SRV.PING` to the whole mesh every
// interval (a few hundred bytes a second); a replica that stops answering — killed, frozen by
// SIGSTOP, cut off — drops out of `alive` after `freshMs`. Callers use it to retry a timed-out
// request on replicas known to be alive (their direct subjects), not on whichever the queue
// group picks.
//
// A replica that stopped answering but was never seen to leave is `stale`: it may still be
// subscribed in its queue group (NATS keeps a frozen client for as long as traffic reaches it),
// so callers keep away from the queue group while a service has one. Each round, a stale
// replica's own `$SRV.PING.<service>.<id>` is probed: "no responders" proves it gone (killed, or
// dropped by the server), an answer brings it back.
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { connectionInbox } from './nats-connection.js';

interface PingReply {
  name?: unknown;
  id?: unknown;
}

export interface ReplicaDirectoryOptions {
  /** How often the mesh is pinged. */
  intervalMs: number;
  /** A replica not heard from for this long is no longer offered. */
  freshMs: number;
  /** A stale replica neither heard from nor proven gone for this long is forgotten anyway. */
  forgetAfterMs?: number;
}

export class ReplicaDirectory {
  private readonly seen = new Map<string, Map<string, number>>();
  private readonly inbox: string;
  private sub: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly o: ReplicaDirectoryOptions,
  ) {
    this.inbox = connectionInbox(nc);
  }

  start(): this {
    this.sub = this.nc.subscribe(`${this.inbox}.>`, {
      callback: (err, msg) => {
        if (err !== null) return;
        const probe = /\.probe\.([^.]+)\.([^.]+)$/.exec(msg.subject);
        if (probe && msg.data.length === 0 && msg.headers?.code === 503) {
          this.forget(probe[1], probe[2]); // nobody is subscribed as that replica any more
          return;
        }
        try {
          const r = msg.json<PingReply>();
          if (typeof r.name === 'string' && typeof r.id === 'string') this.heard(r.name, r.id);
        } catch {
          // not a ping reply
        }
      },
    });
    this.ping();
    this.timer = setInterval(() => this.ping(), this.o.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.sub?.unsubscribe();
  }

  /** Up to `max` replicas of `service` heard from within `freshMs`, the most recently heard first. */
  alive(service: string, max: number): string[] {
    const replicas = this.seen.get(service);
    if (!replicas) return [];
    const since = Date.now() - this.o.freshMs;
    const fresh: Array<[string, number]> = [];
    for (const entry of replicas) if (entry[1] >= since) fresh.push(entry);
    return fresh
      .sort((a, b) => b[1] - a[1])
      .slice(0, max)
      .map(([id]) => id);
  }

  /** Whether `service` has a replica that stopped answering and was not seen to leave. */
  hasStale(service: string): boolean {
    const replicas = this.seen.get(service);
    if (!replicas) return false;
    const since = Date.now() - this.o.freshMs;
    for (const at of replicas.values()) if (at < since) return true;
    return false;
  }

  /** A replica found gone (its direct subject has no subscriber): no longer offered or stale. */
  forget(service: string, id: string): void {
    this.seen.get(service)?.delete(id);
  }

  private heard(service: string, id: string): void {
    let replicas = this.seen.get(service);
    if (!replicas) this.seen.set(service, (replicas = new Map<string, number>()));
    replicas.set(id, Date.now());
  }

  private ping(): void {
    if (this.nc.isClosed()) return;
    try {
      this.nc.publish('$SRV.PING', '', { reply: `${this.inbox}.all` });
      const now = Date.now();
      for (const [service, replicas] of this.seen) {
        for (const [id, at] of replicas) {
          if (at >= now - this.o.freshMs) continue;
          if (at < now - (this.o.forgetAfterMs ?? 600_000)) replicas.delete(id);
          else this.nc.publish(`$SRV.PING.${service}.${id}`, '', { reply: `${this.inbox}.probe.${service}.${id}` });
        }
      }
    } catch {
      // disconnected: the next round will do
    }
  }
}

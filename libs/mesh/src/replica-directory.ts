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
//
// `vanished(service)` asks the same question at once, of every replica of a service: a caller
// whose read is slow uses it to learn within a millisecond or two that a replica was killed
// (the server drops a dead client's subscriptions as soon as its socket closes), and asks the
// live ones at once instead of waiting for its deadline.
//
// A replica that answers pings but says it does not serve yet (not-serving.ts) is never offered;
// its reason is kept for `notServing(service)`, so a caller that found no responder can say why.
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { connectionInbox } from './nats-connection.js';
import { notServingOf, type NotServing } from './not-serving.js';

interface PingReply {
  name?: unknown;
  id?: unknown;
  metadata?: Record<string, string> | null;
}

export interface ReplicaDirectoryOptions {
  /** How often the mesh is pinged. */
  intervalMs: number;
  /** A replica not heard from for this long is no longer offered. */
  freshMs: number;
  /** A stale replica neither heard from nor proven gone for this long is forgotten anyway. */
  forgetAfterMs?: number;
}

/** How long `vanished` waits for every replica's ping reply (a frozen one never answers). */
const CHECK_MS = 100;
/** A finished check is reused this long: a burst of slow reads costs one round of probes. */
const CHECK_REUSE_MS = 50;

export class ReplicaDirectory {
  private readonly seen = new Map<string, Map<string, number>>();
  /** Per service: replicas that said they do not serve yet, their reason and when heard. */
  private readonly waiting = new Map<string, Map<string, { why: NotServing; at: number }>>();
  private readonly inbox: string;
  private sub: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Per service: the check in flight or finished lately (see CHECK_REUSE_MS). */
  private readonly checks = new Map<string, { at: number; gone: Promise<boolean> }>();
  /** Reply subject of each probe of a check in flight → what its answer means. */
  private readonly awaiting = new Map<string, (present: boolean) => void>();
  private checkSeq = 0;
  /** Per service: when a replica of it was last found gone. */
  private readonly goneAt = new Map<string, number>();

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
        const settle = this.awaiting.get(msg.subject);
        if (settle) return settle(!(msg.data.length === 0 && msg.headers?.code === 503));
        const probe = /\.probe\.([^.]+)\.([^.]+)$/.exec(msg.subject);
        if (probe && msg.data.length === 0 && msg.headers?.code === 503) {
          this.forget(probe[1], probe[2]); // nobody is subscribed as that replica any more
          return;
        }
        try {
          const r = msg.json<PingReply>();
          if (typeof r.name !== 'string' || typeof r.id !== 'string') return;
          const why = notServingOf(r.metadata);
          if (why) this.heardWaiting(r.name, r.id, why);
          else this.heard(r.name, r.id);
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

  /**
   * Why `service` has no replica serving, when a replica of it heard from within `freshMs` said
   * it is in the mesh but not serving yet (e.g. waiting for its database); else undefined.
   */
  notServing(service: string): NotServing | undefined {
    const since = Date.now() - this.o.freshMs;
    let latest: { why: NotServing; at: number } | undefined;
    for (const entry of this.waiting.get(service)?.values() ?? []) {
      if (entry.at >= since && (!latest || entry.at > latest.at)) latest = entry;
    }
    return latest?.why;
  }

  /** Whether `service` has a replica that stopped answering and was not seen to leave. */
  hasStale(service: string): boolean {
    const replicas = this.seen.get(service);
    if (!replicas) return false;
    const since = Date.now() - this.o.freshMs;
    for (const at of replicas.values()) if (at < since) return true;
    return false;
  }

  /**
   * Whether a replica of `service` has vanished since `since` (ms since the epoch): one was
   * found gone since then — by a check, a probe or a caller's "no responders" — or one heard
   * from has now no subscriber on its own ping subject (killed, or dropped by the server). True
   * as soon as one such replica is found (and forgotten); false when every replica answered, or
   * after CHECK_MS.
   */
  vanished(service: string, since: number): Promise<boolean> {
    const now = Date.now();
    // Found gone already: a later check would no longer see it (it is forgotten).
    if ((this.goneAt.get(service) ?? -Infinity) >= since) return Promise.resolve(true);
    const last = this.checks.get(service);
    if (last && now - last.at < CHECK_REUSE_MS + CHECK_MS) return last.gone;
    const ids = [...(this.seen.get(service)?.keys() ?? [])];
    if (ids.length === 0 || this.nc.isClosed()) return Promise.resolve(false);
    const gone = new Promise<boolean>((resolve) => {
      const replies: string[] = [];
      let left = ids.length;
      let done = false;
      const finish = (found: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        for (const reply of replies) this.awaiting.delete(reply);
        // Reused for CHECK_REUSE_MS from now, whenever it finished.
        this.checks.set(service, { at: Date.now() - CHECK_MS, gone: Promise.resolve(found) });
        resolve(found);
      };
      const timer = setTimeout(() => finish(false), CHECK_MS);
      for (const id of ids) {
        const reply = `${this.inbox}.check.${(this.checkSeq++).toString(36)}`;
        replies.push(reply);
        this.awaiting.set(reply, (present) => {
          if (!present) {
            this.forget(service, id);
            finish(true);
          } else if (--left === 0) finish(false);
        });
        try {
          this.nc.publish(`$SRV.PING.${service}.${id}`, '', { reply });
        } catch {
          finish(false); // disconnected: the deadline will tell
          break;
        }
      }
    });
    this.checks.set(service, { at: now, gone });
    return gone;
  }

  /** A replica found gone (its direct subject has no subscriber): no longer offered or stale. */
  forget(service: string, id: string): void {
    if (this.seen.get(service)?.delete(id)) this.goneAt.set(service, Date.now());
  }

  private heard(service: string, id: string): void {
    let replicas = this.seen.get(service);
    if (!replicas) this.seen.set(service, (replicas = new Map<string, number>()));
    replicas.set(id, Date.now());
  }

  private heardWaiting(service: string, id: string, why: NotServing): void {
    let replicas = this.waiting.get(service);
    if (!replicas) this.waiting.set(service, (replicas = new Map<string, { why: NotServing; at: number }>()));
    const now = Date.now();
    replicas.set(id, { why, at: now });
    // A waiting replica re-registers (a new id) when its reason changes: forget the old ones.
    for (const [other, entry] of replicas) if (entry.at < now - this.o.freshMs) replicas.delete(other);
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

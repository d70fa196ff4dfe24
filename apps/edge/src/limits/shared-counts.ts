// Rate-limit counts shared by every edge through a JetStream KV bucket (RateLimitBucket). Each
// edge counts locally, at no cost per request, and every RATE_LIMIT_SYNC_MS adds what it
// counted to the bucket's value of each key (an optimistic update on the key's revision, tried
// again on a conflict) and reads back the total of all edges. So N edges together admit a budget
// once, give or take what they admit within one sync period, not N times.
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { RateLimitBucket } from '#contracts';

/**
 * The one place the bucket is opened: `create` makes it if missing (the first edge to start),
 * `bind` only opens it (a bucket deleted under a running edge is not silently remade with
 * everyone's counts at zero; the edge falls back to local limits until it is back).
 */
export function openRateLimitBucket(nc: NatsConnection): Promise<KV> {
  // Bind only: the provisioner makes the bucket (libs/contracts jetstream-layout.ts); the edge may not.
  return new Kvm(nc).open(RateLimitBucket.name);
}

interface Entry {
  /** The total of every edge, as last read from the bucket (our own synced counts included). */
  known: number;
  /** Counted here since the last sync. */
  pending: number;
  expiresAt: number;
  /** Last used here: a key used lately is read back at every sync, to learn the others' counts. */
  touchedAt: number;
  /** `known` is being kept current; false for a new key, or one idle for a while: read it first. */
  fresh: boolean;
  seeding?: Promise<void>;
}

interface Stored {
  /** The count. */
  c: number;
  /** When the window ends (epoch ms). */
  e: number;
}

/** What a count is now: the window's total as far as this edge knows, and when it ends. */
export interface Count {
  consumed: number;
  expiresAt: number;
}

const CONFLICT_TRIES = 3;
/** A key unused this long is no longer read back at each sync (it is read afresh when used). */
const IDLE_MS = 2000;
/** JetStream's answer to an update on a stale revision (API error 10071). */
const isConflict = (err: unknown) => String(err instanceof Error ? err.message : err).includes('wrong last sequence');

/** `posts.create:<account>` → `posts.create.<base64url(account)>` (KV keys allow [-/_=.A-Za-z0-9]). */
const kvKey = (rlKey: string) => {
  const i = rlKey.indexOf(':');
  return `${rlKey.slice(0, i)}.${Buffer.from(rlKey.slice(i + 1)).toString('base64url') || '_'}`;
};

/** A key's count in the bucket, if it has one whose window has not ended; and its entry. */
async function readCount(kv: KV, key: string) {
  const entry = await kv.get(key);
  if (!entry || entry.operation !== 'PUT') return entry ? { entry, stored: undefined } : undefined;
  const stored = entry.json<Stored>();
  return { entry, stored: stored.e > Date.now() ? stored : undefined };
}

export class SharedCounts {
  private readonly entries = new Map<string, Entry>();
  private kv?: KV;
  private lastSyncOk = 0;
  private timer?: NodeJS.Timeout;
  private syncing = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly syncMs: number,
    private readonly onSyncError: (err: unknown) => void = () => undefined,
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.sync(), this.syncMs);
    this.timer.unref();
    void this.sync();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Counts are served from here while the bucket answered lately (a few sync periods); after
   * that the caller falls back to its local limiter (RateLimiterMemory).
   */
  get available(): boolean {
    return this.kv !== undefined && Date.now() - this.lastSyncOk < Math.max(5 * this.syncMs, 1000);
  }

  /**
   * Counts `points` for a key and says the window's total. A key this edge has not used lately
   * is read from the bucket first (one round trip), so an edge joining a window late starts
   * from the others' count, not from zero.
   */
  async add(rlKey: string, points: number, windowMs: number): Promise<Count> {
    const kv = this.kv;
    if (!kv || !this.available) throw new Error('the shared rate-limit bucket is unavailable');
    const now = Date.now();
    let e = this.entries.get(rlKey);
    if (!e || e.expiresAt <= now) {
      e = { known: 0, pending: 0, expiresAt: now + windowMs, touchedAt: now, fresh: false };
      this.entries.set(rlKey, e);
    }
    if (!e.fresh) {
      const entry = e;
      entry.seeding ??= this.seed(kv, rlKey, entry).finally(() => (entry.seeding = undefined));
      await entry.seeding;
    }
    e.pending += points;
    e.touchedAt = Date.now();
    return { consumed: e.known + e.pending, expiresAt: e.expiresAt };
  }

  private async seed(kv: KV, rlKey: string, e: Entry): Promise<void> {
    const remote = (await readCount(kv, kvKey(rlKey)))?.stored;
    if (remote) Object.assign(e, { known: remote.c, expiresAt: remote.e });
    e.fresh = true;
  }

  get(rlKey: string): Count | null {
    if (!this.available) throw new Error('the shared rate-limit bucket is unavailable');
    const e = this.entries.get(rlKey);
    return e && e.expiresAt > Date.now() ? { consumed: e.known + e.pending, expiresAt: e.expiresAt } : null;
  }

  async delete(rlKey: string): Promise<boolean> {
    const had = this.entries.delete(rlKey);
    await this.kv?.delete(kvKey(rlKey));
    return had;
  }

  /** One sync: every key used since the last one, all at once. Not reentrant. */
  async sync(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      this.kv ??= await openRateLimitBucket(this.nc);
      const now = Date.now();
      const due: Array<[string, Entry]> = [];
      for (const [k, e] of this.entries) {
        if (e.expiresAt <= now) this.entries.delete(k);
        else if (e.pending !== 0 || now - e.touchedAt < IDLE_MS) due.push([k, e]);
        else e.fresh = false;
      }
      await Promise.all(due.map(([k, e]) => this.syncEntry(this.kv!, k, e)));
      this.lastSyncOk = Date.now();
    } catch (err) {
      this.kv = undefined;
      this.onSyncError(err);
    } finally {
      this.syncing = false;
    }
  }

  private async syncEntry(kv: KV, rlKey: string, e: Entry): Promise<void> {
    const key = kvKey(rlKey);
    for (let attempt = 1; ; attempt++) {
      const read = await readCount(kv, key);
      const remote = read?.stored;
      const got = read?.entry;
      const pending = e.pending;
      if (pending === 0) {
        if (remote) Object.assign(e, { known: remote.c, expiresAt: remote.e });
        return;
      }
      const next: Stored = { c: (remote?.c ?? 0) + pending, e: remote?.e ?? e.expiresAt };
      try {
        if (got) await kv.update(key, JSON.stringify(next), got.revision);
        else await kv.create(key, JSON.stringify(next));
      } catch (err) {
        if (!isConflict(err)) throw err;
        // Another edge wrote the key since we read it: read it again and add ours to theirs (or,
        // after a few tries, at the next sync: what we counted stays pending).
        if (attempt < CONFLICT_TRIES) continue;
        return;
      }
      e.pending -= pending;
      e.known = next.c;
      e.expiresAt = next.e;
      return;
    }
  }
}

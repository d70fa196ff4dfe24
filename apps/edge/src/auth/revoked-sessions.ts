// This edge's list of revoked sessions, so a signed-out session's access token is refused here
// without asking identity on each request. No JetStream consumer (an edge may create none, see
// docs/security.md): identity's revocations reach every edge live as they are published
// (a plain subscription to events.identity.sessions.revoked), and at start — and every few
// seconds after, for any missed while disconnected — the edge reads them from the EVENTS stream
// by message get: from the first message of the last access-token lifetime (found by bisecting
// the stream's sequence by time), then each next one on that subject. Each entry is forgotten
// once the tokens it refuses have expired anyway (the event's `until`).
import { jetstreamManager, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { Events, SessionsRevokedEvent } from '#contracts';
import { EVENTS_STREAM } from '#events';

/** How often the stream is read again for revocations a dropped connection may have missed. */
const CATCH_UP_MS = 5000;

export class RevokedSessions {
  private readonly until = new Map<string, number>();
  private readonly listeners: Array<(sessionIds: string[]) => void> = [];
  private sub?: Subscription;
  private stopped = false;
  private sweeper?: NodeJS.Timeout;
  private catchUp?: NodeJS.Timeout;
  /** The stream sequence read up to (inclusive); 0 until the first read found where to start. */
  private readSeq = 0;

  constructor(private readonly o: { accessTokenTtlMs: number; logger: Logger }) {}

  has(sessionId: string): boolean {
    const until = this.until.get(sessionId);
    return until !== undefined && until > Date.now();
  }

  /** Revokes at once on this edge (a logout here need not wait for its own event). */
  add(sessionIds: string[], untilMs: number): void {
    const fresh = sessionIds.filter((id) => !this.has(id));
    for (const id of sessionIds) this.until.set(id, Math.max(untilMs, this.until.get(id) ?? 0));
    if (fresh.length > 0) for (const l of this.listeners) l(fresh);
  }

  /** Called with each batch of newly revoked sessions (open streams of theirs end). */
  onRevoked(listener: (sessionIds: string[]) => void): void {
    this.listeners.push(listener);
  }

  start(nc: NatsConnection): this {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
    this.sub = nc.subscribe(Events.identity.sessionsRevoked, {
      callback: (err, m) => {
        if (!err) this.take(m.json(), m.subject);
      },
    });
    let jsm: JetStreamManager | undefined;
    let reading = false;
    const read = async () => {
      if (reading) return; // one reader at a time: a slow read is not overtaken by the next tick
      reading = true;
      try {
        jsm ??= await jetstreamManager(nc, { checkAPI: false });
        await this.readStream(jsm);
      } catch (err) {
        if (!this.stopped)
          this.o.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'revocations not read');
      } finally {
        reading = false;
      }
    };
    void read();
    this.catchUp = setInterval(() => void read(), CATCH_UP_MS);
    this.catchUp.unref();
    return this;
  }

  stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    clearInterval(this.catchUp);
    this.sub?.unsubscribe();
    return Promise.resolve();
  }

  private take(data: unknown, where: string | number): void {
    const parsed = SessionsRevokedEvent.safeParse(data);
    if (parsed.success) this.add(parsed.data.sessionIds, Date.parse(parsed.data.until));
    else this.o.logger.warn({ at: where, error: parsed.error.message }, 'invalid session revocation skipped');
  }

  /** Every revocation on the stream after `readSeq` (first: after now − one token lifetime). */
  private async readStream(jsm: JetStreamManager): Promise<void> {
    const get = (seq: number, subject: string): Promise<StoredMsg | null> =>
      jsm.streams.getMessage(EVENTS_STREAM, { seq, next_by_subj: subject } as never).catch((err: unknown) => {
        // "no message found": nothing at or after seq on that subject.
        if (err instanceof Error && /no message found/i.test(err.message)) return null;
        throw err;
      });
    if (this.readSeq === 0)
      this.readSeq = (await this.firstSeqSince(jsm, Date.now() - this.o.accessTokenTtlMs, get)) - 1;
    for (;;) {
      const m = await get(this.readSeq + 1, Events.identity.sessionsRevoked);
      if (!m) return;
      this.take(m.json(), m.seq);
      this.readSeq = m.seq;
    }
  }

  /** The first sequence of a message stored at or after `sinceMs`, by bisection over the stream. */
  private async firstSeqSince(
    jsm: JetStreamManager,
    sinceMs: number,
    get: (seq: number, subject: string) => Promise<StoredMsg | null>,
  ): Promise<number> {
    const { state } = await jsm.streams.info(EVENTS_STREAM);
    let [lo, hi] = [state.first_seq, state.last_seq + 1];
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const m = await get(mid, '>');
      if (!m || m.time.getTime() >= sinceMs) hi = mid;
      else lo = m.seq + 1;
    }
    return Math.max(lo, 1);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, until] of this.until) if (until <= now) this.until.delete(id);
  }
}

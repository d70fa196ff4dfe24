// This edge's list of revoked sessions, so a signed-out session's access token is refused here
// without asking identity on each request. Fed by an ordered (ephemeral, in-memory) JetStream
// consumer of events.identity.sessions.revoked that starts one access-token lifetime back: a
// freshly started edge learns every revocation whose tokens could still be presented. Each entry
// is forgotten once the tokens it refuses have expired anyway (the event's `until`).
import { DeliverPolicy, jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { Events, SessionsRevokedEvent } from '#contracts';
import { EVENTS_STREAM } from '#events';

/** After a failure (JetStream down, no EVENTS stream yet) the consumer is made again this much later. */
const RESTART_MS = 1000;

export class RevokedSessions {
  private readonly until = new Map<string, number>();
  private readonly listeners: Array<(sessionIds: string[]) => void> = [];
  private messages?: ConsumerMessages;
  private stopped = false;
  private sweeper?: NodeJS.Timeout;

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
    void this.run(nc);
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    await this.messages?.close();
  }

  private async run(nc: NatsConnection): Promise<void> {
    while (!this.stopped) {
      try {
        const consumer = await jetstream(nc).consumers.get(EVENTS_STREAM, {
          filter_subjects: Events.identity.sessionsRevoked,
          deliver_policy: DeliverPolicy.StartTime,
          opt_start_time: new Date(Date.now() - this.o.accessTokenTtlMs).toISOString(),
        });
        this.messages = await consumer.consume();
        if (this.stopped) await this.messages.close();
        for await (const m of this.messages) {
          const parsed = SessionsRevokedEvent.safeParse(m.json());
          if (parsed.success) this.add(parsed.data.sessionIds, Date.parse(parsed.data.until));
          else this.o.logger.warn({ seq: m.seq, error: parsed.error.message }, 'invalid session revocation skipped');
        }
      } catch (err) {
        if (this.stopped) return;
        this.o.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'revocation feed interrupted');
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, RESTART_MS));
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, until] of this.until) if (until <= now) this.until.delete(id);
  }
}

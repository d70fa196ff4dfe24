// The transactional outbox: a service writes each event into its own `outbox` table in the same
// transaction as the change it reports, so the event exists if and only if the change committed.
// The relay (outbox-relay.ts) publishes it afterwards; a crash in between only delays it.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { EventSchemas, MeshHeaders, type EventFacts, type EventOf, type EventSubject } from '#contracts';
import { requestContext, TRACEPARENT } from '#runtime';
import { qualifiedTable, type WriteTransaction } from '#persistence';

export class Outbox {
  readonly table: string;
  private readonly listeners: Array<() => void> = [];

  constructor(dataSource: DataSource) {
    this.table = qualifiedTable(dataSource, 'outbox');
  }

  /**
   * Adds the event to `tx`; answers it (with its id and time). Once `tx` commits, the relay of
   * this replica is woken at once; if it never is (the process died), a poll finds the row.
   */
  async add<S extends EventSubject>(tx: WriteTransaction, subject: S, facts: EventFacts<S>): Promise<EventOf<S>> {
    // A producer bug (a fact that breaks the contract) fails the write, not every consumer.
    const event = EventSchemas[subject].parse({
      ...facts,
      eventId: randomUUID(),
      occurredAt: new Date().toISOString(),
    }) as EventOf<S>;
    await tx.db.query({
      name: 'outbox.add',
      text: `INSERT INTO ${this.table} (id, subject, payload, headers) VALUES ($1, $2, $3::jsonb, $4::jsonb)`,
      values: [event.eventId, subject, JSON.stringify(event), JSON.stringify(publishHeaders())],
    });
    tx.afterCommit(() => this.listeners.forEach((l) => l()));
    return event;
  }

  /** The relay's wake-up: called after each commit that added events. */
  onCommitted(listener: () => void): void {
    this.listeners.push(listener);
  }
}

/** The request id and trace context of the write adding the event, to publish it with. */
function publishHeaders(): Record<string, string> {
  const ctx = requestContext.getStore();
  const h: Record<string, string> = {};
  if (ctx?.requestId) h[MeshHeaders.requestId] = ctx.requestId;
  if (ctx?.traceparent) h[TRACEPARENT] = ctx.traceparent;
  return h;
}

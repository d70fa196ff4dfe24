// Stream tickets: `POST /events/ticket` stores a random ticket in the JetStream KV bucket
// `event_tickets` (shared by every edge), `GET /events?ticket=` takes it out. Single use: the
// redeemer deletes the entry on condition that it is still the revision it read, so of two edges
// redeeming one ticket at once exactly one succeeds. The bucket's TTL forgets unused tickets.
import { randomBytes } from 'node:crypto';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCodes, EventTicketBucket, MeshError, type EventTicket, type EventTicketReply } from '#contracts';
import type { VerifiedToken } from '../auth/token-verifier.js';

/**
 * Binds to the ticket bucket. The provisioner makes it (libs/contracts jetstream-layout.ts, from
 * EventTicketBucket); the edge may not create buckets.
 */
export function openEventTicketBucket(nc: NatsConnection): Promise<KV> {
  return new Kvm(nc).open(EventTicketBucket.name);
}

const refused = () => new MeshError(ErrorCodes.unauthenticated, 'The ticket is unknown, used or expired.');
const unavailable = (err: unknown) =>
  new MeshError(
    ErrorCodes.unavailable,
    `stream tickets are unavailable (${err instanceof Error ? err.message : String(err)})`,
  );

export class EventTickets {
  private opening?: Promise<KV>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly ttlSeconds: number,
  ) {}

  async issue(v: VerifiedToken): Promise<EventTicketReply> {
    const ticket = randomBytes(24).toString('base64url');
    const entry: EventTicket = {
      userId: v.user.id,
      username: v.user.username,
      displayName: v.user.displayName,
      createdAt: v.user.createdAt,
      sessionId: v.sessionId,
      tokenExpiresAtMs: v.expiresAtMs,
      expiresAtMs: Date.now() + this.ttlSeconds * 1000,
    };
    const kv = await this.bucket();
    await kv.create(ticket, JSON.stringify(entry)).catch((err: unknown) => {
      throw unavailable(err);
    });
    return { ticket, expiresIn: this.ttlSeconds };
  }

  /** The ticket's contents, once: the entry is gone for every other edge. */
  async redeem(ticket: string): Promise<EventTicket> {
    // KV keys are base64url here; anything else was never issued (and must not reach the key).
    if (!/^[A-Za-z0-9_-]{32}$/.test(ticket)) throw refused();
    const kv = await this.bucket();
    const found = await kv.get(ticket).catch((err: unknown) => {
      throw unavailable(err);
    });
    if (!found || found.operation !== 'PUT') throw refused();
    try {
      await kv.delete(ticket, { previousSeq: found.revision });
    } catch {
      // Someone redeemed it between our read and our delete (or JetStream went away): not ours.
      throw refused();
    }
    const entry = found.json<EventTicket>();
    if (entry.expiresAtMs <= Date.now() || entry.tokenExpiresAtMs <= Date.now()) throw refused();
    return entry;
  }

  private bucket(): Promise<KV> {
    this.opening ??= openEventTicketBucket(this.nc).catch((err: unknown) => {
      this.opening = undefined;
      throw unavailable(err);
    });
    return this.opening;
  }
}

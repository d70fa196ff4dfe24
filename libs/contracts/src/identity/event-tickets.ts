// Stream tickets: `POST /events/ticket` hands out a short-lived, single-use ticket that
// `GET /events?ticket=` takes instead of a token in the URL (EventSource cannot send headers).
// Every edge keeps them in one JetStream KV bucket, so a ticket works once, at any edge.

/** How long a ticket may wait before it opens a stream. */
export const EVENT_TICKET_TTL_SECONDS = 30;

/**
 * The KV bucket of tickets, declared once so whoever provisions JetStream creates it as the edge
 * expects. `ttl` is twice a ticket's life: the bucket forgets unused tickets on its own.
 */
export const EventTicketBucket = {
  name: 'event_tickets',
  ttlMs: 2 * EVENT_TICKET_TTL_SECONDS * 1000,
  history: 1,
  /** A ticket is ~300 bytes; 64 MiB holds ~200 000 unused ones. */
  maxBytes: 64 * 1024 * 1024,
} as const;

/** What a ticket stands for: the signed-in user, their session, and when their token expires. */
export interface EventTicket {
  userId: string;
  username: string;
  displayName: string;
  createdAt: string;
  sessionId: string;
  /** The access token's expiry (ms since epoch): the stream ends then. */
  tokenExpiresAtMs: number;
  /** The ticket's own expiry (ms since epoch). */
  expiresAtMs: number;
}

export interface EventTicketReply {
  ticket: string;
  expiresIn: number;
}

// This replica's open `GET /events` streams, by user: core-NATS subscriptions to
// `live.messages.<userId>` and `live.notifications.<userId>` (no queue group, so every replica
// holding a stream of that user gets each push) while the user has at least one stream here,
// gone with the last one. One shared
// keep-alive timer while any stream is open. On shutdown every stream is ended, so Fastify's
// close (which waits for open connections) does not hang on them.
// Bounded: at most `perAccount` streams of one user and `perReplica` in all (admit() refuses the
// next with 429 / 503 before the stream starts). A stream ends with `event: session-ended` when
// the access token it was opened with expires or its session is revoked.
import type { ServerResponse } from 'node:http';
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { Gauge, type Registry } from 'prom-client';
import { ErrorCodes, LIVE_EVENT_HEADER, LiveEvents, LiveSubjects, MeshError } from '#contracts';

/** What an EventSource waits before reconnecting after the stream drops. */
export const SSE_RETRY_MS = 3000;
/** A client this far behind (bytes queued in the socket) is cut off; it reconnects and reads the conversation. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface LiveStreamsOptions {
  nc: NatsConnection;
  /** A comment line at least this often keeps proxies and clients from timing out (SSE_KEEPALIVE_MS). */
  keepAliveMs: number;
  /** Where `edge_live_streams` and `edge_live_subscriptions` are exposed (GET /metrics). */
  registry: Registry;
  /** Open streams one user may hold on this replica (EVENTS_STREAMS_PER_ACCOUNT). */
  perAccount: number;
  /** Open streams this replica holds in all (EVENTS_STREAMS_PER_REPLICA). */
  perReplica: number;
  /** Where revocations are announced (the edge's revocation list): their streams end. */
  onRevoked: (listener: (sessionIds: string[]) => void) => void;
}

/** The session a stream was opened with: it ends when the token expires or the session is revoked. */
export interface StreamSession {
  sessionId: string;
  tokenExpiresAtMs: number;
}

/** What a client refused a stream should wait before trying again, in seconds. */
export const STREAM_RETRY_AFTER_SECONDS = 5;

export class StreamRefused extends MeshError {
  constructor(
    code: typeof ErrorCodes.rateLimited | typeof ErrorCodes.unavailable,
    message: string,
    readonly retryAfterSeconds = STREAM_RETRY_AFTER_SECONDS,
  ) {
    super(code, message);
  }
}
export const LIVE_STREAMS_OPTIONS = Symbol('LIVE_STREAMS_OPTIONS');

interface UserStreams {
  subs: Subscription[];
  streams: Set<ServerResponse>;
}

interface OpenStream {
  sessionId: string;
  expiry: NodeJS.Timeout;
}

@Injectable()
export class LiveStreams implements BeforeApplicationShutdown {
  private readonly byUser = new Map<string, UserStreams>();
  private readonly sessions = new Map<ServerResponse, OpenStream>();
  private streamCount = 0;
  private keepAlive: NodeJS.Timeout | undefined;

  constructor(@Inject(LIVE_STREAMS_OPTIONS) private readonly o: LiveStreamsOptions) {
    o.onRevoked((ids) => this.endSessions(ids));
    const counts = () => this.counts;
    new Gauge({
      name: 'edge_live_streams',
      help: 'Open GET /events streams on this edge replica',
      registers: [o.registry],
      collect() {
        this.set(counts().streams);
      },
    });
    new Gauge({
      name: 'edge_live_subscriptions',
      help: 'Users this edge replica holds live delivery for (one per user with a stream here; two NATS subscriptions each, messages and notifications)',
      registers: [o.registry],
      collect() {
        this.set(counts().subscriptions);
      },
    });
  }

  /** Open streams and NATS subscriptions on this replica. */
  get counts(): { streams: number; subscriptions: number } {
    return { streams: this.streamCount, subscriptions: this.byUser.size };
  }

  /** Refuses a stream over a cap (call before the response starts, so the refusal is a problem). */
  admit(userId: string): void {
    const mine = this.byUser.get(userId)?.streams.size ?? 0;
    if (mine >= this.o.perAccount) {
      throw new StreamRefused(
        ErrorCodes.rateLimited,
        `At most ${this.o.perAccount} open event streams per account: close one first.`,
      );
    }
    if (this.streamCount >= this.o.perReplica) {
      throw new StreamRefused(
        ErrorCodes.unavailable,
        `This edge replica holds its maximum of ${this.o.perReplica} event streams: try again (or another replica).`,
        1,
      );
    }
  }

  /** Ends, with `event: session-ended`, every open stream of these sessions (they were revoked). */
  endSessions(sessionIds: string[]): void {
    const ended = new Set(sessionIds);
    for (const [res, s] of [...this.sessions]) if (ended.has(s.sessionId)) this.endSession(res, 'revoked');
  }

  /** Starts an event stream on a response whose headers are not sent yet; it ends when the client goes. */
  open(userId: string, session: StreamSession, res: ServerResponse, headers: Record<string, string>): void {
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and friends must pass events through at once, not buffer them.
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${SSE_RETRY_MS}\n: connected\n\n`);
    let user = this.byUser.get(userId);
    if (!user) {
      const streams = new Set<ServerResponse>();
      // A Message or a Notification is one line of JSON (JSON.stringify escapes newlines), so one data line.
      // The publisher may name another event of the subject's (a removal) in the live-event header.
      const relay = (subject: string, event: string, others: readonly string[] = []) =>
        this.o.nc.subscribe(subject, {
          callback: (err, msg) => {
            if (err) return;
            const asked = msg.headers?.get(LIVE_EVENT_HEADER);
            const name = asked && others.includes(asked) ? asked : event;
            this.broadcast(streams, `event: ${name}\ndata: ${msg.string()}\n\n`);
          },
        });
      const subs = [
        relay(LiveSubjects.message(userId), 'message'),
        relay(LiveSubjects.notification(userId), 'notification', [LiveEvents.notificationRemoved]),
      ];
      user = { subs, streams };
      this.byUser.set(userId, user);
    }
    user.streams.add(res);
    this.streamCount++;
    const expiry = setTimeout(
      () => this.endSession(res, 'expired'),
      Math.max(0, session.tokenExpiresAtMs - Date.now()),
    );
    this.sessions.set(res, { sessionId: session.sessionId, expiry });
    this.keepAlive ??= setInterval(() => this.sendKeepAlive(), this.o.keepAliveMs);
    res.once('close', () => this.remove(userId, res));
    res.on('error', () => res.destroy());
  }

  /** Ends every stream (the edge is stopping): clients see the stream end and reconnect elsewhere. */
  beforeApplicationShutdown(): void {
    for (const { streams } of [...this.byUser.values()]) {
      for (const res of [...streams]) res.end();
    }
  }

  /** The client refreshes its token (or signs in again) and opens a new stream with a new ticket. */
  private endSession(res: ServerResponse, reason: 'expired' | 'revoked'): void {
    if (!res.writableEnded) res.end(`event: session-ended\ndata: ${JSON.stringify({ reason })}\n\n`);
  }

  private remove(userId: string, res: ServerResponse): void {
    const user = this.byUser.get(userId);
    if (!user?.streams.delete(res)) return;
    const session = this.sessions.get(res);
    if (session) clearTimeout(session.expiry);
    this.sessions.delete(res);
    this.streamCount--;
    if (user.streams.size === 0) {
      for (const sub of user.subs) sub.unsubscribe();
      this.byUser.delete(userId);
    }
    if (this.streamCount === 0 && this.keepAlive) {
      clearInterval(this.keepAlive);
      this.keepAlive = undefined;
    }
  }

  private broadcast(streams: Set<ServerResponse>, chunk: string): void {
    for (const res of streams) {
      if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
      else res.write(chunk);
    }
  }

  private sendKeepAlive(): void {
    for (const { streams } of this.byUser.values()) this.broadcast(streams, ': keep-alive\n\n');
  }
}

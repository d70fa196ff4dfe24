import { connect, createInbox, type NatsConnection } from '@nats-io/transport-node';
import { hostname } from 'node:os';
import { MinorityWatch, type MinorityWatchOptions } from './minority-watch.js';

export interface NatsConnectionOptions {
  url: string;
  name: string;
  /** `listed`: try the servers in NATS_URL's order rather than at random (see NATS_SERVER_ORDER). */
  serverOrder?: 'random' | 'listed';
  /** How often the client pings the server; a dead server is noticed after maxPingOut misses. */
  pingIntervalMs?: number;
  /** The app's NATS user (see `mesh nats-auth`); its replies then arrive under `_INBOX.<user>`. */
  user?: string;
  password?: string;
  /** Leaves a node on the minority side of a partition (see MinorityWatch); connectNats makes one. */
  minorityWatch?: MinorityWatch;
}

/**
 * Where an app's replies arrive. NATS permissions let each app subscribe only under its own
 * prefix, so no app can read another's replies.
 */
export function inboxPrefixFor(user: string): string {
  return `_INBOX.${user}`;
}

/** Connection settings every mesh member uses: reconnect forever, notice a dead server fast. */
export function natsConnectOptions(opts: NatsConnectionOptions) {
  return {
    servers: opts.url.split(',').map((s) => s.trim()),
    noRandomize: opts.serverOrder === 'listed',
    name: `${opts.name}@${hostname()}:${process.pid}`,
    // nats.js gives up after 10 tries by default; a mesh member must never give up.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    waitOnFirstConnect: true,
    // Each dial gives up after this (nats.js's default is 20 s): a node behind a cut link must not
    // hold up the move to the next one.
    timeout: 2000,
    ...(opts.minorityWatch ? { reconnectToServer: opts.minorityWatch.pick } : {}),
    pingInterval: opts.pingIntervalMs ?? 10_000,
    maxPingOut: 2,
    // Async stack traces allocate an Error per request; the mesh client maps errors itself.
    noAsyncTraces: true,
    ...(opts.user ? { user: opts.user, pass: opts.password, inboxPrefix: inboxPrefixFor(opts.user) } : {}),
  };
}

/** A watch for a connection to `url`'s servers (docs/drills.md, "many hosts"). */
export function minorityWatchFor(url: string, logger?: MinorityWatchOptions['logger']): MinorityWatch {
  return new MinorityWatch({ configuredServers: url.split(',').length, logger });
}

/** A mesh member's connection, watched for a node on the minority side of a partition. */
export async function connectNats(
  opts: NatsConnectionOptions & { logger?: MinorityWatchOptions['logger'] },
): Promise<NatsConnection> {
  const watch = opts.minorityWatch ?? minorityWatchFor(opts.url, opts.logger);
  const nc = await connect(natsConnectOptions({ ...opts, minorityWatch: watch }));
  watch.watch(nc);
  return nc;
}

/** A fresh inbox subject under the connection's own prefix (see inboxPrefixFor). */
export function connectionInbox(nc: NatsConnection): string {
  return createInbox((nc as unknown as { options?: { inboxPrefix?: string } }).options?.inboxPrefix);
}

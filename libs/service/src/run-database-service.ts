// How a service with a database starts and stops: its data source opened (connected, migrated)
// first, optionally a NATS connection of its own for what its handlers ask (other services, the
// object store) and for its domain events, then the mesh.
// While the database cannot be opened the replica retries, and meanwhile it is in the mesh
// without serving (NotServingAnnouncement): $SRV lists it with its reason ("database
// 127.0.0.1:5999/failsoft unreachable: ECONNREFUSED 127.0.0.1:5999"), callers that find no
// replica serving say "posts cannot reach its database", and its health server is live but not
// ready. It takes no request and consumes no event until the database is open; then it joins as
// usual and the announcement leaves.
// Events: the streams and consumers (made by the provisioner) are waited for first; a producer's outbox relay starts with the replica and
// makes a last pass after the drain; a consumer's consumers start once the replica has joined the
// mesh and drain alongside it. The connection and the data source are closed after all that —
// nothing uses them any more — or at once if the start fails.
import type { DynamicModule, Type } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { connectNats, NotServingAnnouncement, type AdmissionOptions } from '#mesh';
import {
  awaitProvisioned,
  startEventConsumers,
  type EventHandlerSet,
  type RunningEventConsumers,
  Outbox,
  OutboxRelay,
} from '#events';
import { runService, type RunningService } from './run-service.js';
import { startHealthServer, type HealthServer, type LogLevel } from '#runtime';
import { classifyDatabaseError, openDatabase } from '#persistence';
import { consumersOf, DEADLETTER_STREAM, EVENTS_STREAM } from '#contracts';

export interface ServiceEnv {
  NATS_URL: string;
  NATS_PING_INTERVAL_MS: number;
  NATS_SERVER_ORDER?: 'random' | 'listed';
  NATS_USER?: string;
  NATS_PASSWORD?: string;
  DRAIN_TIMEOUT_MS: number;
  LOG_LEVEL: LogLevel;
  /** /health/live and /health/ready on this port; 0 or unset: off. */
  HEALTH_PORT?: number;
  /** Traces go to this OTLP/HTTP collector; unset: off. */
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  /** The `meshEnv` overload settings (libs/runtime/src/env.ts); unset: their defaults. */
  OVERLOAD_PROTECTION?: boolean;
  CONCURRENCY_LIMIT_INITIAL?: number;
  CONCURRENCY_LIMIT_MIN?: number;
  CONCURRENCY_LIMIT_MAX?: number;
}

/** The `eventsEnv` variables (libs/runtime/src/env.ts). */
export interface EventsEnv {
  EVENTS_MAX_DELIVER: number;
  EVENTS_RETRY_BACKOFF_MS: number;
  EVENTS_CONCURRENCY: number;
}

/** The `outboxEnv` variables (libs/runtime/src/env.ts). */
export interface OutboxEnv {
  OUTBOX_RELAY_ENABLED: boolean;
  OUTBOX_POLL_MS: number;
  OUTBOX_AUDIT_MS: number;
}

export interface ServiceEvents {
  env: EventsEnv;
  /** The service writes events to its outbox (listed in its migrations): relay them. */
  outbox?: OutboxEnv;
  /** The provider (in the service's module) with the service's event handlers. */
  handlers?: Type<EventHandlerSet>;
}

/** What the service's module gets besides its client connection. */
export interface ServiceKit {
  /** Present when the service writes events. */
  outbox: Outbox | undefined;
}

export interface DatabaseServiceOptions {
  service: string;
  version: string;
  env: ServiceEnv;
  logger: Logger;
  /** Opened here (connected and migrated, retrying while PostgreSQL is unreachable), if it is not yet. */
  dataSource: DataSource;
  /** The service's own schema, which the migrations create. */
  schema: string;
  /** Open a second NATS connection under this name and hand it to `module`. */
  clientConnection?: string;
  /** Domain events this service publishes (outbox) or consumes (handlers). */
  events?: ServiceEvents;
  /** Other JetStream streams it binds to before it serves (its object store's, `OBJ_media`). */
  streams?: string[];
  module: (client: NatsConnection | undefined, kit: ServiceKit) => DynamicModule | Promise<DynamicModule>;
  handleSignals?: boolean;
}

export async function runDatabaseService(o: DatabaseServiceOptions): Promise<RunningService> {
  const { env, events, logger } = o;
  // Up before the database is open: a replica waiting for it is live, and not ready.
  const health: HealthServer | undefined = env.HEALTH_PORT
    ? await startHealthServer({ port: env.HEALTH_PORT, ready: () => false })
    : undefined;
  const announcement = new NotServingAnnouncement({
    service: o.service,
    version: o.version,
    logger,
    connect: () =>
      connectNats({
        url: env.NATS_URL,
        name: o.service,
        pingIntervalMs: env.NATS_PING_INTERVAL_MS,
        serverOrder: env.NATS_SERVER_ORDER,
        user: env.NATS_USER,
        password: env.NATS_PASSWORD,
        logger,
      }),
  });
  try {
    await openDatabase(o.dataSource, {
      schema: o.schema,
      logger,
      checkDeadlines: env.OVERLOAD_PROTECTION !== false,
      onFailure: (f) => announcement.show({ waitingFor: 'database', state: f.state, target: f.target }),
    });
  } catch (err) {
    await announcement.end();
    await health?.close();
    throw err;
  }
  // The server's own connection exists only once Nest listens, and it is drained on stop while
  // handlers may still be asking: so calls (and events) go over a connection of their own.
  const clientName = o.clientConnection ?? (events ? `${o.service}-events` : undefined);
  const client = clientName
    ? await connectNats({
        url: env.NATS_URL,
        name: clientName,
        pingIntervalMs: env.NATS_PING_INTERVAL_MS,
        serverOrder: env.NATS_SERVER_ORDER,
        user: env.NATS_USER,
        password: env.NATS_PASSWORD,
        logger,
      })
    : undefined;
  const outbox = events?.outbox ? new Outbox(o.dataSource) : undefined;
  const relay =
    outbox && events?.outbox?.OUTBOX_RELAY_ENABLED
      ? new OutboxRelay(o.dataSource, outbox, client!, {
          logger: logger.child({ component: 'outbox' }),
          pollMs: events.outbox.OUTBOX_POLL_MS,
          auditMs: events.outbox.OUTBOX_AUDIT_MS,
        })
      : undefined;
  let consumers: RunningEventConsumers | undefined;
  const close = async () => {
    await relay?.stop();
    if (client) await client.drain().catch(() => client.close());
    await o.dataSource.destroy();
  };
  let running: RunningService | undefined;
  try {
    const parts = {
      streams: [
        ...(events ? [EVENTS_STREAM] : []),
        ...(events?.handlers ? [DEADLETTER_STREAM] : []),
        ...(o.streams ?? []),
      ],
      consumers: events?.handlers ? consumersOf(o.service) : [],
    };
    if (client && parts.streams.length > 0) {
      // The provisioner makes them; this replica may only bind (docs/security.md).
      await awaitProvisioned(client, parts, (state) => {
        logger.warn({ state }, 'waiting for the JetStream layout');
        announcement.show({ waitingFor: 'jetstream', state });
      });
    }
    if (outbox && !relay) logger.warn('OUTBOX_RELAY_ENABLED=false: this replica leaves its events to its siblings');
    relay?.start();
    running = await runService({
      module: await o.module(client, { outbox }),
      service: o.service,
      version: o.version,
      natsUrl: env.NATS_URL,
      pingIntervalMs: env.NATS_PING_INTERVAL_MS,
      natsServerOrder: env.NATS_SERVER_ORDER,
      natsUser: env.NATS_USER,
      natsPassword: env.NATS_PASSWORD,
      health,
      tracingEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
      drainTimeoutMs: env.DRAIN_TIMEOUT_MS,
      admission: admissionOf(env),
      logger,
      classifyError: classifyDatabaseError,
      handleSignals: o.handleSignals,
      onStopping: async () => consumers?.stop(env.DRAIN_TIMEOUT_MS),
      onStopped: close,
    });
    // Joined with its endpoints: the not-serving entry leaves only now, so the service is never
    // absent from $SRV in between.
    await announcement.end();
    if (events?.handlers) {
      consumers = await startEventConsumers(client!, {
        service: o.service,
        handlers: running.app.get(events.handlers).handlers,
        settings: {
          maxDeliver: events.env.EVENTS_MAX_DELIVER,
          retryBackoffMs: events.env.EVENTS_RETRY_BACKOFF_MS,
          concurrency: events.env.EVENTS_CONCURRENCY,
        },
        logger,
      });
    }
    return running;
  } catch (err) {
    await announcement.end();
    if (running) await running.stop();
    else {
      await close();
      await health?.close();
    }
    throw err;
  }
}

/** The replica's concurrency limit from its env; what is unset keeps DEFAULT_ADMISSION's value. */
function admissionOf(env: ServiceEnv): Partial<AdmissionOptions> {
  const o: Partial<AdmissionOptions> = {};
  if (env.OVERLOAD_PROTECTION !== undefined) o.enabled = env.OVERLOAD_PROTECTION;
  if (env.CONCURRENCY_LIMIT_INITIAL !== undefined) o.initial = env.CONCURRENCY_LIMIT_INITIAL;
  if (env.CONCURRENCY_LIMIT_MIN !== undefined) o.min = env.CONCURRENCY_LIMIT_MIN;
  if (env.CONCURRENCY_LIMIT_MAX !== undefined) o.max = env.CONCURRENCY_LIMIT_MAX;
  return o;
}

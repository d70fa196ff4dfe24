// How a service with a database starts and stops: its (already opened) data source, optionally
// a NATS connection of its own for what its handlers ask (other services, the object store),
// then the mesh. Both are closed after the drain — no handler is using them any more — or at
// once if the start fails.
import type { DynamicModule } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { connectNats, runService, type LogLevel, type RunningService } from '#mesh';
import { classifyDatabaseError } from './database-errors.js';

export interface ServiceEnv {
  NATS_URL: string;
  NATS_PING_INTERVAL_MS: number;
  DRAIN_TIMEOUT_MS: number;
  LOG_LEVEL: LogLevel;
}

export interface DatabaseServiceOptions {
  service: string;
  version: string;
  env: ServiceEnv;
  logger: Logger;
  dataSource: DataSource;
  /** Open a second NATS connection under this name and hand it to `module`. */
  clientConnection?: string;
  module: (client: NatsConnection | undefined) => DynamicModule | Promise<DynamicModule>;
  handleSignals?: boolean;
}

export async function runDatabaseService(o: DatabaseServiceOptions): Promise<RunningService> {
  const { env } = o;
  // The server's own connection exists only once Nest listens, and it is drained on stop while
  // handlers may still be asking: so calls go over a connection of their own.
  const client = o.clientConnection
    ? await connectNats({ url: env.NATS_URL, name: o.clientConnection, pingIntervalMs: env.NATS_PING_INTERVAL_MS })
    : undefined;
  const close = async () => {
    if (client) await client.drain().catch(() => client.close());
    await o.dataSource.destroy();
  };
  try {
    return await runService({
      module: await o.module(client),
      service: o.service,
      version: o.version,
      natsUrl: env.NATS_URL,
      pingIntervalMs: env.NATS_PING_INTERVAL_MS,
      drainTimeoutMs: env.DRAIN_TIMEOUT_MS,
      logger: o.logger,
      classifyError: classifyDatabaseError,
      handleSignals: o.handleSignals,
      onStopped: close,
    });
  } catch (err) {
    await close();
    throw err;
  }
}

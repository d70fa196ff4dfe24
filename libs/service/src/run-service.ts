// How a feature service starts: join the mesh as a Nest microservice on MeshServer, and stop
// by draining on SIGTERM/SIGINT, exiting 0 when done (Nest's own hooks re-raise the signal).
import { NestFactory } from '@nestjs/core';
import type { INestMicroservice, DynamicModule, Type } from '@nestjs/common';
import type { Logger } from 'pino';
import { MeshServer, type MeshServerOptions, MeshExceptionFilter, NatsStatus } from '#mesh';
import {
  PinoNestLogger,
  stopOnSignals,
  startHealthServer,
  type HealthServer,
  startTracing,
  stopTracing,
} from '#runtime';

export interface RunServiceOptions extends MeshServerOptions {
  module: Type | DynamicModule;
  logger: Logger;
  /**
   * Runs alongside the mesh's drain, before `onStopped`: stop the replica's other intake (its
   * event consumers), finishing what it holds.
   */
  onStopping?: () => Promise<void>;
  /** Runs after the mesh has drained: close pools, flush logs. */
  onStopped?: () => Promise<void>;
  /** Install SIGTERM/SIGINT handlers (off in integration tests that own the process). */
  handleSignals?: boolean;
  /** Serve /health/live and /health/ready on this port (0 or unset: off). */
  healthPort?: number;
  /** A health server already listening (started before the database was open): used instead. */
  health?: HealthServer;
  /** Export traces to this OTLP/HTTP collector (unset: tracing off). */
  tracingEndpoint?: string;
}

export interface RunningService {
  app: INestMicroservice;
  server: MeshServer;
  /** The health endpoint's port, when one was asked for. */
  healthPort?: number;
  stop: () => Promise<void>;
}

export async function runService(o: RunServiceOptions): Promise<RunningService> {
  startTracing({ service: o.service, endpoint: o.tracingEndpoint });
  const server = new MeshServer(o);
  const app = await NestFactory.createMicroservice(o.module, {
    strategy: server,
    logger: new PinoNestLogger(o.logger),
  });
  app.useGlobalFilters(new MeshExceptionFilter(o.logger, o.classifyError));
  await app.listen();
  let draining = false;
  const nats = new NatsStatus(server.connection);
  const ready = () => !draining && server.replicaId !== undefined && nats.isConnected;
  const health: HealthServer | undefined =
    o.health ?? (o.healthPort ? await startHealthServer({ port: o.healthPort, ready }) : undefined);
  health?.setReady(ready);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      draining = true;
      await Promise.all([app.close(), o.onStopping?.()]);
      await o.onStopped?.();
      await health?.close();
      await stopTracing();
    })());

  if (o.handleSignals !== false) stopOnSignals(stop, { logger: o.logger, boundMs: o.drainTimeoutMs + 5000 });
  return { app, server, healthPort: health?.port, stop };
}

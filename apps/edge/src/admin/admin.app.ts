// The edge's admin listener (ADMIN_HOST:ADMIN_PORT, 127.0.0.1:3100 by default): what operators
// read and the public must not — GET /mesh (pids, hosts, replica ids, traffic), GET /metrics
// (Prometheus) and the mesh board (BOARD_ROOT, its own vite build) at /. The API port serves
// none of them. Same security headers and problem+json errors as the API; no access log and no
// http metrics, so a scrape does not count itself.
import { fileURLToPath } from 'node:url';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { MeshClient } from '#mesh';
import { PinoNestLogger } from '#runtime';
import { EDGE_CONFIG } from '../edge.config.js';
import type { EdgeDeps } from '../edge.module.js';
import { installSecurityHeaders } from '../http/security-headers.js';
import { ConsumerLag } from '../metrics/consumer-lag.js';
import { EdgeMetrics } from '../metrics/edge-metrics.js';
import { ProblemFilter } from '../problem/problem.filter.js';
import { installStaticPages } from '../http/static-pages.js';
import { MeshController } from './mesh.controller.js';
import { Brownout } from '../fail-soft/brownout.js';
import { MetricsController } from './metrics.controller.js';

/** dist/board beside the built edge (dist/apps/edge/src/admin/admin.app.js). */
export const DEFAULT_BOARD_ROOT = fileURLToPath(new URL('../../../../board/', import.meta.url));

@Module({})
export class AdminModule {
  static register(d: Pick<EdgeDeps, 'config' | 'mesh' | 'metrics' | 'lag' | 'brownout'>): DynamicModule {
    return {
      module: AdminModule,
      controllers: [MeshController, MetricsController],
      providers: [
        { provide: EDGE_CONFIG, useValue: d.config },
        { provide: MeshClient, useValue: d.mesh },
        { provide: EdgeMetrics, useValue: d.metrics },
        { provide: ConsumerLag, useValue: d.lag },
        ...(d.brownout ? [{ provide: Brownout, useValue: d.brownout }] : []),
      ],
    };
  }
}

export interface RunningAdmin {
  app: NestFastifyApplication;
  port: number;
  url: string;
}

export async function startAdmin(d: EdgeDeps, logger: Logger): Promise<RunningAdmin> {
  const c = d.config;
  const app = await NestFactory.create<NestFastifyApplication>(AdminModule.register(d), new FastifyAdapter(), {
    logger: new PinoNestLogger(logger),
  });
  await installSecurityHeaders(app);
  app.useGlobalFilters(new ProblemFilter(logger, d.metrics));
  await installStaticPages(app, {
    root: c.BOARD_ROOT ?? DEFAULT_BOARD_ROOT,
    page: 'board.html',
    what: 'board',
    logger,
  });
  await app.listen(c.ADMIN_PORT, c.ADMIN_HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : c.ADMIN_PORT;
  logger.info({ port, host: c.ADMIN_HOST }, 'edge admin listening (/mesh, /metrics, the board)');
  return { app, port, url: `http://${c.ADMIN_HOST.includes(':') ? `[${c.ADMIN_HOST}]` : c.ADMIN_HOST}:${port}` };
}

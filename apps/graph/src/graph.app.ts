// Starts one graph replica: database first (retrying while PostgreSQL is down), then the mesh.
import { runDatabaseService, type RunningService } from '#service';
import { createLogger } from '#runtime';
import type { GraphConfig } from './graph.config.js';
import { createGraphDataSource } from './graph.data-source.js';
import { GraphModule } from './graph.module.js';

export const GRAPH_VERSION = '0.1.0';

export async function startGraph(c: GraphConfig, o: { handleSignals?: boolean } = {}): Promise<RunningService> {
  const logger = createLogger({ service: 'graph', level: c.LOG_LEVEL, format: c.LOG_FORMAT });
  const dataSource = createGraphDataSource(c);
  return runDatabaseService({
    service: 'graph',
    version: GRAPH_VERSION,
    env: c,
    logger,
    dataSource,
    schema: c.GRAPH_DB_SCHEMA,
    // graph publishes events.graph.* through its outbox and consumes none.
    events: { env: c, outbox: c },
    module: (_client, { outbox }) => GraphModule.register(dataSource, outbox!),
    handleSignals: o.handleSignals,
  });
}

import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { MeshServices } from '#contracts';
import { discoverMesh, MeshClient, type MeshView, type ServiceView } from '#mesh';
import { EDGE_CONFIG, type EdgeConfig } from '../edge.config.js';
import { ConsumerLag, type ConsumerLagView } from '../metrics/consumer-lag.js';
import { EdgeMetrics } from '../metrics/edge-metrics.js';
import { Brownout } from '../fail-soft/brownout.js';
import { ref } from '../openapi/openapi-refs.js';
import { RateLimit } from '../limits/rate-limit.decorator.js';

/** What discovery sees, plus what this edge replica answered for each service in the last 60 s. */
export interface EdgeServiceView extends ServiceView {
  degradedLastMinute: number;
  unavailableLastMinute: number;
  /** This edge skips the service's optional parts under pressure (brownout) now; cause why. */
  brownout: { active: boolean; cause: string | null };
}

export interface EdgeMeshView extends MeshView {
  services: EdgeServiceView[];
  /** Every durable event consumer's lag, as last read in the background (not now). */
  consumers: ConsumerLagView[];
}

@ApiTags('operations')
// Operator surfaces: probes and scrapers are not anonymous readers to be budgeted.
@RateLimit()
@Controller('mesh')
export class MeshController {
  constructor(
    @Inject(MeshClient) private readonly client: MeshClient,
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
    @Inject(EdgeMetrics) private readonly metrics: EdgeMetrics,
    @Inject(ConsumerLag) private readonly lag: ConsumerLag,
    @Optional() @Inject(Brownout) private readonly brownout?: Brownout,
  ) {}

  @Get()
  @ApiOperation({
    summary: "Every service and its live replicas, gathered now over $SRV.STATS, and every event consumer's lag",
  })
  @ApiResponse({ status: 200, schema: ref('MeshView') })
  async mesh(): Promise<EdgeMeshView> {
    const view = await discoverMesh(this.client.connection, {
      known: MeshServices,
      stallMs: this.config.MESH_DISCOVERY_STALL_MS,
    });
    const pressure = new Map((this.brownout?.states() ?? []).map((b) => [b.service, b]));
    return {
      ...view,
      services: view.services.map((s) => {
        const recent = this.metrics.lastMinute(s.name);
        const b = pressure.get(s.name);
        return {
          ...s,
          degradedLastMinute: recent.degraded,
          unavailableLastMinute: recent.unavailable,
          brownout: { active: b?.active ?? false, cause: b?.active ? (b.cause ?? null) : null },
        };
      }),
      consumers: this.lag.list(),
    };
  }
}

import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { MeshServices } from '#contracts';
import { discoverMesh, MeshClient, type MeshView } from '#mesh';
import { EDGE_CONFIG, type EdgeConfig } from '../edge.config.js';
import { ref } from '../openapi/openapi-refs.js';

@ApiTags('operations')
@Controller('mesh')
export class MeshController {
  constructor(
    @Inject(MeshClient) private readonly client: MeshClient,
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every service and its live replicas, gathered now over $SRV.STATS' })
  @ApiResponse({ status: 200, schema: ref('MeshView') })
  mesh(): Promise<MeshView> {
    return discoverMesh(this.client.connection, { known: MeshServices, stallMs: this.config.MESH_DISCOVERY_STALL_MS });
  }
}

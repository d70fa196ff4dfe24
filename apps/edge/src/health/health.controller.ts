import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCodes, MeshError } from '#contracts';
import { NatsStatus } from '#mesh';
import { Problems } from '../openapi/openapi-refs.js';
import { RateLimit } from '../limits/rate-limit.decorator.js';

@ApiTags('operations')
// Operator surfaces: probes and scrapers are not anonymous readers to be budgeted.
@RateLimit()
@Controller('health')
export class HealthController {
  constructor(@Inject(NatsStatus) private readonly nats: NatsStatus) {}

  @Get('live')
  @ApiOperation({ summary: '200 while the process runs' })
  @ApiResponse({ status: 200 })
  live(): { status: 'live' } {
    return { status: 'live' };
  }

  @Get('ready')
  @ApiOperation({ summary: '200 when the edge is connected to NATS, else 503' })
  @ApiResponse({ status: 200 })
  @Problems(503)
  ready(): { status: 'ready'; nats: 'connected' } {
    if (!this.nats.isConnected) {
      throw new MeshError(ErrorCodes.unavailable, 'The edge is not connected to NATS.', undefined, 'nats');
    }
    return { status: 'ready', nats: 'connected' };
  }
}

import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { EdgeMetrics } from '../metrics/edge-metrics.js';
import { RateLimit } from '../limits/rate-limit.decorator.js';

@ApiTags('operations')
// Operator surfaces: probes and scrapers are not anonymous readers to be budgeted.
@RateLimit()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(EdgeMetrics) private readonly metrics: EdgeMetrics) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics of this edge replica' })
  @ApiProduces('text/plain')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

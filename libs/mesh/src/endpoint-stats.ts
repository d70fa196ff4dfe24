// Accurate per-endpoint figures. The service API's own counters time only the synchronous part
// of a handler, so the real (async) numbers are written over them when STATS is asked.
const NS_PER_MS = 1_000_000;

interface WritableStats {
  num_requests: number;
  num_errors: number;
  processing_time: number;
  average_processing_time: number;
}

export interface EndpointFigures {
  requests: number;
  errors: number;
  averageLatencyMs: number;
}

export class EndpointStats {
  private requests = 0;
  private errors = 0;
  private totalMs = 0;

  record(ms: number, fault: boolean): void {
    this.requests++;
    this.totalMs += ms;
    if (fault) this.errors++;
  }

  figures(): EndpointFigures {
    return {
      requests: this.requests,
      errors: this.errors,
      averageLatencyMs: this.requests === 0 ? 0 : Math.round((this.totalMs / this.requests) * 1000) / 1000,
    };
  }

  writeInto(target: unknown): EndpointFigures {
    const t = target as WritableStats;
    t.num_requests = this.requests;
    t.num_errors = this.errors;
    t.processing_time = Math.round(this.totalMs * NS_PER_MS);
    t.average_processing_time = this.requests === 0 ? 0 : Math.round((this.totalMs / this.requests) * NS_PER_MS);
    return this.figures();
  }
}

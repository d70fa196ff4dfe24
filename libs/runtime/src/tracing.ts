// OpenTelemetry traces across the mesh, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (then
// exported over OTLP/HTTP). The trace context travels as W3C `traceparent`: from a client's
// HTTP header (if any) into the edge's span, from the edge into every NATS request header, from
// there into each service's span for the message, and on into the requests that service makes.
// Log lines carry the trace id. Off, it costs one null check per request: no spans, no header.
import { hostname } from 'node:os';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

/** The NATS header (and HTTP header) carrying the W3C trace context. */
export const TRACEPARENT = 'traceparent';

let tracer: Tracer | undefined;
let provider: TracerProvider | undefined;

/** Starts exporting this process's spans to `endpoint` (an OTLP/HTTP collector); no-op without one. */
export function startTracing(o: { service: string; endpoint?: string; flushEveryMs?: number }): void {
  if (!o.endpoint || provider) return;
  const exporter = new OTLPTraceExporter({ url: `${o.endpoint.replace(/\/$/, '')}/v1/traces` });
  provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': o.service,
      'service.instance.id': `${hostname()}:${process.pid}`,
    }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        scheduledDelayMillis: o.flushEveryMs ?? 1000,
      }),
    ],
  });
  tracer = provider.getTracer('failsoft');
}

/** Exports what is left and stops (on shutdown). */
export async function stopTracing(): Promise<void> {
  const p = provider;
  provider = undefined;
  tracer = undefined;
  await p?.shutdown().catch(() => undefined);
}

export function tracingEnabled(): boolean {
  return tracer !== undefined;
}

const TRACEPARENT_FORMAT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * A span for work done on behalf of a caller whose context is `traceparent` (a new trace when it
 * is absent or malformed). Undefined while tracing is off.
 */
export function startSpan(
  name: string,
  kind: 'server' | 'consumer',
  traceparent: string | undefined,
  attributes: Record<string, string | number> = {},
): Span | undefined {
  if (!tracer) return undefined;
  const m = traceparent ? TRACEPARENT_FORMAT.exec(traceparent) : null;
  const parent =
    m && !/^0+$/.test(m[1]) && !/^0+$/.test(m[2])
      ? trace.setSpanContext(ROOT_CONTEXT, {
          traceId: m[1],
          spanId: m[2],
          traceFlags: parseInt(m[3], 16) & TraceFlags.SAMPLED,
          isRemote: true,
        })
      : ROOT_CONTEXT;
  return tracer.startSpan(name, { kind: kind === 'server' ? SpanKind.SERVER : SpanKind.CONSUMER, attributes }, parent);
}

/** The `traceparent` that makes a callee's span a child of `span`. */
export function traceparentOf(span: Span): string {
  const c = span.spanContext();
  return `00-${c.traceId}-${c.spanId}-${c.traceFlags.toString(16).padStart(2, '0')}`;
}

/** Ends a span, marking it failed when `failed`. */
export function endSpan(
  span: Span | undefined,
  failed: boolean,
  attributes: Record<string, string | number> = {},
): void {
  if (!span) return;
  span.setAttributes(attributes);
  if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

// Per-request plumbing on Fastify itself (cheaper than Nest interceptors): the request id, the
// async context that carries it into NATS headers and log lines, metrics and the access log.
// (Errors Fastify raises itself — bad JSON, body too large, unknown routes — reach Nest's
// handlers and so the ProblemFilter.)
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Span } from '@opentelemetry/api';
import { endSpan, requestContext, startSpan, traceparentOf, tracingEnabled } from '#runtime';
import type { EdgeMetrics } from '../metrics/edge-metrics.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(header: unknown): string {
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}

export function installHooks(
  fastify: FastifyInstance,
  o: { logger: Logger; metrics: EdgeMetrics; accessLog: boolean },
): void {
  const spans = new WeakMap<object, Span>();
  fastify.addHook('onRequest', (req, reply, done) => {
    void reply.header('x-request-id', req.id);
    if (!tracingEnabled()) {
      requestContext.run({ requestId: req.id }, done);
      return;
    }
    // The client's own trace context, if it sent one, is the parent of the edge's span.
    const incoming = req.headers.traceparent;
    const span = startSpan(
      `${req.method} ${req.routeOptions.url ?? 'unmatched'}`,
      'server',
      typeof incoming === 'string' ? incoming : undefined,
      {
        'http.request.method': req.method,
        'http.route': req.routeOptions.url ?? 'unmatched',
        'failsoft.request_id': req.id,
      },
    );
    if (!span) {
      requestContext.run({ requestId: req.id }, done);
      return;
    }
    spans.set(req, span);
    const traceId = span.spanContext().traceId;
    void reply.header('traceparent', traceparentOf(span));
    requestContext.run({ requestId: req.id, traceparent: traceparentOf(span), traceId }, done);
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    endSpan(spans.get(req), reply.statusCode >= 500, { 'http.response.status_code': reply.statusCode });
    o.metrics.http(req.method, route, reply.statusCode, seconds);
    if (o.accessLog) {
      o.logger.info(
        {
          requestId: req.id,
          method: req.method,
          route,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request',
      );
    }
    done();
  });
}

// The one place errors become HTTP: mesh error codes, framework errors and bugs, all as
// application/problem+json. Endpoints carry no try/catch of their own.
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ErrorCodes, MeshError } from '#contracts';
import { codeForStatus, problemFor, PROBLEM_CONTENT_TYPE, RETRY_AFTER_SECONDS, type Problem } from './problem.js';
import type { EdgeMetrics } from '../metrics/edge-metrics.js';
import { rateLimitHeaders, RateLimitedError } from '../limits/rate-limited.error.js';

export function toProblem(exception: unknown): Problem {
  if (exception instanceof MeshError) {
    return problemFor(exception.code, exception.message, { errors: exception.errors, service: exception.service });
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const detail = status === 404 ? 'No such route.' : exception.message;
    return problemFor(codeForStatus(status), detail);
  }
  // Fastify's own errors (bad JSON, body too large, wrong content type) carry a statusCode.
  const fe = exception as { statusCode?: unknown; message?: unknown; code?: unknown };
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const detail =
      fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
        ? 'The body is not valid JSON.'
        : String(fe.message);
    return problemFor(codeForStatus(fe.statusCode), detail);
  }
  return problemFor(ErrorCodes.internal, 'Something went wrong on our side.');
}

/** An error that says how long to wait before trying again (a cap, not an outage). */
export function retryAfterOf(exception: unknown): number | undefined {
  // A busy replica's refusal says when to try again: whole seconds, at least one.
  const hinted = exception instanceof MeshError ? exception.hint.retryAfterMs : undefined;
  if (hinted !== undefined) return Math.max(1, Math.ceil(hinted / 1000));
  const s = (exception as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  return typeof s === 'number' ? s : undefined;
}

export function sendProblem(reply: FastifyReply, problem: Problem, retryAfterSeconds?: number): void {
  if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds));
  else if (problem.status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  if (problem.status === 401) reply.header('www-authenticate', 'Bearer');
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly metrics: EdgeMetrics,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const problem = toProblem(exception);
    if (problem.status >= 500 && problem.status !== 503) {
      this.logger.error({ err: exception, requestId: request.id }, 'unhandled error');
    }
    if (problem.service) this.metrics.unavailable(problem.service);
    if (exception instanceof RateLimitedError && exception.budget)
      void reply.headers(rateLimitHeaders(exception.budget));
    sendProblem(reply, problem, retryAfterOf(exception));
  }
}

// How long a client may take over its request, as Fastify options. Fastify's defaults are 0
// (never), which lets a client trickling a body byte by byte, or headers line by line, hold a
// connection forever. Node enforces the request and headers timeouts by sweeping its
// connections every `connectionsCheckingInterval` (30 s by default, which would let a request
// overstay its timeout by as much): once a second here. A request that has fully arrived is
// not timed by them, so a GET /events stream stays open; the idle timeout does not cut it
// either, as it writes a comment every SSE_KEEPALIVE_MS (the config refuses an idle timeout below).
import type { ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyServerOptions } from 'fastify';
import { ErrorCodes } from '#contracts';
import type { EdgeConfig } from '../edge.config.js';
import { problemFor, PROBLEM_CONTENT_TYPE } from '../problem/problem.js';

const SWEEP_MS = 1000;

type Timeouts = Pick<EdgeConfig, 'REQUEST_TIMEOUT_MS' | 'HEADERS_TIMEOUT_MS' | 'CONNECTION_TIMEOUT_MS'>;

export function httpTimeouts(
  c: Timeouts,
): Pick<FastifyServerOptions, 'requestTimeout' | 'connectionTimeout' | 'clientErrorHandler'> & { http: ServerOptions } {
  return {
    requestTimeout: c.REQUEST_TIMEOUT_MS,
    connectionTimeout: c.CONNECTION_TIMEOUT_MS,
    http: {
      requestTimeout: c.REQUEST_TIMEOUT_MS,
      headersTimeout: c.HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: Math.min(SWEEP_MS, c.HEADERS_TIMEOUT_MS),
    },
    clientErrorHandler,
  };
}

/**
 * What Node could not make a request of (too slow, unparsable) never reaches a route or the
 * ProblemFilter: it is answered here, still as problem+json, and the connection closed.
 */
function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const problem =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? problemFor(ErrorCodes.requestTimeout, 'The request did not arrive in time.')
      : problemFor(ErrorCodes.invalid, 'The request could not be read as HTTP.');
  const body = JSON.stringify(problem);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

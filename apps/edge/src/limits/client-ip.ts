import type { FastifyRequest } from 'fastify';

/**
 * The client's IP: the socket's peer, or with TRUST_PROXY the first address of X-Forwarded-For
 * (the client as the proxy saw it). Without TRUST_PROXY the header is ignored: a client could
 * otherwise name a fresh IP, and get a fresh budget, with every request.
 */
export function clientIp(req: FastifyRequest, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

// Serves the web client (dist/web, built by `npm run build:web`) on the edge's own origin, so the
// browser calls the API without CORS. Every file is its own route (wildcard off): no catch-all
// route, so an unknown API path still answers the API's own 404 problem, and no API route is
// shadowed. These routes are not API: they are not in the OpenAPI document nor in the fail-soft
// matrix, and need no service. Files are listed at boot; rebuild the client, restart the edge.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';

/** dist/web, seen from this file as built: dist/apps/edge/src/web/web-client.js. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../../web/', import.meta.url));

/** Hashed assets never change under their name; the pages must be revalidated to pick up a new build. */
export function cacheControlFor(path: string): string {
  return /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

export async function installWebClient(
  app: NestFastifyApplication,
  o: { root: string; logger: Logger },
): Promise<boolean> {
  if (!existsSync(`${o.root}/index.html`)) {
    o.logger.info({ root: o.root }, 'web client not built (npm run build:web): serving the API only');
    return false;
  }
  await app.register(fastifyStatic, {
    root: o.root,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    etag: true,
    lastModified: true,
    setHeaders: (reply, path) => void reply.header('cache-control', cacheControlFor(path)),
  });
  o.logger.info({ root: o.root }, 'serving the web client at /');
  return true;
}

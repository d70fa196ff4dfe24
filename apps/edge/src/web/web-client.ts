// Serves the web client (dist/web, built by `npm run build:web`) on the edge's own origin, so the
// browser calls the API without CORS. Every file is its own route (wildcard off): no catch-all
// route, so an unknown API path still answers the API's own 404 problem, and no API route is
// shadowed. These routes are not API: they are not in the OpenAPI document nor in the fail-soft
// matrix, and need no service. Files are listed at boot; rebuild the client, restart the edge.
import { fileURLToPath } from 'node:url';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { installStaticPages } from '../http/static-pages.js';

/** dist/web, seen from this file as built: dist/apps/edge/src/web/web-client.js. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../../web/', import.meta.url));

export async function installWebClient(
  app: NestFastifyApplication,
  o: { root: string; logger: Logger },
): Promise<boolean> {
  return installStaticPages(app, { ...o, page: 'index.html', what: 'web client' });
}

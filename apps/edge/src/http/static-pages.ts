// A built vite output served at / on a listener: every built file is its own route (wildcard
// off), so no page shadows a route and an unknown path still answers the 404 problem. Files are
// listed at boot. The API port serves the web client (web/web-client.ts), the admin port the
// board (admin/admin.app.ts).
import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';

/** Hashed assets never change under their name; the pages must be revalidated to pick up a new build. */
export function cacheControlFor(path: string): string {
  return /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

/** A built vite output at /, `page` its index (the client's index.html, the board's board.html). */
export async function installStaticPages(
  app: NestFastifyApplication,
  o: { root: string; page: string; what: string; logger: Logger },
): Promise<boolean> {
  if (!existsSync(`${o.root}/${o.page}`)) {
    o.logger.info({ root: o.root }, `${o.what} not built (npm run build:web): not served`);
    return false;
  }
  await app.register(fastifyStatic, {
    root: o.root,
    prefix: '/',
    wildcard: false,
    index: [o.page],
    cacheControl: false,
    etag: true,
    lastModified: true,
    setHeaders: (reply, path) => void reply.header('cache-control', cacheControlFor(path)),
  });
  o.logger.info({ root: o.root }, `serving the ${o.what} at /`);
  return true;
}

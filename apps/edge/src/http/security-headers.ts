// Security headers on every answer — the web client, the board, /docs, the API, errors — by
// helmet (@fastify/helmet) rather than by hand: it keeps up with what browsers honour and with
// the headers that have stopped helping (X-XSS-Protection is set to 0, as it can open holes).
// The token sits in localStorage, so what matters most is that no script but our own bundle can
// run (script-src 'self', no 'unsafe-inline', no 'unsafe-eval') and that no other site can frame
// the client (frame-ancestors 'none', X-Frame-Options DENY).
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';

const SELF = "'self'";
const NONE = "'none'";

/**
 * The client and the board (Vite's build: external module scripts and stylesheets, no inline
 * script or style; React sets styles through the CSSOM, which CSP does not govern), and every
 * API answer.
 */
export const APP_CSP = {
  'default-src': [SELF],
  'script-src': [SELF],
  'script-src-attr': [NONE],
  'style-src': [SELF],
  // blob: the composer previews the images it is about to upload as object URLs.
  'img-src': [SELF, 'blob:'],
  'font-src': [SELF],
  // fetch and EventSource (GET /events) go to the edge's own origin only.
  'connect-src': [SELF],
  'object-src': [NONE],
  'base-uri': [NONE],
  'form-action': [SELF],
  'frame-ancestors': [NONE],
} as const;

/**
 * Swagger UI at /docs: its page (from @nestjs/swagger) has inline <style> blocks and a style
 * attribute, and its stylesheet draws icons from data: URLs. Its scripts are files, so
 * script-src stays 'self'; only styles are relaxed, and only on the /docs routes.
 */
export const DOCS_CSP = {
  ...APP_CSP,
  'style-src': [SELF, "'unsafe-inline'"],
  'img-src': [SELF, 'data:'],
} as const;

const policy = (directives: Record<string, readonly string[]>) => ({
  // Helmet's defaults allow inline styles and https: sources; every directive is listed here.
  useDefaults: false,
  directives: Object.fromEntries(Object.entries(directives).map(([k, v]) => [k, [...v]])),
});

export const HELMET_OPTIONS: FastifyHelmetOptions = {
  contentSecurityPolicy: policy(APP_CSP),
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
};

/** The routes Swagger UI is served on (SwaggerModule.setup('docs', …)). */
export const isDocsRoute = (url: string) => url === '/docs' || url.startsWith('/docs/');

/** Must run before any route is added: the /docs routes get their own policy as they are. */
export async function installSecurityHeaders(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRoute', (route) => {
    if (!isDocsRoute(route.url)) return;
    route.config = Object.assign(route.config ?? {}, {
      helmet: { contentSecurityPolicy: policy(DOCS_CSP) },
    });
  });
  await fastify.register(helmet, HELMET_OPTIONS);
}

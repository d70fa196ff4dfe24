import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { FailSoftMatrix, type RouteDependencies } from '../fail-soft/route-dependencies.js';
import { jsonSchemas } from './openapi-schemas.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * Puts each route's fail-soft entry on its operation as `x-fail-soft`, so frontends read what
 * degrades where; a route missing from the matrix (or an entry without a route) is a programming
 * error that stops the edge at boot, with the route named.
 */
export function annotateFailSoft(doc: OpenAPIObject): void {
  const declared = new Map<string, RouteDependencies>(Object.entries(FailSoftMatrix));
  const missing: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const route = `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
      const deps = declared.get(route);
      if (!deps) missing.push(route);
      else Object.assign(op, { 'x-fail-soft': deps });
      declared.delete(route);
    }
  }
  if (missing.length > 0 || declared.size > 0) {
    throw new Error(
      `apps/edge/src/fail-soft/route-dependencies.ts is out of date: undeclared routes [${missing.join(', ')}]; ` +
        `declared but not served [${[...declared.keys()].join(', ')}]`,
    );
  }
}

export function buildOpenApi(app: INestApplication, version: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('failsoft edge API')
    .setDescription(
      'The one door to the failsoft mesh. Errors are application/problem+json; a 503 names the ' +
        '`service` the request could not do without and sets `Retry-After`; reads that could not load ' +
        "an optional part say so in `degraded`. Each operation's `x-fail-soft` says which services it " +
        'needs (503 without them) and which it degrades (200 without them).',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT (EdDSA)' })
    .build();
  const doc = SwaggerModule.createDocument(app, config);
  doc.components = { ...doc.components, schemas: { ...(doc.components?.schemas ?? {}), ...jsonSchemas() } };
  annotateFailSoft(doc);
  return doc;
}

export function serveOpenApi(app: INestApplication, doc: OpenAPIObject): void {
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
}

import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { jsonSchemas } from './openapi-schemas.js';

export function buildOpenApi(app: INestApplication, version: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('failsoft edge API')
    .setDescription(
      'The one door to the failsoft mesh. Errors are application/problem+json; a 503 names the ' +
        '`service` the request could not do without and sets `Retry-After`; reads that could not load ' +
        'an optional part say so in `degraded`.',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT (EdDSA)' })
    .build();
  const doc = SwaggerModule.createDocument(app, config);
  doc.components = { ...doc.components, schemas: { ...(doc.components?.schemas ?? {}), ...jsonSchemas() } };
  return doc;
}

export function serveOpenApi(app: INestApplication, doc: OpenAPIObject): void {
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
}

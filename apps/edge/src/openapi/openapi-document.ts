// The edge's OpenAPI document without a running edge: Nest's preview mode resolves the module's
// graph and reads the controllers' metadata but constructs no provider and calls no factory, so
// no NATS connection, key or port is needed. It is the document `/openapi.json` serves (the same
// controllers through the same buildOpenApi), and what docs/api.md's route table is generated from.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { EDGE_VERSION } from '../edge.app.js';
import { EdgeModule, type EdgeDeps } from '../edge.module.js';
import { buildOpenApi } from './openapi.js';

export async function describeEdgeApi(): Promise<OpenAPIObject> {
  // Never read in preview mode: EdgeModule.register only hands these to providers it does not build.
  const unused = {} as never;
  const deps: EdgeDeps = {
    config: unused,
    nc: unused,
    mesh: unused,
    tokens: unused,
    revoked: unused,
    metrics: unused,
    lag: unused,
  };
  const app = await NestFactory.create<NestFastifyApplication>(EdgeModule.register(deps), new FastifyAdapter(), {
    preview: true,
    logger: false,
  });
  try {
    return buildOpenApi(app, EDGE_VERSION);
  } finally {
    await app.getHttpAdapter().close();
  }
}

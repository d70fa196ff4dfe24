// The edge's media routes: the controllers and providers EdgeModule mounts, and what must be
// installed on the Fastify instance before it listens.
import type { Provider, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EdgeDeps } from '../edge.module.js';

export const mediaControllers: Type[] = [];

export function mediaProviders(_deps: EdgeDeps): Provider[] {
  return [];
}

export async function installMediaHttp(_app: NestFastifyApplication, _deps: EdgeDeps): Promise<void> {}

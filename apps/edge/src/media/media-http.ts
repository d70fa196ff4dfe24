// The edge's media routes: the controllers and providers EdgeModule mounts, and what must be
// installed on the Fastify instance before it listens.
import multipart from '@fastify/multipart';
import type { Provider, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { MEDIA_MAX_UPLOAD_BYTES } from '#contracts';
import type { EdgeDeps } from '../edge.module.js';
import { MediaBucket } from './media-bucket.js';
import { MediaController } from './media.controller.js';
import { MediaDelivery } from './media-delivery.js';
import { MediaUploader } from './media-uploader.js';

export const mediaControllers: Type[] = [MediaController];

export function mediaProviders(deps: EdgeDeps): Provider[] {
  return [
    {
      provide: MediaBucket,
      useFactory: () => new MediaBucket(deps.nc, deps.config.MEDIA_BUCKET, deps.config.MEDIA_READ_STALL_MS),
    },
    MediaUploader,
    MediaDelivery,
  ];
}

export async function installMediaHttp(app: NestFastifyApplication, _deps: EdgeDeps): Promise<void> {
  // One file per request, cut off at 10 MiB while streaming; a handful of small text fields at most.
  await app.register(multipart, {
    limits: { fileSize: MEDIA_MAX_UPLOAD_BYTES, files: 1, fields: 10, fieldSize: 1024, parts: 11 },
  });
}

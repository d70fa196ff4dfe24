// Serving media bytes: media says what an id is (404 if nothing or deleted, 503 if media is
// down), the edge streams the object from the shared bucket itself. An unchanged ETag is a 304
// without opening the object.
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Subjects } from '#contracts';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { MediaBucket } from './media-bucket.js';

/**
 * An image can be deleted (with its post), so no cache may keep serving it on its own: every
 * cache stores it but revalidates before each use. A revalidation is one media.get and a 304
 * (the ETag is the bytes' sha-256), no bytes; after the delete it is the 404.
 */
export const MEDIA_CACHE_CONTROL = 'no-cache';

/** RFC 9110 If-None-Match: a list of (weak or strong) tags, or `*`; compared weakly. */
export function etagMatches(ifNoneMatch: string | string[] | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const tags = (Array.isArray(ifNoneMatch) ? ifNoneMatch.join(',') : ifNoneMatch).split(',').map((t) => t.trim());
  return tags.some((t) => t === '*' || t.replace(/^W\//, '') === etag);
}

@Injectable()
export class MediaDelivery {
  constructor(
    @Inject(EdgeMesh) private readonly mesh: EdgeMesh,
    @Inject(MediaBucket) private readonly bucket: MediaBucket,
  ) {}

  async send(
    id: string,
    which: 'original' | 'thumbnail',
    ifNoneMatch: string | string[] | undefined,
    reply: FastifyReply,
  ): Promise<void> {
    const stored = await this.mesh.read(Subjects.media.get, { id });
    const object = stored[which];
    const etag = `"${object.etag}"`;
    void reply.header('etag', etag).header('cache-control', MEDIA_CACHE_CONTROL);
    if (etagMatches(ifNoneMatch, etag)) {
      await reply.status(304).send();
      return;
    }
    const bytes = await this.bucket.read(object.object);
    await reply
      .status(200)
      .header('content-type', object.contentType)
      .header('content-length', String(object.bytes))
      .header('x-content-type-options', 'nosniff')
      .send(bytes);
  }
}

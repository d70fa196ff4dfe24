// Serving media bytes: media says what an id is (404 if nothing, 503 if media is down), the
// edge streams the object from the shared bucket itself. An unchanged ETag is a 304 without
// opening the object.
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Subjects } from '#contracts';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { MediaBucket } from './media-bucket.js';

export const IMMUTABLE = 'public, max-age=31536000, immutable';

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
    void reply.header('etag', etag).header('cache-control', IMMUTABLE);
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

import { MediaObjects, mediaUrls, type Media, type StoredMedia } from '#contracts';
import type { MediaEntity } from './entities/media.entity.js';

export function toMedia(m: MediaEntity): Media {
  return {
    id: m.id,
    ...mediaUrls(m.id),
    width: m.width,
    height: m.height,
    contentType: m.contentType,
    bytes: m.bytes,
  };
}

export function toStoredMedia(m: MediaEntity): StoredMedia {
  return {
    media: toMedia(m),
    ownerId: m.ownerId,
    original: { object: MediaObjects.original(m.id), contentType: m.contentType, etag: m.etag, bytes: m.bytes },
    thumbnail: {
      object: MediaObjects.thumbnail(m.id),
      contentType: m.thumbContentType,
      etag: m.thumbEtag,
      bytes: m.thumbBytes,
    },
  };
}

// Media: uploads travel as objects in JetStream's object store (bucket `media`), never in NATS
// messages (1 MB max payload); the mesh carries only object names and metadata.
import { z } from 'zod';
import { Uuid } from '../common/ids.js';

/** Largest upload the edge accepts and the media service registers. */
export const MEDIA_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** Object names in the bucket: an upload waits under `uploads/`, until media registers it. */
export const MediaObjects = {
  upload: (key: string) => `uploads/${key}`,
  original: (id: string) => `originals/${id}`,
  thumbnail: (id: string) => `thumbnails/${id}`,
} as const;

export const RegisterMediaRequest = z.strictObject({
  /** An object the edge has just written, `uploads/<uuid>`. */
  objectName: z.string().regex(/^uploads\/[0-9a-fA-F-]{36}$/, { error: 'must be uploads/<uuid>' }),
  ownerId: Uuid,
});
export type RegisterMediaRequest = z.infer<typeof RegisterMediaRequest>;

export const GetMediaRequest = z.strictObject({ id: Uuid });
export type GetMediaRequest = z.infer<typeof GetMediaRequest>;

/** A batch of ids (a post's media, a page of posts' media). */
/** Up to a full page of posts' media: 100 posts × 4. */
export const ResolveMediaRequest = z.strictObject({ ids: z.array(Uuid).max(400), ownerId: Uuid.optional() });
export type ResolveMediaRequest = z.infer<typeof ResolveMediaRequest>;

/** What clients see. */
export interface Media {
  id: string;
  url: string;
  thumbnailUrl: string;
  width: number;
  height: number;
  contentType: string;
  bytes: number;
}

/** One stored object and what serving it needs without opening it. */
export interface MediaObject {
  object: string;
  contentType: string;
  /** sha-256 hex of the bytes. */
  etag: string;
  bytes: number;
}

/** The reply of `media.get`: metadata for serving; the edge streams the bytes from the bucket. */
export interface StoredMedia {
  media: Media;
  ownerId: string;
  original: MediaObject;
  thumbnail: MediaObject;
}

/**
 * The known ids, in the asked order. With `ownerId`, `notOwned` lists every asked id that is
 * not that user's upload (unknown ids included), so a post can refuse them; without, it is [].
 */
export interface ResolveMediaReply {
  items: Media[];
  notOwned: string[];
}

export function mediaUrls(id: string): Pick<Media, 'url' | 'thumbnailUrl'> {
  return { url: `/media/${id}`, thumbnailUrl: `/media/${id}/thumbnail` };
}

// The rules of media; no NATS subjects, no SQL. Bytes come from and go to the object store.
import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  ErrorCodes,
  MEDIA_MAX_UPLOAD_BYTES,
  MediaObjects,
  MeshError,
  Subjects,
  type GetMediaRequest,
  type Media,
  type RegisterMediaRequest,
  type ResolveMediaReply,
  type ResolveMediaRequest,
  type StoredMedia,
} from '#contracts';
import { processImage, type ImageLimits } from './image-processor.js';
import { sniffImageType, SNIFF_BYTES } from './image-type.js';
import { IdempotentWrites } from '#persistence';
import { toMedia, toStoredMedia } from './media.mapper.js';
import { MediaRepository, type NewMedia } from './media.repository.js';
import { MediaStore } from './media-store.js';

export const IMAGE_LIMITS = Symbol('IMAGE_LIMITS');

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

@Injectable()
export class MediaService {
  private readonly logger = new Logger('MediaService');

  constructor(
    private readonly repo: MediaRepository,
    @Inject(MediaStore) private readonly store: MediaStore,
    @Inject(IMAGE_LIMITS) private readonly limits: ImageLimits,
    private readonly idempotency: IdempotentWrites,
  ) {}

  /**
   * Turns an upload into media, once per idempotency key: type by magic bytes, size by the
   * header, then capped decodes for the thumbnail and for the original
   * that is stored: oriented and re-encoded without its metadata (see image-processor).
   *
   * What makes two uploads "the same request" is the owner and the bytes (the store's digest),
   * not the object name: a client's retry is a new HTTP request, so the edge streams its bytes
   * into a new `uploads/<uuid>`. The upload object is left to the edge, which wrote it and removes
   * it once this request has settled: a retry of the same request (the edge's own, after a
   * timeout) must still find it.
   *
   * The decode and the object writes are slow (up to seconds), so they run before the key's
   * transaction, not inside it: the transaction holds only the insert. A replay skips them.
   */
  async register(r: RegisterMediaRequest, key?: string): Promise<Media> {
    const upload = await this.store.describe(r.objectName);
    if (!upload) throw new MeshError(ErrorCodes.notFound, 'no such upload');
    const request = {
      scope: r.ownerId,
      key,
      operation: Subjects.media.register,
      request: { ownerId: r.ownerId, digest: upload.digest, size: upload.size },
    };
    const replay = await this.idempotency.replay<Media>(request);
    if (replay) return replay.reply;

    const made = await this.make(r);
    let inserted = false;
    try {
      const media = await this.idempotency.run(request, async (tx) => {
        await this.repo.insert(tx, made);
        inserted = true;
        return toMedia({ ...made, createdAt: new Date() });
      });
      // Another request with this key committed first: its media is the answer, ours is surplus.
      if (!inserted) await this.removeObjects(made.id);
      return media;
    } catch (err) {
      // No row, no media: the objects would be unreachable. (Once the row is written, a failed
      // COMMIT may still have committed: then the objects stay.)
      if (!inserted) await this.removeObjects(made.id);
      throw err;
    }
  }

  /**
   * events.posts.created: which uploads the post uses. Text-only posts (most) leave nothing to
   * remember, nor does their deletion.
   */
  async recordPostMedia(postId: string, mediaIds: string[]): Promise<void> {
    if (mediaIds.length > 0) await this.repo.addPostReferences(postId, mediaIds);
  }

  /**
   * events.posts.deleted: the post no longer uses its uploads; an upload no other live post uses
   * is deleted — marked (media.get answers not_found from then on, so the edge answers 404) and
   * its original and thumbnail removed from the bucket. Idempotent (see the repository); a
   * failed removal fails the event, which is redelivered and removes what is left.
   */
  async releasePostMedia(postId: string, mediaIds: string[]): Promise<void> {
    if (mediaIds.length === 0) return;
    await this.repo.releasePostReferences(postId, mediaIds);
    for (const id of await this.repo.markUnusedDeleted(mediaIds)) {
      await this.store.remove(MediaObjects.original(id));
      await this.store.remove(MediaObjects.thumbnail(id));
    }
  }

  async get(r: GetMediaRequest): Promise<StoredMedia> {
    const [row] = await this.repo.findByIds([r.id]);
    if (!row) throw new MeshError(ErrorCodes.notFound, 'no such media');
    return toStoredMedia(row);
  }

  async resolve(r: ResolveMediaRequest): Promise<ResolveMediaReply> {
    const rows = await this.repo.findByIds(r.ids);
    // PostgreSQL answers uuids in lower case; the caller gets its ids back as it sent them.
    const byId = new Map(rows.map((m) => [m.id, m]));
    const items: Media[] = [];
    const notOwned: string[] = [];
    for (const id of r.ids) {
      const m = byId.get(id.toLowerCase());
      if (m) items.push(toMedia(m));
      if (r.ownerId !== undefined && m?.ownerId !== r.ownerId.toLowerCase()) notOwned.push(id);
    }
    return { items, notOwned };
  }

  /** Judges the upload and writes the original and its thumbnail; the row is the caller's. */
  private async make(r: RegisterMediaRequest): Promise<NewMedia> {
    const upload = await this.store.read(r.objectName);
    if (!upload) throw new MeshError(ErrorCodes.notFound, 'no such upload');
    try {
      if (upload.size > MEDIA_MAX_UPLOAD_BYTES) {
        throw new MeshError(ErrorCodes.tooLarge, 'The file is larger than 10 MiB.');
      }
      const type = sniffImageType(await upload.head(SNIFF_BYTES));
      if (!type) throw new MeshError(ErrorCodes.unsupportedMedia, 'Only JPEG, PNG, WebP and GIF images are accepted.');
      const bytes = await upload.all();
      const image = await processImage(bytes, type, this.limits);
      const id = randomUUID();
      // What is stored is the re-encoded image, without its EXIF; the idempotency key's digest
      // stays the upload's, so the same bytes again still find the first media.
      const original = image.original;
      await this.store.put(MediaObjects.original(id), original, type.contentType);
      await this.store.put(MediaObjects.thumbnail(id), image.thumbnail, image.thumbnailContentType);
      return {
        id,
        ownerId: r.ownerId,
        contentType: type.contentType,
        width: image.width,
        height: image.height,
        bytes: original.length,
        etag: sha256(original),
        thumbContentType: image.thumbnailContentType,
        thumbBytes: image.thumbnail.length,
        thumbEtag: sha256(image.thumbnail),
      };
    } finally {
      upload.cancel();
    }
  }

  private removeObjects(id: string): Promise<void> {
    return this.removeQuietly(MediaObjects.original(id), MediaObjects.thumbnail(id));
  }

  private async removeQuietly(...names: string[]): Promise<void> {
    for (const name of names) {
      await this.store.remove(name).catch((err: unknown) => {
        this.logger.warn(`could not remove ${name}: ${err instanceof Error ? err.message : String(err)}`);
      });
    }
  }
}

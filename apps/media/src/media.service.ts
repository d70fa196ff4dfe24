// The rules of media; no NATS subjects, no SQL. Bytes come from and go to the object store.
import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  ErrorCodes,
  MEDIA_MAX_UPLOAD_BYTES,
  MediaObjects,
  MeshError,
  type GetMediaRequest,
  type Media,
  type RegisterMediaRequest,
  type ResolveMediaReply,
  type ResolveMediaRequest,
  type StoredMedia,
} from '#contracts';
import { processImage, type ImageLimits } from './image-processor.js';
import { sniffImageType, SNIFF_BYTES } from './image-type.js';
import { toMedia, toStoredMedia } from './media.mapper.js';
import { MediaRepository } from './media.repository.js';
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
  ) {}

  /**
   * Turns an upload into media: type by magic bytes, size by the header, then one capped
   * decode for the thumbnail. The upload object is removed whatever the outcome: a refused one
   * is useless, and a client retrying after a failure uploads again.
   */
  async register(r: RegisterMediaRequest): Promise<Media> {
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
      const stored = {
        id,
        ownerId: r.ownerId,
        contentType: type.contentType,
        width: image.width,
        height: image.height,
        bytes: bytes.length,
        etag: sha256(bytes),
        thumbContentType: image.thumbnailContentType,
        thumbBytes: image.thumbnail.length,
        thumbEtag: sha256(image.thumbnail),
      };
      await this.store.put(MediaObjects.original(id), bytes, type.contentType);
      await this.store.put(MediaObjects.thumbnail(id), image.thumbnail, image.thumbnailContentType);
      try {
        await this.repo.insert(stored);
      } catch (err) {
        // No row, no media: the objects would be unreachable.
        await this.removeQuietly(MediaObjects.original(id), MediaObjects.thumbnail(id));
        throw err;
      }
      return toMedia({ ...stored, createdAt: new Date() });
    } finally {
      upload.cancel();
      await this.removeQuietly(r.objectName);
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

  private async removeQuietly(...names: string[]): Promise<void> {
    for (const name of names) {
      await this.store.remove(name).catch((err: unknown) => {
        this.logger.warn(`could not remove ${name}: ${err instanceof Error ? err.message : String(err)}`);
      });
    }
  }
}

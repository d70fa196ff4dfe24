// An upload, end to end: bytes into the bucket, then media judges and registers them. The upload
// object is this request's: whatever the answer (a new media, a replay of an earlier one with the
// same Idempotency-Key, a refusal, a failure), it is removed once media's answer is in. Media
// leaves it alone, because the edge's own retry of the request after a timeout must find it.
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ErrorCodes, MeshError, Subjects, type Media } from '#contracts';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { MediaBucket } from './media-bucket.js';

const notMultipart = () =>
  new MeshError(ErrorCodes.invalid, 'Send the image as multipart/form-data in a field named "file".', [
    { field: 'file', message: 'required' },
  ]);

@Injectable()
export class MediaUploader {
  constructor(
    @Inject(EdgeMesh) private readonly mesh: EdgeMesh,
    @Inject(MediaBucket) private readonly bucket: MediaBucket,
  ) {}

  async upload(req: FastifyRequest, ownerId: string, idempotencyKey: string): Promise<Media> {
    if (!req.isMultipart()) throw notMultipart();
    const part = await req.file();
    if (!part) throw notMultipart();
    if (part.fieldname !== 'file') {
      part.file.resume();
      throw notMultipart();
    }
    const objectName = await this.bucket.upload(part.file);
    try {
      return await this.mesh.write(Subjects.media.register, { objectName, ownerId }, { idempotencyKey });
    } finally {
      await this.bucket.remove(objectName).catch(() => undefined);
    }
  }
}

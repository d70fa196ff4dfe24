// An upload, end to end: bytes into the bucket, then media judges and registers them. Whatever
// fails after the bytes landed, the upload object is removed (media removes it too once it has
// read it; removing twice is harmless).
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

  async upload(req: FastifyRequest, ownerId: string): Promise<Media> {
    if (!req.isMultipart()) throw notMultipart();
    const part = await req.file();
    if (!part) throw notMultipart();
    if (part.fieldname !== 'file') {
      part.file.resume();
      throw notMultipart();
    }
    const objectName = await this.bucket.upload(part.file);
    try {
      return await this.mesh.write(Subjects.media.register, { objectName, ownerId });
    } catch (err) {
      await this.bucket.remove(objectName).catch(() => undefined);
      throw err;
    }
  }
}

// Judges an upload and makes its thumbnail with sharp. The pixel count is read from the header
// (metadata() decodes no pixels) and refused before anything is decoded, so a decompression
// bomb costs neither memory nor seconds; the decode itself is capped again by sharp.
import sharp, { type Metadata } from 'sharp';
import { ErrorCodes, MeshError } from '#contracts';
import type { ImageType } from './image-type.js';

export interface ImageLimits {
  maxPixels: number;
  thumbnailMaxPx: number;
}

export interface ProcessedImage {
  width: number;
  height: number;
  thumbnail: Buffer;
  thumbnailContentType: 'image/jpeg' | 'image/webp';
}

export async function processImage(bytes: Buffer, type: ImageType, limits: ImageLimits): Promise<ProcessedImage> {
  let meta: Metadata;
  try {
    // No pixel limit here: this reads the header only, and the limit is applied just below
    // with an answer of our own (sharp's own check would say "invalid").
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new MeshError(ErrorCodes.invalid, 'The image cannot be read.');
  }
  if (meta.format !== type.sharpFormat || !meta.width || !meta.height) {
    throw new MeshError(ErrorCodes.invalid, 'The image cannot be read.');
  }
  // For an animated GIF or WebP this is one frame: only the first is ever decoded.
  const pixels = meta.width * meta.height;
  if (pixels > limits.maxPixels) {
    throw new MeshError(
      ErrorCodes.tooLarge,
      `The image has ${meta.width}×${meta.height} pixels; at most ${limits.maxPixels} are accepted.`,
    );
  }
  // JPEG stays JPEG (no alpha to keep); PNG, WebP and GIF may be transparent: WebP keeps it.
  const thumbnailContentType = type.sharpFormat === 'jpeg' ? 'image/jpeg' : 'image/webp';
  try {
    const pipeline = sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'error' })
      .autoOrient()
      .resize(limits.thumbnailMaxPx, limits.thumbnailMaxPx, { fit: 'inside', withoutEnlargement: true });
    const thumbnail = await (
      thumbnailContentType === 'image/jpeg' ? pipeline.jpeg({ quality: 80 }) : pipeline.webp({ quality: 80 })
    ).toBuffer();
    const oriented = meta.autoOrient ?? { width: meta.width, height: meta.height };
    return { width: oriented.width, height: oriented.height, thumbnail, thumbnailContentType };
  } catch {
    throw new MeshError(ErrorCodes.invalid, 'The image is damaged or truncated and cannot be decoded.');
  }
}

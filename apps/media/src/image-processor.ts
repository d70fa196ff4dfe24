// Judges an upload and makes its thumbnail with sharp. The pixel count is read from the header
// (metadata() decodes no pixels) and refused before anything is decoded, so a decompression
// bomb costs neither memory nor seconds; the decode itself is capped again by sharp.
//
// The original is re-encoded before it is stored, so nothing served carries EXIF, XMP or IPTC
// (GPS position, camera serial, owner name): the EXIF orientation is applied to the pixels first,
// so a photo taken sideways still shows upright. The ICC profile is kept, unconverted: it says how
// to read the colours and names no one. GIF (no EXIF) is stored as uploaded, animation and all.
import sharp, { type Metadata } from 'sharp';
import { ErrorCodes, MeshError } from '#contracts';
import type { ImageType } from './image-type.js';

export interface ImageLimits {
  maxPixels: number;
  thumbnailMaxPx: number;
}

export interface ProcessedImage {
  /** What is stored and served as the original: the upload, oriented, without metadata. */
  original: Buffer;
  /** Of `original`, after orientation. */
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
    if (type.sharpFormat === 'gif') {
      return { original: bytes, width: oriented.width, height: oriented.height, thumbnail, thumbnailContentType };
    }
    const original = await stripped(bytes, type.sharpFormat, meta, limits);
    return { original: original.data, width: original.width, height: original.height, thumbnail, thumbnailContentType };
  } catch (err) {
    if (err instanceof MeshError) throw err;
    throw new MeshError(ErrorCodes.invalid, 'The image is damaged or truncated and cannot be decoded.');
  }
}

/**
 * The same image in the same format, oriented, with no metadata but its ICC profile (sharp writes
 * none unless asked). An animated WebP keeps its frames; all of them together are held to the
 * pixel limit, since all of them are decoded.
 */
async function stripped(
  bytes: Buffer,
  format: 'jpeg' | 'png' | 'webp',
  meta: Metadata,
  limits: ImageLimits,
): Promise<{ data: Buffer; width: number; height: number }> {
  const pages = format === 'webp' ? (meta.pages ?? 1) : 1;
  const frames = meta.width * meta.height * pages;
  if (frames > limits.maxPixels) {
    throw new MeshError(
      ErrorCodes.tooLarge,
      `The image has ${pages} frames of ${meta.width}×${meta.height} pixels; at most ${limits.maxPixels} pixels in all are accepted.`,
    );
  }
  const s = sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'error', animated: pages > 1 })
    .autoOrient()
    .keepIccProfile();
  const encoded = format === 'jpeg' ? s.jpeg({ quality: 90 }) : format === 'png' ? s.png() : s.webp({ quality: 90 });
  const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
  // For an animated image, info.height is all frames stacked; one frame is what is shown.
  return { data, width: info.width, height: pages > 1 ? (info.pageHeight ?? info.height / pages) : info.height };
}

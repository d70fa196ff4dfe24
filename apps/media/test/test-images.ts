// Images for the media tests, generated with sharp on the fly (no image files in the repo),
// and the hostile inputs: a fake image, a truncated one, a pixel bomb.
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

export type Format = 'jpeg' | 'png' | 'webp' | 'gif';

/** A deterministic pattern that compresses badly, so sizes are realistic. */
function noise(width: number, height: number, seed = 1): Sharp {
  const raw = Buffer.alloc(width * height * 3);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < raw.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    raw[i] = x & 0xff;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

export function image(format: Format, width: number, height: number, o: { quality?: number } = {}): Promise<Buffer> {
  const s = noise(width, height, width * 31 + height);
  switch (format) {
    case 'jpeg':
      return s.jpeg({ quality: o.quality ?? 80 }).toBuffer();
    case 'png':
      return s.png().toBuffer();
    case 'webp':
      return s.webp({ quality: o.quality ?? 80 }).toBuffer();
    case 'gif':
      return s.gif().toBuffer();
  }
}

export const contentTypeOf = (f: Format) => `image/${f}`;

/** HTML with nothing image-like about it (the tests send it named `.png`). */
export const htmlBytes = Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>\n');

/** The first half of a real JPEG: the header reads fine, the pixels do not. */
export async function truncatedJpeg(): Promise<Buffer> {
  const full = await image('jpeg', 800, 600);
  return full.subarray(0, Math.floor(full.length / 2));
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([len, typeAndData, crc]);
}

/** A valid PNG signature and IHDR claiming width×height RGB pixels, with almost no pixel data. */
export function pixelBombPng(width = 20_000, height = 20_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

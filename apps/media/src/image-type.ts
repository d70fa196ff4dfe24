// The four accepted formats, recognised by their magic bytes only: what a client declares
// (file name, Content-Type) is never asked.
export interface ImageType {
  contentType: 'image/jpeg' | 'image/png' | 'image/webp' | 'image/gif';
  /** sharp's name for the format, to check it read the bytes as the same thing. */
  sharpFormat: 'jpeg' | 'png' | 'webp' | 'gif';
}

/** Bytes the sniffer needs at most. */
export const SNIFF_BYTES = 12;

const ascii = (b: Uint8Array, at: number, s: string) =>
  b.length >= at + s.length && [...s].every((ch, i) => b[at + i] === ch.charCodeAt(0));

export function sniffImageType(head: Uint8Array): ImageType | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) {
    return { contentType: 'image/jpeg', sharpFormat: 'jpeg' };
  }
  if (head.length >= 8 && head[0] === 0x89 && ascii(head, 1, 'PNG\r\n\x1a\n')) {
    return { contentType: 'image/png', sharpFormat: 'png' };
  }
  if (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a')) {
    return { contentType: 'image/gif', sharpFormat: 'gif' };
  }
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) {
    return { contentType: 'image/webp', sharpFormat: 'webp' };
  }
  return undefined;
}

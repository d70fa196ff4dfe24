import { describe, expect, it } from 'vitest';
import { sniffImageType } from './image-type.js';

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('sniffImageType', () => {
  it('recognises the four formats by their magic bytes', () => {
    expect(sniffImageType(bytes([0xff, 0xd8, 0xff, 0xe0]))?.contentType).toBe('image/jpeg');
    expect(sniffImageType(bytes([0x89], 'PNG\r\n\x1a\n'))?.contentType).toBe('image/png');
    expect(sniffImageType(bytes('GIF89a'))?.contentType).toBe('image/gif');
    expect(sniffImageType(bytes('GIF87a'))?.contentType).toBe('image/gif');
    expect(sniffImageType(bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 '))?.contentType).toBe('image/webp');
  });

  it('refuses everything else, including near misses and short input', () => {
    expect(sniffImageType(bytes('<!doctype html><html>'))).toBeUndefined();
    expect(sniffImageType(bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt '))).toBeUndefined();
    expect(sniffImageType(bytes('GIF90a'))).toBeUndefined();
    expect(sniffImageType(bytes([0x89], 'PNG\r\n'))).toBeUndefined();
    expect(sniffImageType(bytes([0xff, 0xd8]))).toBeUndefined();
    expect(sniffImageType(new Uint8Array(0))).toBeUndefined();
  });
});

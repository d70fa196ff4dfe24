// The real media service, in this process, against a private nats-server with JetStream (the
// object store) and PostgreSQL. Uploads are put into the bucket as the edge would put them.
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { Subjects, type Media } from '#contracts';
import { type MeshClient } from '#mesh';
import { type RunningService } from '#service';
import {
  dropSchemas,
  freshSchema,
  sql,
  startNatsServer,
  testClient,
  TEST_DATABASE_URL,
  type NatsServerHandle,
  meshFailure,
  serviceInfo,
} from '#testing';
import { loadMediaConfig } from '../src/media.config.js';
import { startMedia } from '../src/media.app.js';
import { contentTypeOf, htmlBytes, image, pixelBombPng, truncatedJpeg, type Format } from './test-images.js';

const alice = '11111111-1111-4111-8111-111111111111';
const bob = '22222222-2222-4222-8222-222222222222';
const unknownId = '99999999-9999-4999-8999-999999999999';

let nats: NatsServerHandle;
let media: RunningService;
let client: { nc: NatsConnection; mesh: MeshClient };
let bucket: ObjectStore;
const schema = freshSchema('media');

beforeAll(async () => {
  nats = await startNatsServer();
  client = await testClient(nats.url, 10_000);
  media = await startMedia(
    loadMediaConfig({
      NATS_URL: nats.url,
      DATABASE_URL: TEST_DATABASE_URL,
      LOG_LEVEL: 'warn',
      MEDIA_DB_SCHEMA: schema,
    }),
    { handleSignals: false },
  );
  // The service created the bucket at start; a client only opens it.
  bucket = await new Objm(client.nc).open('media');
});

afterAll(async () => {
  await client?.nc.close();
  await media?.stop();
  await nats?.stop();
  await dropSchemas(schema);
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Puts bytes where the edge would, under a fresh `uploads/<uuid>`, and returns the name. */
async function putUpload(bytes: Uint8Array): Promise<string> {
  const objectName = `uploads/${randomUUID()}`;
  await bucket.putBlob({ name: objectName }, bytes);
  return objectName;
}

async function register(bytes: Uint8Array, ownerId = alice): Promise<{ objectName: string; reply: Promise<Media> }> {
  const objectName = await putUpload(bytes);
  return { objectName, reply: client.mesh.request(Subjects.media.register, { objectName, ownerId }) };
}

const rows = () => sql<{ id: string }>(`SELECT id FROM "${schema}".media ORDER BY created_at`);
const blob = async (name: string) => Buffer.from((await bucket.getBlob(name)) ?? new Uint8Array(0));

describe('media.register', () => {
  const cases: Array<[Format, string]> = [
    ['jpeg', 'image/jpeg'],
    ['png', 'image/webp'],
    ['webp', 'image/webp'],
    ['gif', 'image/webp'],
  ];
  it.each(cases)(
    'stores a %s original and a thumbnail (%s) at most 320 px, and leaves the upload to the edge',
    async (format, thumbType) => {
      const bytes = await image(format, 800, 600);
      const { objectName, reply } = await register(bytes);
      const m = await reply;
      // The original is re-encoded (without metadata) unless it is a GIF: same format, same size.
      const original = await blob(`originals/${m.id}`);
      const om = await sharp(original).metadata();
      expect({ format: om.format, width: om.width, height: om.height }).toEqual({ format, width: 800, height: 600 });
      if (format === 'gif') expect(original.equals(bytes)).toBe(true);
      expect(m).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        url: `/media/${m.id}`,
        thumbnailUrl: `/media/${m.id}/thumbnail`,
        width: 800,
        height: 600,
        contentType: contentTypeOf(format),
        bytes: original.length,
      });

      const thumb = await blob(`thumbnails/${m.id}`);
      const tm = await sharp(thumb).metadata();
      expect({ format: tm.format, width: tm.width, height: tm.height }).toEqual({
        format: thumbType.slice('image/'.length),
        width: 320,
        height: 240,
      });
      // The edge wrote it and removes it once the request has settled (a retry must find it).
      expect(await bucket.info(objectName)).toMatchObject({ deleted: false });

      const stored = await client.mesh.request(Subjects.media.get, { id: m.id });
      expect(stored).toEqual({
        media: m,
        ownerId: alice,
        original: {
          object: `originals/${m.id}`,
          contentType: contentTypeOf(format),
          etag: sha256(original),
          bytes: original.length,
        },
        thumbnail: { object: `thumbnails/${m.id}`, contentType: thumbType, etag: sha256(thumb), bytes: thumb.length },
      });
    },
  );

  it('stores a JPEG oriented upright and without its EXIF (GPS, owner, camera) or XMP', async () => {
    const xmp =
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
      '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="Alice"/></rdf:RDF></x:xmpmeta>';
    // Taken sideways: 400×200 pixels that orientation 6 shows as 200×400.
    const bytes = await sharp(await image('jpeg', 400, 200))
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExif({
        IFD0: { Artist: 'Alice', Copyright: 'Alice', Make: 'Camera', Model: 'X' },
        IFD2: { BodySerialNumber: 'SN-123456' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '48/1 51/1 24/1',
          GPSLongitudeRef: 'E',
          GPSLongitude: '2/1 21/1 3/1',
        },
      })
      .withXmp(xmp)
      .toBuffer();
    const before = await sharp(bytes).metadata();
    expect([before.orientation, before.width, before.height, !!before.exif, !!before.xmp]).toEqual([
      6,
      400,
      200,
      true,
      true,
    ]);
    expect(bytes.includes('Alice')).toBe(true);

    const m = await (await register(bytes)).reply;
    expect([m.width, m.height]).toEqual([200, 400]);
    const original = await blob(`originals/${m.id}`);
    const om = await sharp(original).metadata();
    expect({ format: om.format, width: om.width, height: om.height }).toEqual({
      format: 'jpeg',
      width: 200,
      height: 400,
    });
    expect(om.exif).toBeUndefined();
    expect(om.xmp).toBeUndefined();
    expect(om.iptc).toBeUndefined();
    expect(om.orientation ?? 1).toBe(1);
    for (const s of ['Alice', 'SN-123456', 'Camera']) expect(original.includes(s)).toBe(false);
    const stored = await client.mesh.request(Subjects.media.get, { id: m.id });
    expect(stored.original).toMatchObject({ etag: sha256(original), bytes: original.length });
  });

  it.each(['png', 'webp'] as const)('stores a %s without its EXIF or XMP, oriented', async (format) => {
    const raw = await image(format, 300, 100);
    const withMeta = sharp(raw)
      .withMetadata({ orientation: 8 })
      .withExif({ IFD0: { Artist: 'Alice' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1' } })
      .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/">Alice</x:xmpmeta>');
    const bytes = await (format === 'png' ? withMeta.png() : withMeta.webp()).toBuffer();
    const before = await sharp(bytes).metadata();
    expect([!!before.exif, !!before.xmp]).toEqual([true, true]);

    const m = await (await register(bytes)).reply;
    const om = await sharp(await blob(`originals/${m.id}`)).metadata();
    expect([om.format, om.exif, om.xmp, om.iptc, om.orientation ?? 1]).toEqual([
      format,
      undefined,
      undefined,
      undefined,
      1,
    ]);
    const upright = (before.orientation ?? 1) >= 5 ? [100, 300] : [300, 100];
    expect([m.width, m.height]).toEqual(upright);
    expect([om.width, om.height]).toEqual(upright);
  });

  it('never enlarges a small image, and keeps a tall one within 320 px', async () => {
    const small = await (await register(await image('png', 200, 100))).reply;
    expect((await sharp(await blob(`thumbnails/${small.id}`)).metadata()).width).toBe(200);
    const tall = await (await register(await image('jpeg', 300, 1200))).reply;
    const tm = await sharp(await blob(`thumbnails/${tall.id}`)).metadata();
    expect([tm.width, tm.height]).toEqual([80, 320]);
  });

  it('judges by the bytes: HTML (whatever its name) is unsupported_media, and nothing is kept', async () => {
    const before = await rows();
    const { reply } = await register(htmlBytes);
    expect(await meshFailure(reply)).toEqual({
      code: 'unsupported_media',
      message: 'Only JPEG, PNG, WebP and GIF images are accepted.',
      service: 'media',
    });
    expect(await rows()).toEqual(before);
  });

  it('answers invalid for a truncated JPEG', async () => {
    const before = await rows();
    const { reply } = await register(await truncatedJpeg());
    expect(await meshFailure(reply)).toEqual({
      code: 'invalid',
      message: 'The image is damaged or truncated and cannot be decoded.',
      service: 'media',
    });
    expect(await rows()).toEqual(before);
  });

  it('refuses a PNG header claiming 20000×20000 as too_large, fast and without decoding it', async () => {
    const bomb = pixelBombPng();
    expect(bomb.length).toBeLessThan(200);
    const objectName = await putUpload(bomb);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const err = await meshFailure(client.mesh.request(Subjects.media.register, { objectName, ownerId: alice }));
    const elapsed = performance.now() - started;
    const growth = process.memoryUsage().rss - rssBefore;
    expect(err).toEqual({
      code: 'too_large',
      message: 'The image has 20000×20000 pixels; at most 40000000 are accepted.',
      service: 'media',
    });
    expect(elapsed).toBeLessThan(200);
    // Decoding would need 1.2 GB; a few MB is the noise of a request.
    expect(growth).toBeLessThan(32 * 1024 * 1024);
    process.stdout.write(
      `pixel bomb refused in ${elapsed.toFixed(1)} ms, RSS growth ${(growth / 1048576).toFixed(1)} MiB` + '\n',
    );
  });

  it('answers not_found for an upload that is not there, and invalid for a bad object name', async () => {
    expect(
      await meshFailure(
        client.mesh.request(Subjects.media.register, { objectName: `uploads/${randomUUID()}`, ownerId: alice }),
      ),
    ).toEqual({ code: 'not_found', message: 'no such upload', service: 'media' });
    expect(
      await meshFailure(client.mesh.request(Subjects.media.register, { objectName: 'originals/x', ownerId: 'nope' })),
    ).toEqual({
      code: 'invalid',
      message: 'The request is not valid.',
      errors: [
        { field: 'objectName', message: 'must be uploads/<uuid>' },
        { field: 'ownerId', message: 'must be a UUID' },
      ],
      service: 'media',
    });
  });
});

describe('media.register with an idempotency key', () => {
  /** Live originals in the bucket: a surplus copy would show here. */
  const originals = async () =>
    (await bucket.list()).filter((o) => o.name.startsWith('originals/') && !o.deleted).length;
  const keyed = async (bytes: Uint8Array, idempotencyKey: string, ownerId = alice) =>
    client.mesh.request(Subjects.media.register, { objectName: await putUpload(bytes), ownerId }, { idempotencyKey });

  it('registers the same bytes once: a retry (a new upload of them) answers the first media', async () => {
    const bytes = await image('jpeg', 120, 90);
    const first = await keyed(bytes, 'media-key-1');
    const [rowsBefore, originalsBefore] = [await rows(), await originals()];
    expect(await keyed(bytes, 'media-key-1')).toEqual(first);
    expect(await rows()).toEqual(rowsBefore);
    expect(await originals()).toBe(originalsBefore);

    const other = await meshFailure(keyed(await image('png', 120, 90), 'media-key-1'));
    expect(other).toEqual({
      code: 'idempotency_mismatch',
      message: 'This Idempotency-Key was already used for a different request; use a new key for a new request.',
      service: 'media',
    });
    expect(await rows()).toEqual(rowsBefore);
    expect(await originals()).toBe(originalsBefore);
  });

  it('5 at once with one key: one media, and no surplus objects from the ones that lost', async () => {
    const bytes = await image('png', 200, 150);
    const [rowsBefore, originalsBefore] = [(await rows()).length, await originals()];
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => keyed(bytes, 'media-key-parallel')));
    expect((await rows()).length).toBe(rowsBefore + 1);
    expect(await originals()).toBe(originalsBefore + 1);
    const stored = await sql<{ reply: Media }>(`SELECT reply FROM "${schema}".idempotency_key WHERE key = $1`, [
      'media-key-parallel',
    ]);
    for (const o of outcomes) {
      if (o.status === 'fulfilled') expect(o.value).toEqual(stored[0].reply);
      else expect((o.reason as { code: string }).code).toBe('conflict');
    }
  });
});

describe('media.get and media.resolve', () => {
  it('media.get answers not_found for an unknown id', async () => {
    expect(await meshFailure(client.mesh.request(Subjects.media.get, { id: unknownId }))).toEqual({
      code: 'not_found',
      message: 'no such media',
      service: 'media',
    });
  });

  it('resolves a batch in the asked order; with ownerId, lists what is not that owner’s', async () => {
    const a = await (await register(await image('jpeg', 64, 48), alice)).reply;
    const b = await (await register(await image('png', 64, 48), bob)).reply;
    const ids = [b.id, unknownId, a.id];
    expect(await client.mesh.request(Subjects.media.resolve, { ids })).toEqual({ items: [b, a], notOwned: [] });
    expect(await client.mesh.request(Subjects.media.resolve, { ids, ownerId: alice })).toEqual({
      items: [b, a],
      notOwned: [b.id, unknownId],
    });
    expect(await client.mesh.request(Subjects.media.resolve, { ids: [a.id.toUpperCase()], ownerId: alice })).toEqual({
      items: [a],
      notOwned: [],
    });
    expect(await client.mesh.request(Subjects.media.resolve, { ids: [] })).toEqual({ items: [], notOwned: [] });
  });

  it('registers its three endpoints with the service API in queue group media', async () => {
    const info = await serviceInfo(client.nc, 'media');
    expect(info.name).toBe('media');
    expect(info.endpoints).toEqual([
      ['media.get', 'media'],
      ['media.register', 'media'],
      ['media.resolve', 'media'],
    ]);
  });
});

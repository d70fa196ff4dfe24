// Media through the edge over a real mesh: uploads streamed into JetStream's object store,
// judged by the media service, served back by the edge; the hostile inputs; media down.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { Objm } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';
import { expectEventually, http, sql, startTestMesh, type TestMesh } from '#testing';
import { problem } from './problem.js';
import {
  contentTypeOf,
  htmlBytes,
  image,
  pixelBombPng,
  truncatedJpeg,
  type Format,
} from '../apps/media/test/test-images.js';

let mesh: TestMesh;
let url: string;
let token: string;
let me: { id: string; username: string; displayName: string };
/** Images can be deleted: every cache revalidates (ETag → 304) before each use. */
const NO_CACHE = 'no-cache';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Upload {
  status: number;
  body: any;
  ms: number;
}

/** POST /media as a browser would: multipart/form-data, field `file`. */
async function upload(
  bytes: Uint8Array,
  o: { filename?: string; type?: string; token?: string | null; field?: string } = {},
): Promise<Upload> {
  const form = new FormData();
  form.append(o.field ?? 'file', new Blob([bytes], { type: o.type ?? 'application/octet-stream' }), o.filename ?? 'x');
  const headers: Record<string, string> = {};
  const t = o.token === undefined ? token : o.token;
  if (t) headers.authorization = `Bearer ${t}`;
  const started = performance.now();
  const res = await fetch(`${url}/media`, { method: 'POST', body: form, headers, signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : text, ms: performance.now() - started };
}

async function getBytes(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(url + path, { headers, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const mediaShape = (format: Format, width: number, height: number, bytes: number) => ({
  id: expect.stringMatching(/^[0-9a-f-]{36}$/),
  url: expect.stringMatching(/^\/media\/[0-9a-f-]{36}$/),
  thumbnailUrl: expect.stringMatching(/^\/media\/[0-9a-f-]{36}\/thumbnail$/),
  width,
  height,
  contentType: contentTypeOf(format),
  bytes,
});

/** Names of live (not deleted) objects in the bucket under a prefix. */
async function liveObjects(prefix: string): Promise<string[]> {
  const nc = await connect({ servers: mesh.nats.url });
  try {
    const os = await new Objm(nc).open('media');
    return (await os.list()).filter((o) => !o.deleted && o.name.startsWith(prefix)).map((o) => o.name);
  } finally {
    await nc.close();
  }
}

/** Live heap and Buffer memory of the edge, as its /metrics reports them. */
async function edgeMemory(): Promise<{ heap: number; external: number }> {
  const text = await (await fetch(`${mesh.adminUrl}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  return { heap: read('nodejs_heap_size_used_bytes'), external: read('nodejs_external_memory_bytes') };
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

beforeAll(async () => {
  mesh = await startTestMesh({ replicas: { identity: 1, posts: 1, media: 1 } });
  url = mesh.edgeUrl;
  const res = await http(url, 'POST', '/auth/signup', { body: { username: 'media_e2e', password: 'media password' } });
  expect(res.status).toBe(201);
  token = res.body.token;
  const { id, username, displayName } = res.body.user;
  me = { id, username, displayName };
});
afterAll(async () => mesh?.stop());

describe('upload and serve', () => {
  const formats: Format[] = ['jpeg', 'png', 'webp', 'gif'];
  it.each(formats)('uploads a %s, serves it re-encoded and a thumbnail, with ETag and 304', async (format) => {
    const upload0 = await image(format, 640, 480);
    // The declared type and name are deliberately wrong: only the bytes count.
    const res = await upload(upload0, { filename: 'photo.txt', type: 'text/plain' });
    expect(res.status).toBe(201);
    const m = res.body;
    expect(m.url).toBe(`/media/${m.id}`);
    expect(m.thumbnailUrl).toBe(`/media/${m.id}/thumbnail`);

    // What is served is the original re-encoded without metadata (a GIF as uploaded).
    const original = await getBytes(m.url);
    expect(original.status).toBe(200);
    const bytes = original.bytes;
    if (format === 'gif') expect(bytes.equals(upload0)).toBe(true);
    const om = await sharp(bytes).metadata();
    expect([om.format, om.width, om.height]).toEqual([format, 640, 480]);
    expect(res.body).toEqual(mediaShape(format, 640, 480, bytes.length));
    expect({
      type: original.headers.get('content-type'),
      etag: original.headers.get('etag'),
      cache: original.headers.get('cache-control'),
      length: original.headers.get('content-length'),
    }).toEqual({
      type: contentTypeOf(format),
      etag: `"${sha256(bytes)}"`,
      cache: NO_CACHE,
      length: String(bytes.length),
    });

    const thumb = await getBytes(m.thumbnailUrl);
    expect(thumb.status).toBe(200);
    const tm = await sharp(thumb.bytes).metadata();
    expect([tm.width, tm.height]).toEqual([320, 240]);
    expect(thumb.headers.get('content-type')).toBe(format === 'jpeg' ? 'image/jpeg' : 'image/webp');
    expect(thumb.headers.get('etag')).toBe(`"${sha256(thumb.bytes)}"`);
    expect(thumb.headers.get('cache-control')).toBe(NO_CACHE);

    for (const [path, etag] of [
      [m.url, `"${sha256(bytes)}"`],
      [m.thumbnailUrl, `"${sha256(thumb.bytes)}"`],
    ]) {
      const again = await getBytes(path, { 'if-none-match': `"other", W/${etag}` });
      expect({ status: again.status, length: again.bytes.length, etag: again.headers.get('etag') }).toEqual({
        status: 304,
        length: 0,
        etag,
      });
      expect(again.headers.get('cache-control')).toBe(NO_CACHE);
      expect((await getBytes(path, { 'if-none-match': '"other"' })).status).toBe(200);
    }
  });

  it('uploads a 1 MB JPEG (and reports the time)', async () => {
    const bytes = await image('jpeg', 1400, 1000, { quality: 92 });
    expect(bytes.length).toBeGreaterThan(900_000);
    const res = await upload(bytes);
    expect(res.status).toBe(201);
    // Stored re-encoded (without metadata), so its size is not the upload's.
    expect(res.body).toEqual(mediaShape('jpeg', 1400, 1000, res.body.bytes));
    expect(res.body.bytes).toBeGreaterThan(0);
    process.stdout.write(`upload of a ${(bytes.length / 1e6).toFixed(2)} MB JPEG: ${res.ms.toFixed(0)} ms` + '\n');
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const unknown = await http(url, 'GET', '/media/99999999-9999-4999-8999-999999999999');
    expect(unknown).toMatchObject({ status: 404, body: problem(404, { detail: 'no such media' }) });
    const thumb = await http(url, 'GET', '/media/99999999-9999-4999-8999-999999999999/thumbnail');
    expect(thumb).toMatchObject({ status: 404, body: problem(404, { detail: 'no such media' }) });
    const bad = await http(url, 'GET', '/media/not-a-uuid');
    expect(bad).toMatchObject({
      status: 400,
      body: problem(400, { errors: [{ field: 'id', message: 'must be a UUID' }] }),
    });
  });
});

describe('refusals', () => {
  it('cuts an 11 MiB upload off at 10 MiB: 413, nothing left in the bucket, the edge never holds it', async () => {
    const bytes = Buffer.alloc(11 * 1024 * 1024, 7);
    bytes.set([0xff, 0xd8, 0xff, 0xe0]);
    const edgePid = mesh.edges[0].pid;
    const baseline = { rss: rssOf(edgePid), ...(await edgeMemory()) };
    const peak = { ...baseline };
    let sampling = true;
    // The edge's own view (/metrics, i.e. process.memoryUsage()) while it streams: memory
    // that is live, unlike RSS, which keeps what the allocator has not handed back.
    const sampler = (async () => {
      while (sampling) {
        const m = await edgeMemory();
        peak.heap = Math.max(peak.heap, m.heap);
        peak.external = Math.max(peak.external, m.external);
        peak.rss = Math.max(peak.rss, rssOf(edgePid));
      }
    })();
    const res = await upload(bytes, { filename: 'big.jpg', type: 'image/jpeg' });
    sampling = false;
    await sampler;
    expect(res.status).toBe(413);
    expect(res.body).toEqual(problem(413, { detail: 'The file is larger than 10 MiB.' }));
    expect(await liveObjects('uploads/')).toEqual([]);
    const mib = (n: number) => (n / 1048576).toFixed(1);
    process.stdout.write(
      `edge during an 11 MiB upload: RSS ${mib(baseline.rss)} → ${mib(peak.rss)} MiB, ` +
        `heap ${mib(baseline.heap)} → ${mib(peak.heap)} MiB, external ${mib(baseline.external)} → ${mib(peak.external)} MiB` +
        '\n',
    );
    // Loose on purpose: uncollected garbage of a 10 MiB stream alone measures ~8-13 MiB here. It
    // catches buffering the file (part.toBuffer() holds the chunks and their 10 MiB concat at once).
    expect(peak.external + peak.heap - baseline.external - baseline.heap).toBeLessThan(16 * 1024 * 1024);
  });

  it('refuses a fake image with 415, a pixel bomb with 413, a truncated image with 400', async () => {
    expect(await upload(htmlBytes, { filename: 'cat.png', type: 'image/png' })).toMatchObject({
      status: 415,
      body: problem(415, { detail: 'Only JPEG, PNG, WebP and GIF images are accepted.' }),
    });
    const bomb = await upload(pixelBombPng(), { filename: 'bomb.png', type: 'image/png' });
    expect(bomb).toMatchObject({
      status: 413,
      body: problem(413, { detail: 'The image has 20000×20000 pixels; at most 40000000 are accepted.' }),
    });
    process.stdout.write(`pixel bomb refused through the edge in ${bomb.ms.toFixed(0)} ms` + '\n');
    expect(await upload(await truncatedJpeg(), { filename: 'half.jpg', type: 'image/jpeg' })).toMatchObject({
      status: 400,
      body: problem(400, { detail: 'The image is damaged or truncated and cannot be decoded.' }),
    });
    expect(await liveObjects('uploads/')).toEqual([]);
  });

  it('needs a token (401) and a multipart field named file (400)', async () => {
    const bytes = await image('png', 32, 32);
    expect(await upload(bytes, { token: null })).toMatchObject({ status: 401, body: problem(401) });
    expect(await upload(bytes, { field: 'picture' })).toMatchObject({
      status: 400,
      body: problem(400, { errors: [{ field: 'file', message: 'required' }] }),
    });
    expect(await http(url, 'POST', '/media', { token, body: { file: 'nope' } })).toMatchObject({
      status: 400,
      body: problem(400, { errors: [{ field: 'file', message: 'required' }] }),
    });
  });
});

// Last: it stops media for good.
describe('media in posts', () => {
  it('attaches only your own uploads and shows them as Media objects', async () => {
    const mine = (await upload(await image('jpeg', 300, 200))).body;
    const post = await http(url, 'POST', '/posts', { token, body: { text: 'with a photo', mediaIds: [mine.id] } });
    expect(post.status).toBe(201);
    expect(post.body).toMatchObject({ media: [mine], degraded: [] });
    expect((await http(url, 'GET', `/posts/${post.body.id}`)).body.media).toEqual([mine]);
    const page = await http(url, 'GET', '/posts?author=media_e2e');
    expect(page.body.items.find((p: { id: string }) => p.id === post.body.id).media).toEqual([mine]);

    // An image needs no caption: empty text is fine with media (and only with media: api.e2e).
    const imageOnly = await http(url, 'POST', '/posts', { token, body: { text: '', mediaIds: [mine.id] } });
    const imageOnlyPost = {
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      author: { ...me, followedByMe: null },
      text: '',
      media: [mine],
      mentions: [],
      createdAt: expect.stringMatching(/Z$/),
      likeCount: 0,
      commentCount: 0,
      likedByMe: false,
      degraded: [],
    };
    expect([imageOnly.status, imageOnly.body]).toEqual([201, imageOnlyPost]);
    // This mesh runs no likes or comments: read back, their parts are null and degraded.
    expect(await http(url, 'GET', `/posts/${imageOnly.body.id}`)).toMatchObject({
      status: 200,
      body: {
        ...imageOnly.body,
        likeCount: null,
        commentCount: null,
        likedByMe: null,
        degraded: ['comments', 'likes'],
      },
    });

    const other = await http(url, 'POST', '/auth/signup', {
      body: { username: 'media_other', password: 'media password' },
    });
    const theirs = await http(url, 'POST', '/posts', {
      token: other.body.token,
      body: { text: 'not mine', mediaIds: [mine.id] },
    });
    expect(theirs.status).toBe(400);
    expect(theirs.body).toEqual(
      problem(400, { errors: [{ field: 'mediaIds', message: expect.stringContaining(mine.id) }] }),
    );
    const unknown = '11111111-1111-4111-8111-111111111111';
    expect((await http(url, 'POST', '/posts', { token, body: { text: 'x', mediaIds: [unknown] } })).status).toBe(400);
    expect(
      (await http(url, 'POST', '/posts', { token, body: { text: 'x', mediaIds: Array(5).fill(mine.id) } })).status,
    ).toBe(400);
  });
});

describe("a deleted post's images", () => {
  it('are 404 (with a 304 revalidation too) within ms of the last post using them being deleted, their objects gone', async () => {
    const m = (await upload(await image('png', 200, 100))).body;
    const etag = (await getBytes(m.url)).headers.get('etag')!;
    const post = async () =>
      (await http(url, 'POST', '/posts', { token, body: { text: 'soon gone', mediaIds: [m.id] } })).body.id as string;
    const [first, second] = [await post(), await post()];
    const remove = (id: string) => http(url, 'DELETE', `/posts/${id}`, { token });
    const released = async (postId: string) =>
      (
        await sql<{ released: boolean }>(
          `SELECT released_at IS NOT NULL AS released FROM "${mesh.env.MEDIA_DB_SCHEMA}".post_media WHERE post_id = $1`,
          [postId],
        )
      ).map((r) => r.released);

    // Another live post still shows it: the image stays.
    expect((await remove(first)).status).toBe(204);
    await expectEventually(async () => expect(await released(first)).toEqual([true]));
    expect((await getBytes(m.url)).status).toBe(200);
    expect((await getBytes(m.url, { 'if-none-match': etag })).status).toBe(304);

    expect((await remove(second)).status).toBe(204);
    const deletedAt = performance.now();
    const gone = await expectEventually(async () => {
      const r = await http(url, 'GET', m.url);
      expect([r.status, r.body]).toEqual([404, problem(404)]);
      return performance.now() - deletedAt;
    });
    process.stdout.write(`[measured] DELETE /posts → its image 404: ${gone.toFixed(0)} ms\n`);
    expect(gone).toBeLessThan(5000);
    for (const path of [m.url, m.thumbnailUrl]) {
      // A cache revalidating its copy learns it is gone, too.
      const r = await getBytes(path, { 'if-none-match': etag });
      expect([r.status, r.headers.get('content-type'), JSON.parse(r.bytes.toString())]).toEqual([
        404,
        'application/problem+json; charset=utf-8',
        problem(404),
      ]);
    }
    await expectEventually(async () =>
      expect([...(await liveObjects(`originals/${m.id}`)), ...(await liveObjects(`thumbnails/${m.id}`))]).toEqual([]),
    );
    // Nor can a new post use it.
    const again = await http(url, 'POST', '/posts', { token, body: { text: 'x', mediaIds: [m.id] } });
    expect(again.status).toBe(400);
  });
});

describe('with media down', () => {
  it('posts still load with media as ids and degraded; posting with media 503, without 201', async () => {
    const mine = (await upload(await image('png', 120, 80))).body;
    const post = (
      await http(url, 'POST', '/posts', { token, body: { text: 'before the outage', mediaIds: [mine.id] } })
    ).body;
    for (const p of mesh.replicas.get('media') ?? []) p.kill('SIGTERM');
    await Promise.all((mesh.replicas.get('media') ?? []).map((p) => p.exited));

    const read = await http(url, 'GET', `/posts/${post.id}`);
    expect(read.status).toBe(200);
    // This mesh runs no likes or comments, so they are degraded throughout.
    expect(read.body).toMatchObject({ media: [{ id: mine.id }], degraded: ['comments', 'likes', 'media'] });
    const withMedia = await http(url, 'POST', '/posts', { token, body: { text: 'x', mediaIds: [mine.id] } });
    expect(withMedia).toMatchObject({ status: 503, body: problem(503, { service: 'media' }) });
    expect((await http(url, 'POST', '/posts', { token, body: { text: 'no photo' } })).status).toBe(201);
    mesh.replicas.set('media', [await mesh.addReplica('media')]);
    await expectEventually(async () =>
      expect((await http(url, 'GET', `/posts/${post.id}`)).body.degraded).toEqual(['comments', 'likes']),
    );
  });

  it('answers 503 naming media for uploads and for serving, and leaves no upload behind', async () => {
    const kept = await upload(await image('jpeg', 100, 100));
    expect(kept.status).toBe(201);
    for (const p of mesh.replicas.get('media') ?? []) p.kill('SIGTERM');
    await Promise.all((mesh.replicas.get('media') ?? []).map((p) => p.exited));

    const res = await upload(await image('png', 100, 100));
    expect(res).toMatchObject({ status: 503, body: problem(503, { service: 'media' }) });
    expect(await liveObjects('uploads/')).toEqual([]);
    for (const path of [kept.body.url, kept.body.thumbnailUrl]) {
      expect(await http(url, 'GET', path)).toMatchObject({ status: 503, body: problem(503, { service: 'media' }) });
    }
  });
});

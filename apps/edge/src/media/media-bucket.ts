// The edge's side of the media bucket (JetStream's object store): uploads are streamed in, media
// bytes streamed out (by message get, no consumer: ObjectReader). The provisioner creates the
// bucket; the edge only opens it, lazily, so an edge starts (and serves everything else) before.
import { randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCodes, MediaObjects, MeshError } from '#contracts';
import { ObjectReader } from '#events';

/** The storage is media's: failing to reach it is media being unavailable. */
const unavailable = (what: string, err: unknown) =>
  new MeshError(
    ErrorCodes.unavailable,
    `media storage is unavailable (${what}: ${err instanceof Error ? err.message : String(err)})`,
    undefined,
    'media',
  );

export const tooLarge = () => new MeshError(ErrorCodes.tooLarge, 'The file is larger than 10 MiB.');

/** A file being received: busboy cuts it at the size limit and says so with 'limit'. */
export type IncomingFile = Readable & { truncated?: boolean };

/**
 * A web stream that pulls from a Node stream one chunk per read. (Node 20's Readable.toWeb
 * counts its high-water mark in chunks, not bytes, so it would read a whole upload ahead of
 * the store.)
 */
function pullStream(source: Readable): ReadableStream<Uint8Array> {
  const chunks: AsyncIterator<Buffer, undefined> = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await chunks.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * `source`, cut off with an error once no chunk has come for `stallMs`: the store's reader of an
 * object removed mid-read waits for chunks that never come.
 */
export function stallGuard(source: Readable, stallMs: number): Readable {
  const out = new PassThrough();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const err = new Error(`no media bytes for ${stallMs} ms`);
      source.destroy(err);
      out.destroy(err);
    }, stallMs);
  };
  arm();
  source.on('data', arm);
  const done = () => clearTimeout(timer);
  source.once('end', done);
  source.once('error', (err) => (done(), out.destroy(err)));
  out.once('close', () => (done(), source.destroy()));
  source.pipe(out);
  return out;
}

export class MediaBucket {
  private opening?: Promise<ObjectStore>;
  private reader?: ObjectReader;

  constructor(
    private readonly nc: NatsConnection,
    private readonly bucket: string,
    private readonly stallMs: number,
  ) {}

  /**
   * Streams a file into `uploads/<uuid>` chunk by chunk (the store publishes 128 KiB chunks and
   * waits for each ack, so at most a chunk or two is in memory). A file cut off at the size
   * limit fails the write, and whatever landed is removed: too_large.
   */
  async upload(file: IncomingFile): Promise<string> {
    const os = await this.store();
    const name = MediaObjects.upload(randomUUID());
    const body = new PassThrough();
    let cut = false;
    file.once('limit', () => {
      cut = true;
      body.destroy(tooLarge());
    });
    file.once('error', (err) => body.destroy(err));
    file.pipe(body);
    try {
      await os.put({ name }, pullStream(body));
    } catch (err) {
      file.unpipe(body);
      file.resume();
      await this.remove(name).catch(() => undefined);
      if (cut || file.truncated) throw tooLarge();
      if (err instanceof MeshError) throw err;
      throw unavailable('upload', err);
    }
    if (cut || file.truncated) {
      await this.remove(name).catch(() => undefined);
      throw tooLarge();
    }
    return name;
  }

  /** The object's bytes as a stream, or not_found when the object is missing. */
  async read(name: string): Promise<Readable> {
    let bytes: ReadableStream<Uint8Array>;
    try {
      this.reader ??= await ObjectReader.open(this.nc, this.bucket);
      const info = await this.reader.info(name);
      if (!info) throw new MeshError(ErrorCodes.notFound, 'The media bytes are missing.');
      bytes = this.reader.chunks(info);
    } catch (err) {
      if (err instanceof MeshError) throw err;
      throw unavailable('read', err);
    }
    return stallGuard(Readable.fromWeb(bytes as never), this.stallMs);
  }

  async remove(name: string): Promise<void> {
    const os = await this.store();
    await os.delete(name);
  }

  private store(): Promise<ObjectStore> {
    this.opening ??= new Objm(this.nc).open(this.bucket).catch((err: unknown) => {
      // Not there yet (media never started) or JetStream down: try again next time.
      this.opening = undefined;
      throw unavailable('open', err);
    });
    return this.opening;
  }
}

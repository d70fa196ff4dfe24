// The media bucket in JetStream's object store, as the media service uses it: opened at start
// (the provisioner made it), uploads read back with their header first (by message get, no
// consumer: ObjectReader), originals and thumbnails written.
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { ObjectReader as StoreReader } from '#events';

/** An object being read: the header first, the rest only if the header passed. */
export class ObjectReader {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private done = false;

  constructor(
    readonly size: number,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
  ) {}

  /** At least `n` bytes (fewer if the object is shorter), without reading much further. */
  async head(n: number): Promise<Buffer> {
    while (this.length < n && !this.done) await this.readOne();
    return Buffer.concat(this.chunks).subarray(0, n);
  }

  /** Every byte; the store has checked the object's digest once the last chunk is in. */
  async all(): Promise<Buffer> {
    while (!this.done) await this.readOne();
    return Buffer.concat(this.chunks, this.length);
  }

  /** Stops reading if the rest is not wanted. */
  cancel(): void {
    if (!this.done) void this.reader.cancel().catch(() => undefined);
    this.done = true;
  }

  private async readOne(): Promise<void> {
    const { done, value } = await this.reader.read();
    if (done) this.done = true;
    else if (value.length > 0) {
      this.chunks.push(Buffer.from(value.buffer, value.byteOffset, value.length));
      this.length += value.length;
    }
  }
}

export class MediaStore {
  private constructor(
    private readonly os: ObjectStore,
    private readonly reader: StoreReader,
  ) {}

  /** Opens the bucket (the replica waited for the provisioner to make it). */
  static async open(nc: NatsConnection, o: { bucket: string }): Promise<MediaStore> {
    const os = await new Objm(nc).open(o.bucket);
    return new MediaStore(os, await StoreReader.open(nc, o.bucket));
  }

  /**
   * An object's size and digest (`SHA-256=…`, computed by the store as the bytes went in), read
   * from its metadata without opening it; null when there is no such object.
   */
  async describe(name: string): Promise<{ size: number; digest: string } | null> {
    const info = await this.reader.info(name);
    return info ? { size: info.size, digest: info.digest } : null;
  }

  /** Null when there is no such object. */
  async read(name: string): Promise<ObjectReader | null> {
    const info = await this.reader.info(name);
    if (!info) return null;
    return new ObjectReader(info.size, this.reader.chunks(info).getReader());
  }

  async put(name: string, bytes: Uint8Array, contentType: string): Promise<void> {
    await this.os.putBlob({ name, metadata: { 'content-type': contentType } }, bytes);
  }

  /** Removing what is already gone is not an error (the store answers success: false). */
  async remove(name: string): Promise<void> {
    await this.os.delete(name);
  }
}

// Reading an object of a JetStream object store without a consumer. @nats-io/obj's `get` creates
// an ordered push consumer with a deliver subject of the reader's choosing, so whoever may read a
// bucket that way may point a consumer's delivery at any subject. This reads the object's
// metadata and then its chunks one by one with the stream's message get
// (`$JS.API.STREAM.MSG.GET.OBJ_<bucket>`, last by subject / next by subject), which the NATS
// permissions grant to the bucket's readers (libs/mesh nats-permissions.ts), and checks the digest
// the store recorded once the last chunk is in.
import { createHash } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { objectStreamName } from '#contracts';

export interface StoredObject {
  name: string;
  size: number;
  chunks: number;
  nuid: string;
  /** `SHA-256=<base64url>`, as the store computed it while the bytes went in. */
  digest: string;
  deleted: boolean;
  metadata?: Record<string, string>;
  /** The metadata message's stream sequence. */
  revision: number;
}

export class ObjectDigestError extends Error {}

/** The store's name encoding of the metadata subject: base64url with padding. */
const metaToken = (name: string) => {
  const b = Buffer.from(name).toString('base64url');
  return b + '='.repeat((4 - (b.length % 4)) % 4);
};
const bare = (digest: string) => digest.replace(/^SHA-256=/i, '').replace(/=+$/, '');

export class ObjectReader {
  private constructor(
    private readonly jsm: JetStreamManager,
    readonly bucket: string,
  ) {}

  static async open(nc: NatsConnection, bucket: string): Promise<ObjectReader> {
    return new ObjectReader(await jetstreamManager(nc, { checkAPI: false }), bucket);
  }

  private get stream() {
    return objectStreamName(this.bucket);
  }

  /** The object's metadata; null when there is no such object (or it was deleted). */
  async info(name: string): Promise<StoredObject | null> {
    const m = await this.jsm.streams.getMessage(this.stream, {
      last_by_subj: `$O.${this.bucket}.M.${metaToken(name)}`,
    });
    if (m === null) return null;
    const info = { ...m.json<Omit<StoredObject, 'revision'>>(), revision: m.seq };
    return info.deleted ? null : info;
  }

  /**
   * The object's bytes, chunk by chunk as they are read (one message get each); the stream
   * errors if a chunk is missing or the digest does not match.
   */
  chunks(info: StoredObject): ReadableStream<Uint8Array> {
    const subject = `$O.${this.bucket}.C.${info.nuid}`;
    const sha = createHash('sha256');
    let seq = 1;
    let read = 0;
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          if (read === info.chunks) {
            if (bare(sha.digest('base64url')) !== bare(info.digest)) {
              controller.error(new ObjectDigestError(`object ${info.name}: digest mismatch`));
            } else controller.close();
            return;
          }
          const m = await this.jsm.streams.getMessage(this.stream, { seq, next_by_subj: subject } as never);
          if (m === null) {
            controller.error(new Error(`object ${info.name}: chunk ${read + 1} of ${info.chunks} missing`));
            return;
          }
          seq = m.seq + 1;
          read++;
          sha.update(m.data);
          controller.enqueue(m.data);
        },
      },
      { highWaterMark: 0 },
    );
  }
}

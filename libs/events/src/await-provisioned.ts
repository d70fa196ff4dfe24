// A runtime app only binds to its JetStream layout (it may not create any of it): at start it
// waits until the provisioner has made its streams, consumers and buckets, asking again with a
// growing pause (0.5 s doubling to 5 s) and saying once, per change, what it still misses.
import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import type { ConsumerLayout } from '#contracts';

export interface ProvisionedParts {
  /** Streams the app publishes to or reads (EVENTS, OBJ_media, KV_ratelimits). */
  streams: string[];
  /** Its own durable consumers. */
  consumers: ConsumerLayout[];
}

const FIRST_PAUSE_MS = 500;
const MAX_PAUSE_MS = 5000;

/** What of `parts` is missing (`stream EVENTS`, `consumer EVENTS/likes--…`); empty when all are there. */
export async function missingParts(nc: NatsConnection, parts: ProvisionedParts): Promise<string[]> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const missing: string[] = [];
  for (const s of parts.streams) if (!(await exists(() => jsm.streams.info(s)))) missing.push(`stream ${s}`);
  for (const c of parts.consumers) {
    if (!(await exists(() => jsm.consumers.info(c.stream, c.durable))))
      missing.push(`consumer ${c.stream}/${c.durable}`);
  }
  return missing;
}

async function exists(info: () => Promise<unknown>): Promise<boolean> {
  try {
    await info();
    return true;
  } catch (err) {
    if (
      err instanceof JetStreamApiError &&
      (err.code === JetStreamApiCodes.StreamNotFound || err.code === JetStreamApiCodes.ConsumerNotFound)
    )
      return false;
    throw err;
  }
}

/**
 * Resolves once every part exists. `onMissing` hears each new list of what is missing (or why
 * JetStream could not be asked), for the log and the not-serving reason.
 */
export async function awaitProvisioned(
  nc: NatsConnection,
  parts: ProvisionedParts,
  onMissing: (state: string) => void,
  o: { signal?: AbortSignal } = {},
): Promise<void> {
  let pause = FIRST_PAUSE_MS;
  let said = '';
  for (;;) {
    let state: string;
    try {
      const missing = await missingParts(nc, parts);
      if (missing.length === 0) return;
      state = `jetstream not provisioned: ${missing.join(', ')} missing (run the provisioner: mesh provision)`;
    } catch (err) {
      state = `jetstream unavailable: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (state !== said) onMissing((said = state));
    if (o.signal?.aborted) throw new Error(state);
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(MAX_PAUSE_MS, pause * 2);
  }
}

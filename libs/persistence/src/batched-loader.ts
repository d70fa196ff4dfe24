// Reads that many concurrent requests ask at once, made one query (graphql's DataLoader). Under
// load a replica takes several NATS messages per socket read; each asking e.g. the like counts
// of one post used to be a query — a round trip and a socket write each, the largest share of a
// counting service's CPU. Keys asked during one event-loop turn (setImmediate) go to `batch`
// together. No cache: every request reads fresh rows. A batch that fails fails each of its loads
// with the same error.
import DataLoader from 'dataloader';

export type BatchedLoader<K, V> = DataLoader<K, V>;

/** `batch(keys)` answers one value per key, in order (keys may repeat; dedupe in the query). */
export function batchedLoader<K, V>(
  batch: (keys: readonly K[]) => Promise<V[]>,
  o: { maxBatchSize?: number } = {},
): BatchedLoader<K, V> {
  return new DataLoader<K, V>(batch, {
    cache: false,
    batchScheduleFn: (run) => setImmediate(run),
    maxBatchSize: o.maxBatchSize ?? 1000,
  });
}

// What feed's rules take from its config (provided once, read by the service).
export const FEED_CONFIG = Symbol('FEED_CONFIG');
/** The replica's pino logger. */
export const FEED_LOGGER = Symbol('FEED_LOGGER');

export interface FeedSettings {
  fanoutBatch: number;
  maxItems: number;
  rebuildBatch: number;
  sizeFlushMs: number;
}

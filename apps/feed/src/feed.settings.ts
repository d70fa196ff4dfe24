// What feed's rules take from its config (provided once, read by the service).
export const FEED_CONFIG = Symbol('FEED_CONFIG');

export interface FeedSettings {
  fanoutBatch: number;
  maxItems: number;
  rebuildBatch: number;
}

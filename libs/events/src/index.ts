export * from './event-streams.js';
export * from './event-consumer.js';
export * from './event-consumers.js';
export * from './outbox.js';
export * from './outbox.migration.js';
export * from './outbox-relay.js';
export * from './dead-letter.js';

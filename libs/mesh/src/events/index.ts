export * from './event-streams.js';
export * from './event-consumer.js';
export * from './event-consumers.js';
export * from './dead-letter.js';

// Open-loop load generation for the bench and the drill tools (never in an image).
export * from './seeded-random.js';
export * from './arrival-schedule.js';
export * from './latency-recorder.js';
export * from './open-loop.js';
export * from './rate-sweep.js';

export * from './run-service.js';
export * from './run-database-service.js';
export * from './replica-process.js';

export * from './data-source.js';
export * from './migrate.js';
export * from './open-database.js';
export * from './database-errors.js';
export * from './schema-name.js';
export * from './pg-pool.js';
export * from './run-database-service.js';

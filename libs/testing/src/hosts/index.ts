export * from './test-hosts.js';
export * from './host-postgres.js';
export * from './hosts-mesh.js';

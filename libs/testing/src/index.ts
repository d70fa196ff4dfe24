export * from './nats-server.js';
export * from './free-port.js';
export * from './database.js';
export * from './expect-eventually.js';
export * from './keys.js';
export * from './mesh-request.js';

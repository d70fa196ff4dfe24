import 'reflect-metadata';
import { loadIdentityConfig } from './identity.config.js';
import { startIdentity } from './identity.app.js';

await startIdentity(loadIdentityConfig());

import 'reflect-metadata';
import { loadMediaConfig } from './media.config.js';
import { startMedia } from './media.app.js';

await startMedia(loadMediaConfig());

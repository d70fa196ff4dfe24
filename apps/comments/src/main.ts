import 'reflect-metadata';
import { loadCommentsConfig } from './comments.config.js';
import { startComments } from './comments.app.js';

await startComments(loadCommentsConfig());

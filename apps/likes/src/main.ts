import 'reflect-metadata';
import { loadLikesConfig } from './likes.config.js';
import { startLikes } from './likes.app.js';

await startLikes(loadLikesConfig());

import 'reflect-metadata';
import { loadFeedConfig } from './feed.config.js';
import { startFeed } from './feed.app.js';

await startFeed(loadFeedConfig());

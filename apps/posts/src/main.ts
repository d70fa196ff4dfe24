import 'reflect-metadata';
import { loadPostsConfig } from './posts.config.js';
import { startPosts } from './posts.app.js';

await startPosts(loadPostsConfig());

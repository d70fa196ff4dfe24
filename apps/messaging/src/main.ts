import 'reflect-metadata';
import { loadMessagingConfig } from './messaging.config.js';
import { startMessaging } from './messaging.app.js';

await startMessaging(loadMessagingConfig());

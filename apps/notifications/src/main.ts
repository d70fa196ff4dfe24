import 'reflect-metadata';
import { loadNotificationsConfig } from './notifications.config.js';
import { startNotifications } from './notifications.app.js';

await startNotifications(loadNotificationsConfig());

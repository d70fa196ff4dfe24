import 'reflect-metadata';
import { loadEdgeConfig } from './edge.config.js';
import { startEdge } from './edge.app.js';

await startEdge(loadEdgeConfig());

import 'reflect-metadata';
import { loadGraphConfig } from './graph.config.js';
import { startGraph } from './graph.app.js';

await startGraph(loadGraphConfig());

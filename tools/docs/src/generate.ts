// The generated parts of the docs, rendered from the code and put in place in README.md and
// docs/*.md (markers.ts). docs.spec.ts fails when a committed file differs from what this gives.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { MeshServices } from '#contracts';
import { describeEdgeApi } from '../../../apps/edge/src/openapi/openapi-document.js';
import { failSoftTable, routeTable, shapeTables } from './api-tables.js';
import { configTable, envReaders } from './config-table.js';
import { libLayers, libLayersGraph, libLayersTable } from './lib-layers.js';
import { fillParts } from './markers.js';
import { rateLimitTable } from './rate-limit-table.js';

/** Every generated part by name, rendered once per run. */
export async function renderParts(root: string): Promise<Record<string, string>> {
  const [api, readers, layers] = await Promise.all([describeEdgeApi(), envReaders(), libLayers(root)]);
  return {
    routes: routeTable(api),
    shapes: shapeTables(api),
    'fail-soft': failSoftTable(api, MeshServices),
    config: configTable(root, readers),
    'lib-layers': libLayersTable(layers),
    'lib-layers-graph': libLayersGraph(layers),
    'rate-limits': rateLimitTable(),
  };
}

/** The markdown files that may hold generated parts: README.md and docs/. */
export function docFiles(root: string): string[] {
  return [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
}

/** Each doc file as the generator writes it: parts filled, then formatted as prettier would. */
export async function generateDocs(
  root: string,
  parts: Record<string, string>,
): Promise<Map<string, { committed: string; generated: string }>> {
  const out = new Map<string, { committed: string; generated: string }>();
  for (const file of docFiles(root)) {
    const path = join(root, file);
    const committed = readFileSync(path, 'utf8');
    const options = (await prettier.resolveConfig(path)) ?? {};
    const generated = await prettier.format(fillParts(committed, parts, file), { ...options, filepath: path });
    out.set(file, { committed, generated });
  }
  return out;
}

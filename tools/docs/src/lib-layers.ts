// docs/architecture.md's map of the libraries, from LIB_LAYERS in eslint.config.js: the very
// object the lint rules that enforce the layers are built from.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

export interface LibLayer {
  may: string[];
  purpose: string;
}

export async function libLayers(root: string): Promise<Record<string, LibLayer>> {
  const config = (await import(pathToFileURL(join(root, 'eslint.config.js')).href)) as {
    LIB_LAYERS: Record<string, LibLayer>;
  };
  return config.LIB_LAYERS;
}

/** One row per library: its alias, what it is for, and what it may import. */
export function libLayersTable(layers: Record<string, LibLayer>): string {
  const rows = Object.entries(layers).map(([lib, l]) => {
    const may = l.may.length ? l.may.map((m) => `\`#${m}\``).join(', ') : 'no library of ours';
    return `| \`libs/${lib}\` (\`#${lib}\`) | ${l.purpose} | ${may} |`;
  });
  return ['| library | for | may import |', '| --- | --- | --- |', ...rows].join('\n');
}

/**
 * The same map drawn: an arrow from each library to each one it may import, less the arrows
 * implied by others (if service may import events and events may import mesh, service → mesh
 * is left out), so the picture shows the layers rather than every permission.
 */
export function libLayersGraph(layers: Record<string, LibLayer>): string {
  const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
    layers[from].may.some((m) => m === to || (!seen.has(m) && (seen.add(m), reaches(m, to, seen))));
  const edges = Object.entries(layers).flatMap(([lib, l]) =>
    l.may.filter((m) => !l.may.some((other) => other !== m && reaches(other, m))).map((m) => `  ${lib} --> ${m}`),
  );
  const nodes = Object.keys(layers).map((lib) => `  ${lib}["libs/${lib}"]`);
  return ['```mermaid', 'flowchart TD', ...nodes, ...edges, '```'].join('\n');
}

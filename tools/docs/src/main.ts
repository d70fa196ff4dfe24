// `npm run docs`: rewrites the generated parts of README.md and docs/*.md from the code (the
// route table from the edge's OpenAPI document, the config table from the env schemas, the
// library map from eslint.config.js), and says which files changed.
//   --check   write nothing; exit 1 naming the files that are out of date
//   --json    write nothing; print {files: {<file>: <as generated>}, parts: {<name>: <markdown>}}
//             (what docs.spec.ts compares the committed files with)
// It runs from dist/, compiled by tsc: the OpenAPI document needs tsc's decorator metadata
// (vitest's swc names a zod schema where tsc emits Object, which @nestjs/swagger cannot read).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from '#service';
import { generateDocs, renderParts } from './generate.js';

const root = findRepoRoot();
const mode = process.argv[2];
const parts = await renderParts(root);
const docs = await generateDocs(root, parts);

if (mode === '--json') {
  const files = Object.fromEntries([...docs].map(([file, { generated }]) => [file, generated]));
  process.stdout.write(JSON.stringify({ files, parts }));
} else {
  const stale = [...docs].filter(([, d]) => d.committed !== d.generated).map(([file]) => file);
  if (mode === '--check') {
    process.stdout.write(stale.length ? `out of date (npm run docs): ${stale.join(', ')}\n` : 'docs are up to date\n');
    process.exitCode = stale.length ? 1 : 0;
  } else {
    for (const file of stale) {
      writeFileSync(join(root, file), docs.get(file)!.generated);
      process.stdout.write(`wrote ${file}\n`);
    }
    process.stdout.write(stale.length ? `${stale.length} file(s) regenerated\n` : 'docs are up to date\n');
  }
}

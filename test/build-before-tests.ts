// Vitest's global setup: before any test runs, dist/ is brought up to date with the sources, so
// no test can run a service from source against the others from a stale build. The TypeScript
// build is incremental (a no-op takes ~4 s here); the web client is rebuilt only when a file of
// apps/web is newer than its last build.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { findRepoRoot } from '#service';

const root = findRepoRoot();

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export default function buildBeforeTests(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  const webBuilt = join(root, 'dist', 'web', 'index.html');
  const web = join(root, 'apps', 'web');
  if (!existsSync(webBuilt) || newestMtime(web) > statSync(webBuilt).mtimeMs) {
    execFileSync('npm', ['run', 'build:web', '--silent'], { cwd: root, stdio: 'inherit' });
  }
}

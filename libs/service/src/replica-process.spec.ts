import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appMainFile, findRepoRoot } from './replica-process.js';

describe('findRepoRoot', () => {
  it('finds the repository from the sources, whatever the working directory', () => {
    const root = findRepoRoot();
    expect(existsSync(join(root, 'libs', 'service', 'src', 'replica-process.ts'))).toBe(true);
    expect(appMainFile(root, 'posts')).toBe(join(root, 'dist', 'apps', 'posts', 'src', 'main.js'));
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevKeys, type KeyFiles } from '#runtime';

/** A fresh token key pair in a temp folder. */
export function tempKeys(): KeyFiles {
  return ensureDevKeys(mkdtempSync(join(tmpdir(), 'failsoft-keys-')));
}

// The control API's token: a launcher makes a random one at start and writes it to its state
// folder (`.mesh/control-<port>.token`, mode 0600, removed when it stops); the operator CLI reads
// it there. Only someone who can read the developer's files can scale or kill replicas: a web
// page the developer opens cannot (control-api.ts refuses browser-shaped requests besides).
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where a launcher started from `repoRoot` keeps its state (keys, NATS data, control token). */
export const meshStateDir = (repoRoot: string) => join(repoRoot, '.mesh');

/** Which launcher a client talks to: its control port, and the state folder holding its token. */
export interface ControlTarget {
  port: number;
  stateDir: string;
}

export const controlTokenFile = (t: ControlTarget) => join(t.stateDir, `control-${t.port}.token`);

/** A new token: 32 random bytes, base64url. */
export const newControlToken = () => randomBytes(32).toString('base64url');

/** Writes the token for this port, a file only its owner can read. */
export function writeControlToken(t: ControlTarget, token: string): void {
  const file = controlTokenFile(t);
  mkdirSync(t.stateDir, { recursive: true });
  // A file left by a launcher that was SIGKILLed is replaced, not reused: a new token per start.
  rmSync(file, { force: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
}

/** The token of the launcher on this port, or null when there is none (no launcher, or not ours). */
export function readControlToken(t: ControlTarget): string | null {
  try {
    return readFileSync(controlTokenFile(t), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

export function removeControlToken(t: ControlTarget, token: string): void {
  // Only our own: a second launcher refused on this port must not remove the first one's.
  if (readControlToken(t) === token) rmSync(controlTokenFile(t), { force: true });
}

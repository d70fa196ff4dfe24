import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findExecutable, loopbackPort } from './nats-bootstrap.js';

describe('loopbackPort', () => {
  it.each([
    ['nats://127.0.0.1:4222', 4222],
    ['nats://localhost:5000', 5000],
    ['nats://[::1]:4223', 4223],
    ['127.0.0.1:4300', 4300],
    ['nats://127.0.0.1', 4222],
  ])('%s → %d: ours to start', (url, port) => expect(loopbackPort(url)).toBe(port));

  it.each([
    'nats://nats.internal:4222',
    'nats://10.0.0.5:4222',
    'nats://127.0.0.1:4222,nats://127.0.0.1:4223',
    '::nonsense',
  ])('%s → null: not ours to start', (url) => expect(loopbackPort(url)).toBeNull());
});

describe('findExecutable', () => {
  it('searches the PATH like a shell, skipping files that are not executable', () => {
    const a = mkdtempSync(join(tmpdir(), 'mesh-path-a-'));
    const b = mkdtempSync(join(tmpdir(), 'mesh-path-b-'));
    writeFileSync(join(a, 'nats-server'), '');
    writeFileSync(join(b, 'nats-server'), '#!/bin/sh\n');
    chmodSync(join(b, 'nats-server'), 0o755);
    expect(findExecutable('nats-server', `${a}:${b}`)).toBe(join(b, 'nats-server'));
    expect(findExecutable('nats-server', a)).toBeNull();
    expect(findExecutable(join(b, 'nats-server'), '')).toBe(join(b, 'nats-server'));
    for (const dir of [a, b]) rmSync(dir, { recursive: true, force: true });
  });
});

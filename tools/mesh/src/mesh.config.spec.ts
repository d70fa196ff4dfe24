import { describe, expect, it } from 'vitest';
import { loadLauncherConfig, loadOperatorConfig } from './mesh.config.js';

describe('loadLauncherConfig', () => {
  it('defaults: every app once, NATS on loopback, control on 3099, local dev keys', () => {
    const c = loadLauncherConfig({ PATH: '/usr/bin' });
    expect(Object.fromEntries(c.replicas)).toEqual({
      identity: 1,
      posts: 1,
      comments: 1,
      likes: 1,
      media: 1,
      messaging: 1,
      graph: 1,
      feed: 1,
      notifications: 1,
      edge: 1,
    });
    expect([c.NATS_URL, c.MESH_CONTROL_PORT, c.PORT, c.DRAIN_TIMEOUT_MS, c.hasTokenKeys]).toEqual([
      'nats://127.0.0.1:4222',
      3099,
      3000,
      10_000,
      false,
    ]);
  });

  it('lets --replicas win over REPLICAS', () => {
    const c = loadLauncherConfig({ MESH_APPS: 'posts', REPLICAS: 'posts=2' }, 'posts=3');
    expect(Object.fromEntries(c.replicas)).toEqual({ posts: 3 });
  });

  it('sees token keys given as values or files', () => {
    expect(loadLauncherConfig({ JWT_PUBLIC_KEY_FILE: '/k.pem' }).hasTokenKeys).toBe(true);
    expect(loadLauncherConfig({ JWT_PRIVATE_KEY: 'pem' }).hasTokenKeys).toBe(true);
  });

  it('fails in one line naming the variable', () => {
    expect(() => loadLauncherConfig({ REPLICAS: 'posts=many' })).toThrow(
      /^REPLICAS: posts=many: the count must be a whole number$/,
    );
    expect(() => loadLauncherConfig({ MESH_CONTROL_PORT: '70000' })).toThrow(/^MESH_CONTROL_PORT: /);
    expect(() => loadLauncherConfig({ MESH_APP_OVERRIDE_likez: '/x.js' })).toThrow(
      'MESH_APP_OVERRIDE_likez: unknown app "likez"',
    );
  });

  it('reads the test-only app overrides', () => {
    expect(loadLauncherConfig({ MESH_APP_OVERRIDE_posts: '/tmp/crash.mjs' }).overrides).toEqual(
      new Map([['posts', '/tmp/crash.mjs']]),
    );
  });
});

describe('loadOperatorConfig', () => {
  it('reads the control port', () => {
    expect(loadOperatorConfig({ MESH_CONTROL_PORT: '4100' }).MESH_CONTROL_PORT).toBe(4100);
  });
});

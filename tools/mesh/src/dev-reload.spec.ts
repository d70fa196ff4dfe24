import { describe, expect, it } from 'vitest';
import type { AppName } from './app-catalogue.js';
import { affectedBy } from './dev-reload.js';

const running: AppName[] = ['posts', 'likes', 'edge'];

describe('which replicas a change under dist/ restarts', () => {
  it("an app's own files: that app, if it runs", () => {
    expect(affectedBy('apps/posts/src/posts.service.js', running)).toEqual({ apps: ['posts'], launcher: false });
    expect(affectedBy('apps/edge/src/auth/token-verifier.js', running)).toEqual({ apps: ['edge'], launcher: false });
    expect(affectedBy('apps/comments/src/main.js', running)).toEqual({ apps: [], launcher: false });
  });

  it('a library: every app that runs, except for the test-only one', () => {
    expect(affectedBy('libs/runtime/src/logger.js', running)).toEqual({ apps: running, launcher: false });
    expect(affectedBy('libs\\mesh\\src\\mesh-client.js', running).apps).toEqual(running);
    expect(affectedBy('libs/testing/src/free-port.js', running).apps).toEqual([]);
  });

  it('the launcher itself is only reported; maps, build info, the web client and the rest restart nothing', () => {
    expect(affectedBy('tools/mesh/src/launcher.js', running)).toEqual({ apps: [], launcher: true });
    for (const path of [
      'apps/posts/src/posts.service.js.map',
      '.tsbuildinfo',
      'web/assets/index.js',
      'bench/run.js',
      'tools/chaos/src/main.js',
    ])
      expect(affectedBy(path, running), path).toEqual({ apps: [], launcher: false });
  });
});

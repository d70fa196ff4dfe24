import { describe, expect, it } from 'vitest';
import { type MeshView } from '#mesh';
import type { LauncherStatus } from './control-types.js';
import {
  formatDuration,
  formatNatsLine,
  formatStatus,
  joinStatus,
  natsMismatchWarning,
  sameNats,
  statusNats,
} from './status-view.js';

const now = Date.parse('2026-01-01T01:00:00.000Z');
const mesh: MeshView = {
  services: [
    {
      name: 'posts',
      status: 'up',
      reason: null,
      waiting: [],
      replicas: [
        {
          id: 'AAA',
          pid: 101,
          host: 'h1',
          version: '0.1.0',
          startedAt: '2026-01-01T00:58:55.000Z',
          requests: 120,
          errors: 2,
          averageLatencyMs: 0.842,
          overload: null,
        },
      ],
    },
    { name: 'identity', status: 'down', reason: null, replicas: [], waiting: [] },
  ],
};
const launcher: LauncherStatus = {
  pid: 1,
  nats: { url: 'nats://127.0.0.1:4222', startedHere: false, pid: null },
  apps: [
    {
      app: 'posts',
      desired: 3,
      replicas: [
        { index: 0, pid: 101, startedAt: '2026-01-01T00:58:50.000Z', restarts: 1, state: 'running', frozen: false },
        { index: 1, pid: 102, startedAt: '2026-01-01T00:59:00.000Z', restarts: 0, state: 'running', frozen: true },
        { index: 2, pid: null, startedAt: null, restarts: 4, state: 'crashed', frozen: false },
      ],
    },
  ],
};

describe('joinStatus', () => {
  it('joins NATS replicas with the launcher view by pid, and adds the ones NATS cannot see', () => {
    const report = joinStatus(mesh, launcher, now);
    expect(report.launcher).toBe('running');
    expect(report.services.map((s) => [s.name, s.status, s.live, s.desired, s.crashed])).toEqual([
      ['posts', 'up', 1, 3, 1],
      ['identity', 'down', 0, null, 0],
    ]);
    expect(report.services[0].replicas).toEqual([
      {
        id: 'AAA',
        pid: 101,
        host: 'h1',
        startedAt: '2026-01-01T00:58:55.000Z',
        uptimeMs: 65_000,
        requests: 120,
        errors: 2,
        averageLatencyMs: 0.842,
        index: 0,
        state: 'running',
        restarts: 1,
      },
      {
        id: null,
        pid: 102,
        host: null,
        startedAt: '2026-01-01T00:59:00.000Z',
        uptimeMs: 60_000,
        requests: null,
        errors: null,
        averageLatencyMs: null,
        index: 1,
        state: 'frozen',
        restarts: 0,
      },
      {
        id: null,
        pid: null,
        host: null,
        startedAt: null,
        uptimeMs: null,
        requests: null,
        errors: null,
        averageLatencyMs: null,
        index: 2,
        state: 'crashed',
        restarts: 4,
      },
    ]);
  });

  it('shows the NATS part alone when no launcher answers', () => {
    const report = joinStatus(mesh, null, now);
    expect(report.launcher).toBe('not running');
    expect(report.services[0].replicas).toHaveLength(1);
    expect(report.services[0].replicas[0].state).toBeNull();
  });

  it('takes an HTTP app (not in $SRV) as up while the launcher runs a replica of it that is not frozen', () => {
    const edge = (frozen: boolean): LauncherStatus => ({
      ...launcher,
      apps: [
        {
          app: 'edge',
          desired: 1,
          replicas: [
            { index: 0, pid: 300, startedAt: '2026-01-01T00:59:00.000Z', restarts: 0, state: 'running', frozen },
          ],
        },
      ],
    });
    expect(joinStatus(mesh, edge(false), now).services.find((s) => s.name === 'edge')).toMatchObject({
      status: 'up',
      live: 1,
    });
    expect(joinStatus(mesh, edge(true), now).services.find((s) => s.name === 'edge')).toMatchObject({
      status: 'down',
      live: 0,
    });
  });
});

describe('a service whose replica is in $SRV but waits for its database', () => {
  const state = 'database 127.0.0.1:5999/failsoft unreachable: ECONNREFUSED 127.0.0.1:5999';
  const waitingMesh: MeshView = {
    services: [
      {
        name: 'likes',
        status: 'down',
        reason: state,
        replicas: [],
        waiting: [
          {
            id: 'WWW',
            pid: 201,
            host: 'h1',
            version: '0.1.0',
            startedAt: '2026-01-01T00:59:50.000Z',
            waitingFor: 'database',
            state,
            target: '127.0.0.1:5999/failsoft',
          },
        ],
      },
    ],
  };
  const waitingLauncher: LauncherStatus = {
    ...launcher,
    apps: [
      {
        app: 'likes',
        desired: 1,
        replicas: [
          { index: 0, pid: 201, startedAt: '2026-01-01T00:59:49.000Z', restarts: 0, state: 'starting', frozen: false },
        ],
      },
    ],
  };

  it('lists the replica once, its reason as its state, and the reason on the service', () => {
    const likes = joinStatus(waitingMesh, waitingLauncher, now).services[0];
    expect(likes).toMatchObject({ name: 'likes', status: 'down', live: 0, waiting: 1, reason: state, desired: 1 });
    expect(likes.replicas).toEqual([
      {
        id: 'WWW',
        pid: 201,
        host: 'h1',
        startedAt: '2026-01-01T00:59:50.000Z',
        uptimeMs: 10_000,
        requests: null,
        errors: null,
        averageLatencyMs: null,
        index: 0,
        state,
        restarts: 0,
      },
    ]);
  });

  it('prints the reason on the service line and as the replica state', () => {
    expect(formatStatus(joinStatus(waitingMesh, waitingLauncher, now))).toBe(
      [
        `likes  DOWN  (0 live, 1 waiting, desired 1): ${state}`,
        `  ID   PID  HOST  UPTIME  REQUESTS  ERRORS  MEAN MS  ${'STATE'.padEnd(state.length)}  RESTARTS`,
        `  WWW  201  h1       10s         -       -        -  ${state}         0`,
        '',
      ].join('\n'),
    );
  });
});

describe('formatStatus', () => {
  it('prints one aligned block per service', () => {
    expect(formatStatus(joinStatus(mesh, launcher, now))).toBe(
      [
        'posts  UP  (1 live, desired 3, 1 crashed)',
        '  ID   PID  HOST  UPTIME  REQUESTS  ERRORS  MEAN MS  STATE    RESTARTS',
        '  AAA  101  h1     1m05s       120       2     0.84  running         1',
        '  -    102  -      1m00s         -       -        -  frozen          0',
        '  -      -  -          -         -       -        -  crashed         4',
        'identity  DOWN  (0 live)',
        '',
      ].join('\n'),
    );
  });

  it('says when the launcher part is missing', () => {
    expect(formatStatus(joinStatus(mesh, null, now))).toContain('(launcher not running');
  });
});

describe('which NATS a status comes from', () => {
  it('takes every spelling of one server as the same, and other ports or hosts as another', () => {
    expect(sameNats('nats://127.0.0.1:4222', 'localhost')).toBe(true);
    expect(sameNats('127.0.0.1:4222', 'nats://[::1]:4222')).toBe(true);
    expect(sameNats('nats://a:4222,nats://b:4222', 'nats://b:4222')).toBe(true);
    expect(sameNats('nats://127.0.0.1:4333', 'nats://127.0.0.1:4222')).toBe(false);
    expect(sameNats('nats://nats-0:4222', 'nats://nats-1:4222')).toBe(false);
  });

  it("says which NATS it asked, and warns when the launcher's replicas are on another", () => {
    const same = statusNats('nats://localhost:4222', launcher);
    expect(same).toEqual({ queried: 'nats://localhost:4222', launcher: 'nats://127.0.0.1:4222', same: true });
    expect(formatNatsLine(same, 1)).toBe("NATS nats://localhost:4222 (the launcher's)");
    expect(natsMismatchWarning(same, 1)).toBeNull();

    const other = statusNats('nats://127.0.0.1:4333', launcher);
    expect(formatNatsLine(other, 1)).toBe(
      'NATS nats://127.0.0.1:4333 (the launcher, pid 1, uses nats://127.0.0.1:4222)',
    );
    expect(natsMismatchWarning(other, 1)).toBe(
      'warning: this status asked NATS at nats://127.0.0.1:4333 (NATS_URL), but the launcher (pid 1) runs its replicas on nats://127.0.0.1:4222, so they show as down here: run it with NATS_URL=nats://127.0.0.1:4222',
    );

    const alone = statusNats('nats://127.0.0.1:4333', null);
    expect([formatNatsLine(alone, null), natsMismatchWarning(alone, null)]).toEqual([
      'NATS nats://127.0.0.1:4333',
      null,
    ]);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [61_000, '1m01s'],
    [3_660_000, '1h01m'],
    [90_000_000, '1d01h'],
  ])('%d ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

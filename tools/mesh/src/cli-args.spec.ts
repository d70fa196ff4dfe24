import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from './cli-args.js';

describe('parseArgs', () => {
  it('parses every verb', () => {
    expect(parseArgs(['up'])).toEqual({ verb: 'up', replicas: undefined });
    expect(parseArgs(['up', '--replicas', 'posts=2'])).toEqual({ verb: 'up', replicas: 'posts=2' });
    expect(parseArgs(['up', '--replicas=posts=2,edge=3'])).toEqual({ verb: 'up', replicas: 'posts=2,edge=3' });
    expect(parseArgs(['dev', '--replicas', 'posts=2'])).toEqual({ verb: 'dev', replicas: 'posts=2' });
    expect(parseArgs(['status'])).toEqual({ verb: 'status', json: false });
    expect(parseArgs(['status', '--json'])).toEqual({ verb: 'status', json: true });
    expect(parseArgs(['events'])).toEqual({ verb: 'events', json: false });
    expect(parseArgs(['events', '--json'])).toEqual({ verb: 'events', json: true });
    expect(parseArgs(['scale', 'posts=0', 'edge=2'])).toEqual({
      verb: 'scale',
      targets: [
        { app: 'posts', replicas: 0 },
        { app: 'edge', replicas: 2 },
      ],
    });
    expect(parseArgs(['kill', 'posts'])).toEqual({ verb: 'kill', app: 'posts', signal: 'TERM', pid: undefined });
    expect(parseArgs(['kill', 'posts', '--signal', 'sigkill', '--pid=123'])).toEqual({
      verb: 'kill',
      app: 'posts',
      signal: 'KILL',
      pid: 123,
    });
    expect(parseArgs(['--help'])).toEqual({ verb: 'help' });
  });

  it('feed rebuild takes an optional username, a timeout in seconds and --json', () => {
    expect(parseArgs(['feed', 'rebuild'])).toEqual({
      verb: 'feed-rebuild',
      username: undefined,
      timeoutMs: 600_000,
      json: false,
    });
    expect(parseArgs(['feed', 'rebuild', 'ana_b', '--timeout', '30', '--json'])).toEqual({
      verb: 'feed-rebuild',
      username: 'ana_b',
      timeoutMs: 30_000,
      json: true,
    });
    expect(parseArgs(['feed', '--timeout=5', 'rebuild'])).toMatchObject({ username: undefined, timeoutMs: 5000 });
  });

  it.each([
    [[], 'name a verb'],
    [['launch'], 'unknown verb "launch"'],
    [['status', '--yaml'], 'unknown option --yaml'],
    [['status', 'posts'], 'status: unexpected argument "posts"'],
    [['scale'], 'scale: give at least one <app>=<n>'],
    [['scale', 'posts'], 'scale: "posts" is not <app>=<count>'],
    [
      ['scale', 'likez=1'],
      'scale: unknown app "likez" (known: identity, posts, comments, likes, media, messaging, graph, feed, notifications, edge)',
    ],
    [['scale', 'posts=-1'], 'scale: posts=-1: the count must be a whole number'],
    [['scale', 'posts=1', 'posts=2'], 'scale: posts is given twice'],
    [['kill'], 'kill: name the app'],
    [['kill', 'likez'], 'kill: unknown app "likez"'],
    [['kill', 'posts', '--signal', 'HUP'], '--signal must be one of KILL, TERM, STOP, CONT, not "HUP"'],
    [['kill', 'posts', '--signal'], '--signal needs a value'],
    [['kill', 'posts', '--pid', '0'], '--pid must be a process id, not "0"'],
    [['kill', 'posts', 'edge'], 'kill: unexpected argument "edge"'],
    [['feed'], 'feed: name what to do (rebuild)'],
    [['feed', 'rebiuld'], 'feed: unknown action "rebiuld"'],
    [['feed', 'rebuild', 'Ana'], 'feed rebuild: "Ana" is not a username (3-32 characters of a-z, 0-9 and _)'],
    [['feed', 'rebuild', 'ana_b', 'ben_b'], 'feed rebuild: unexpected argument "ben_b"'],
    [['feed', 'rebuild', '--timeout', '0'], '--timeout must be a whole number of seconds, not "0"'],
    [['feed', 'rebuild', '--timeout', '1.5'], '--timeout must be a whole number of seconds, not "1.5"'],
    [['feed', 'rebuild', '--yaml'], 'unknown option --yaml'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
  it('nats-auth takes an output folder and the media bucket, with defaults', () => {
    expect(parseArgs(['nats-auth'])).toEqual({ verb: 'nats-auth', outDir: '.mesh/nats', mediaBucket: 'media' });
    expect(parseArgs(['nats-auth', '--out', 'deploy/nats', '--media-bucket=pics'])).toEqual({
      verb: 'nats-auth',
      outDir: 'deploy/nats',
      mediaBucket: 'pics',
    });
    expect(() => parseArgs(['nats-auth', 'extra'])).toThrow(UsageError);
  });
});

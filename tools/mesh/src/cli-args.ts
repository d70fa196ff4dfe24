// `mesh <verb> ...` parsed into a command. Pure: a bad argument becomes a UsageError, which
// main turns into the usage text on stderr and exit code 2.
import { Username } from '#contracts';
import { AppNames, isAppName, type AppName } from './app-catalogue.js';
import { DrillSignals, type DrillSignal } from './control-types.js';
import { CountsError, parseReplicaPair } from './replica-counts.js';

export type Command =
  | { verb: 'help' }
  | { verb: 'up' | 'dev'; replicas?: string }
  | { verb: 'status'; json: boolean }
  | { verb: 'events'; json: boolean }
  | { verb: 'scale'; targets: Array<{ app: AppName; replicas: number }> }
  | { verb: 'kill'; app: AppName; signal: DrillSignal; pid?: number }
  | { verb: 'nats-auth'; outDir: string; mediaBucket: string }
  | { verb: 'provision' }
  | { verb: 'db-auth'; outDir: string; server: string }
  | { verb: 'db-roles' }
  | { verb: 'feed-rebuild'; username?: string; timeoutMs: number; json: boolean };

/** How long `feed rebuild` waits for feed's answer unless --timeout says otherwise. */
export const FEED_REBUILD_TIMEOUT_S = 600;

export class UsageError extends Error {}

export const Usage = `usage: mesh <verb> [options]
  up [--replicas <app>=<n>,...]     run the mesh in the foreground (Ctrl-C stops it)
  dev [--replicas <app>=<n>,...]    up, plus tsc --watch: replicas restart when their built code changes
  status [--json]                   services, their replicas and up/down
  events [--json]                   event streams, each consumer's backlog, the dead letters
  scale <app>=<n> [<app>=<n> ...]   add or drain replicas of a running mesh
  kill <app> [--signal KILL|TERM|STOP|CONT] [--pid <pid>]
                                    failure drill on one replica (default TERM, oldest replica)
  nats-auth [--out <dir>] [--media-bucket <name>]
                                    per-app NATS credentials and permissions (default .mesh/nats)
  provision                         make the JetStream layout (streams, consumers, buckets) as the provisioner
  db-auth [--out <dir>] [--server <host:port/db>]
                                    a PostgreSQL password per service role, as env files (default .mesh/db)
  db-roles                          make each <APP>_DATABASE_URL's role and schema, as DATABASE_URL
  feed rebuild [<username>] [--timeout <seconds>] [--json]
                                    rebuild one user's home feed, or every feed, from graph and posts
                                    (waits up to ${FEED_REBUILD_TIMEOUT_S} s by default)
apps: ${AppNames.join(', ')}`;

/** Splits `--name value` and `--name=value`; anything else is positional. */
function split(args: readonly string[], valued: readonly string[], flags: readonly string[]) {
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (flags.includes(name) && eq === -1) options.set(name, 'true');
    else if (valued.includes(name)) {
      const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      options.set(name, value);
    } else throw new UsageError(`unknown option ${arg}`);
  }
  return { options, positional };
}

function noPositional(verb: string, positional: string[]): void {
  if (positional.length > 0) throw new UsageError(`${verb}: unexpected argument "${positional[0]}"`);
}

export function parseArgs(argv: readonly string[]): Command {
  const [verb, ...rest] = argv;
  if (verb === 'help' || verb === '--help' || verb === '-h') return { verb: 'help' };
  if (verb === undefined) throw new UsageError('name a verb');
  try {
    switch (verb) {
      case 'up':
      case 'dev': {
        const { options, positional } = split(rest, ['replicas'], []);
        noPositional(verb, positional);
        return { verb, replicas: options.get('replicas') };
      }
      case 'status': {
        const { options, positional } = split(rest, [], ['json']);
        noPositional(verb, positional);
        return { verb, json: options.has('json') };
      }
      case 'events': {
        const { options, positional } = split(rest, [], ['json']);
        noPositional(verb, positional);
        return { verb, json: options.has('json') };
      }
      case 'scale': {
        const { positional } = split(rest, [], []);
        if (positional.length === 0) throw new UsageError('scale: give at least one <app>=<n>');
        const targets = positional.map((p) => parseReplicaPair(p, 'scale'));
        const dup = targets.find((t, i) => targets.findIndex((u) => u.app === t.app) !== i);
        if (dup) throw new UsageError(`scale: ${dup.app} is given twice`);
        return { verb, targets };
      }
      case 'kill': {
        const { options, positional } = split(rest, ['signal', 'pid'], []);
        const [app, ...extra] = positional;
        if (app === undefined) throw new UsageError('kill: name the app');
        if (!isAppName(app)) throw new UsageError(`kill: unknown app "${app}" (known: ${AppNames.join(', ')})`);
        noPositional(verb, extra);
        return { verb, app, signal: parseSignal(options.get('signal') ?? 'TERM'), pid: parsePid(options.get('pid')) };
      }
      case 'nats-auth': {
        const { options, positional } = split(rest, ['out', 'media-bucket'], []);
        noPositional(verb, positional);
        return {
          verb,
          outDir: options.get('out') ?? '.mesh/nats',
          mediaBucket: options.get('media-bucket') ?? 'media',
        };
      }
      case 'provision':
      case 'db-roles': {
        noPositional(verb, split(rest, [], []).positional);
        return { verb };
      }
      case 'db-auth': {
        const { options, positional } = split(rest, ['out', 'server'], []);
        noPositional(verb, positional);
        return {
          verb,
          outDir: options.get('out') ?? '.mesh/db',
          server: options.get('server') ?? 'postgres:5432/failsoft',
        };
      }
      case 'feed': {
        const { options, positional } = split(rest, ['timeout'], ['json']);
        const [sub, username, ...extra] = positional;
        if (sub !== 'rebuild')
          throw new UsageError(sub === undefined ? 'feed: name what to do (rebuild)' : `feed: unknown action "${sub}"`);
        noPositional('feed rebuild', extra);
        if (username !== undefined && !Username.safeParse(username).success)
          throw new UsageError(`feed rebuild: "${username}" is not a username (3-32 characters of a-z, 0-9 and _)`);
        return {
          verb: 'feed-rebuild',
          username,
          timeoutMs: parseSeconds(options.get('timeout') ?? String(FEED_REBUILD_TIMEOUT_S)) * 1000,
          json: options.has('json'),
        };
      }
      default:
        throw new UsageError(`unknown verb "${verb}"`);
    }
  } catch (err) {
    if (err instanceof CountsError) throw new UsageError(err.message);
    throw err;
  }
}

export function parseSignal(text: string): DrillSignal {
  const name = text.toUpperCase().replace(/^SIG/, '');
  if (!(DrillSignals as readonly string[]).includes(name)) {
    throw new UsageError(`--signal must be one of ${DrillSignals.join(', ')}, not "${text}"`);
  }
  return name as DrillSignal;
}

function parseSeconds(text: string): number {
  if (!/^[1-9]\d{0,5}$/.test(text)) throw new UsageError(`--timeout must be a whole number of seconds, not "${text}"`);
  return Number(text);
}

function parsePid(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`--pid must be a process id, not "${text}"`);
  return Number(text);
}

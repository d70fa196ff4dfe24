// `mesh feed rebuild [<username>]`: asks feed (feed.rebuild) to rebuild one user's home feed, or
// every feed, from graph and posts, as the operator's NATS user. One request with a long deadline
// (--timeout, 10 min by default), not a job to poll: the rebuild is idempotent and one runs at a
// time, so a CLI that gives up (or is interrupted) loses nothing — feed finishes it, and running
// the command again once it has ended converges (a second one meanwhile is refused as a conflict).
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ErrorCodes, MeshError, Subjects, type RebuildFeedsReply } from '#contracts';
import { inboxPrefixFor, MeshClient } from '#mesh';
import type { OperatorConfig } from './mesh.config.js';

const LOOKUP_TIMEOUT_MS = 5000;

export async function feedRebuildCommand(
  c: Pick<OperatorConfig, 'NATS_URL' | 'NATS_USER' | 'NATS_PASSWORD'>,
  o: { username?: string; timeoutMs: number; json: boolean },
): Promise<number> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: c.NATS_URL.split(','),
      reconnect: false,
      timeout: 2000,
      ...(c.NATS_USER ? { user: c.NATS_USER, pass: c.NATS_PASSWORD, inboxPrefix: inboxPrefixFor(c.NATS_USER) } : {}),
    });
  } catch (err) {
    return fail(`cannot reach NATS at ${c.NATS_URL}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const mesh = new MeshClient(nc, { defaultTimeoutMs: o.timeoutMs });
    let userId: string | undefined;
    if (o.username !== undefined) {
      try {
        userId = (
          await mesh.request(Subjects.identity.lookupUser, { username: o.username }, { timeoutMs: LOOKUP_TIMEOUT_MS })
        ).id;
      } catch (err) {
        if (err instanceof MeshError && err.code === ErrorCodes.notFound) return fail(`no user is named ${o.username}`);
        return fail(`cannot look ${o.username} up: ${describe(err)}`);
      }
    }
    let r: RebuildFeedsReply;
    try {
      r = await mesh.request(Subjects.feed.rebuild, userId ? { userId } : {}, { timeoutMs: o.timeoutMs });
    } catch (err) {
      if (err instanceof MeshError && err.code === ErrorCodes.timeout)
        return fail(
          `feed did not answer within ${o.timeoutMs / 1000} s; the rebuild goes on in feed — run the command again ` +
            `once it has ended (it is refused while one runs), or give a longer --timeout`,
        );
      return fail(`the rebuild failed: ${describe(err)}`);
    }
    const what = o.username !== undefined ? `${o.username}'s feed` : `${r.users} feed${r.users === 1 ? '' : 's'}`;
    process.stdout.write(
      o.json
        ? JSON.stringify(r) + '\n'
        : `rebuilt ${what} from ${r.followEdges} follows and ${r.posts} posts (graph, posts): ` +
            `${r.items} feed items written in ${(r.ms / 1000).toFixed(1)} s\n`,
    );
    return 0;
  } finally {
    await nc.close();
  }
}

/** "graph is down: no replica of graph is running" — naming the service that failed. */
function describe(err: unknown): string {
  if (!(err instanceof MeshError)) return err instanceof Error ? err.message : String(err);
  if (err.isUnavailability) return `${err.service ?? 'a service'} is down (${err.code}): ${err.message}`;
  return `${err.code}: ${err.message}`;
}

function fail(text: string): number {
  process.stderr.write(`mesh: ${text}\n`);
  return 1;
}

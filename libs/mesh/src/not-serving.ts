// A replica that has started but cannot serve yet (its database is unreachable, say) still joins
// NATS's service API under its service's name, with no endpoints, and says why in its metadata.
// It so stays visible to `$SRV.PING/INFO/STATS` (GET /mesh, `mesh status`, `nats micro ls`)
// instead of being absent, while it takes no request: a queue group never hands one to it, so a
// sibling that does serve gets them all. Callers that find no responder learn the reason from
// the same metadata (ReplicaDirectory.notServing) and can say it.
import { hostname } from 'node:os';
import type { NatsConnection } from '@nats-io/transport-node';
import { Svcm, type Service } from '@nats-io/services';
import type { Logger } from 'pino';

/** Why a replica in the mesh does not serve. */
export interface NotServing {
  /** What it waits for, one word a caller can name: `database`. */
  waitingFor: string;
  /** For operators, with where and the error: `database 127.0.0.1:5999/failsoft unreachable: ECONNREFUSED 127.0.0.1:5999`. */
  state: string;
  /** Where it is trying, without credentials: `127.0.0.1:5999/failsoft`. */
  target?: string;
}

/** The $SRV metadata keys a not-serving replica adds to pid, host and startedAt. */
const Keys = { waitingFor: 'waitingFor', state: 'state', target: 'target' } as const;

export function notServingMetadata(n: NotServing): Record<string, string> {
  return {
    [Keys.waitingFor]: n.waitingFor,
    [Keys.state]: n.state,
    ...(n.target ? { [Keys.target]: n.target } : {}),
  };
}

/** The reason in a $SRV reply's metadata, or null for a replica that serves. */
export function notServingOf(metadata: Record<string, string> | null | undefined): NotServing | null {
  const waitingFor = metadata?.[Keys.waitingFor];
  if (!waitingFor) return null;
  const target = metadata?.[Keys.target];
  return {
    waitingFor,
    state: metadata?.[Keys.state] || `waiting for its ${waitingFor}`,
    ...(target ? { target } : {}),
  };
}

/** What a caller says when nothing serves `service` and a replica of it said why. */
export function notServingDetail(service: string, n: NotServing): string {
  return `${service} cannot reach its ${n.waitingFor}`;
}

export interface NotServingAnnouncementOptions {
  service: string;
  version: string;
  /** A NATS connection of the announcement's own; closed by `end()`. */
  connect: () => Promise<NatsConnection>;
  logger: Logger;
  startedAt?: Date;
}

/**
 * The replica's place in $SRV while it does not serve. `show` registers it (connecting on first
 * use) or, when the reason changed, registers it again (the service API's metadata is fixed at
 * registration, so that is the only way to update it); `end` leaves, once the replica serves.
 * Neither throws: the announcement is a courtesy to operators, and NATS may be down too.
 */
export class NotServingAnnouncement {
  private connecting: Promise<NatsConnection | undefined> | undefined;
  private svc: Service | undefined;
  private shown: string | undefined;
  private wanted: NotServing | undefined;
  private updating: Promise<void> = Promise.resolve();
  private ended = false;
  private readonly startedAt: Date;

  constructor(private readonly o: NotServingAnnouncementOptions) {
    this.startedAt = o.startedAt ?? new Date();
  }

  show(reason: NotServing): void {
    if (this.ended) return;
    this.wanted = reason;
    this.updating = this.updating.then(() => this.sync());
  }

  async end(): Promise<void> {
    this.ended = true;
    // An update may wait on a NATS that is down: the replica's start does not wait for it.
    await Promise.race([this.updating, new Promise((r) => setTimeout(r, 1000).unref())]);
    await this.svc?.stop().catch(() => undefined);
    this.svc = undefined;
    void this.connecting?.then((nc) => nc?.drain().catch(() => nc.close()));
  }

  private async sync(): Promise<void> {
    const want = this.wanted;
    if (!want || this.ended || want.state === this.shown) return;
    try {
      this.connecting ??= this.o.connect().catch((err: unknown) => {
        this.o.logger.debug({ err }, 'cannot announce this replica in the mesh (NATS)');
        return undefined;
      });
      const nc = await this.connecting;
      if (!nc || this.ended) return;
      await this.svc?.stop().catch(() => undefined);
      // @nats-io/services pins an older nats-core; the connection object is the same protocol.
      this.svc = await new Svcm(nc as never).add({
        name: this.o.service,
        version: this.o.version,
        metadata: {
          pid: String(process.pid),
          host: hostname(),
          startedAt: this.startedAt.toISOString(),
          ...notServingMetadata(want),
        },
      });
      this.shown = want.state;
      if (this.ended) await this.svc.stop().catch(() => undefined);
    } catch (err) {
      this.o.logger.debug({ err }, 'cannot announce this replica in the mesh');
    }
  }
}

// Where each try of a hedged request goes: the queue group, or replicas by their own subjects
// (see directSubject) when the queue group could hand the try to a replica that holds requests
// without answering. Which services are suspect of that, and until when, lives here. With a
// ReplicaLoad (the edge, under OVERLOAD_PROTECTION), every try of a service with two or more live
// replicas goes to one by its own subject, the less loaded of two (replica-load.ts).
import { ErrorCodes, MeshError } from '#contracts';
import type { ReplicaDirectory } from './replica-directory.js';
import { REFUSAL_PENALTY_MS, type ReplicaLoad } from './replica-load.js';
import { directSubject } from './wire.js';

/** At most this many live replicas are asked at once by a retry. */
const RETRY_FAN_OUT = 3;
/** How long after a timeout first tries go to live replicas directly rather than to the queue group. */
const SUSPECT_MS = 10_000;
/** Every replica heard from lately, for a first try's turn among them. */
const ALL_REPLICAS = 100;

/** What the router reads of the ReplicaDirectory. */
export type ReplicaLookup = Pick<ReplicaDirectory, 'alive' | 'hasStale' | 'forget'>;

/** Sends one try to `target`: the request's own subject (the queue group) or a replica's. */
export type SendTry<T> = (target: string) => Promise<T>;

/** A direct try's outcome: an answer (even a domain error) settles the retry; a transport failure does not. */
type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

const isTransport = (e: unknown): e is MeshError => e instanceof MeshError && e.isUnavailability;
const isTimeout = (e: unknown) => e instanceof MeshError && e.code === ErrorCodes.timeout;
const isNoResponders = (e: unknown) => e instanceof MeshError && e.code === ErrorCodes.noResponders;
const isOverloaded = (e: unknown) => e instanceof MeshError && e.code === ErrorCodes.overloaded;

export class ReplicaRouter {
  /** Services with a replica that recently let a request time out, until when. */
  private readonly suspectUntil = new Map<string, number>();
  private turn = 0;

  constructor(
    private readonly replicas: ReplicaLookup | undefined,
    private readonly now: () => number = () => Date.now(),
    private readonly load?: ReplicaLoad,
  ) {}

  /** One try to replica `id` by its own subject, counted in its load when balancing. */
  private async direct<T>(subject: string, id: string, send: SendTry<T>): Promise<T> {
    const done = this.load?.start(id);
    try {
      const value = await send(directSubject(subject, id));
      done?.();
      return value;
    } catch (err) {
      done?.(isOverloaded(err) ? REFUSAL_PENALTY_MS : undefined);
      throw err;
    }
  }

  /** A request to `service` went unanswered: its first tries avoid the queue group for SUSPECT_MS. */
  suspect(service: string): void {
    this.suspectUntil.set(service, this.now() + SUSPECT_MS);
  }

  /**
   * Balancing, with two or more live replicas: the less loaded of two of them. Otherwise the
   * queue group; or, while the service is suspect (a timeout lately, or a replica that stopped
   * answering pings and may still be in the queue group), one live replica in turn.
   */
  async firstTry<T>(service: string, subject: string, send: SendTry<T>): Promise<T> {
    const replicas = this.replicas;
    if (!replicas) return send(subject);
    const balanced = this.load ? replicas.alive(service, ALL_REPLICAS) : [];
    if (balanced.length < 2 && !this.isSuspect(service) && !replicas.hasStale(service)) return send(subject);
    const ids = balanced.length >= 2 ? balanced : replicas.alive(service, ALL_REPLICAS);
    if (ids.length === 0) return send(subject);
    const id = this.load ? this.load.pick(ids)! : ids[this.turn++ % ids.length];
    try {
      return await this.direct(subject, id, send);
    } catch (err) {
      if (!isNoResponders(err)) throw err;
      // That replica is gone (killed): the queue group has whoever is left.
      replicas.forget(service, id);
      this.load?.forget(id);
      return send(subject);
    }
  }

  /**
   * Every replica heard from lately (up to RETRY_FAN_OUT), each on its own subject: the queue
   * group alone could hand the retry to the same frozen replica. The first answer wins. Without
   * a directory, or with no replica heard from lately, the queue group is asked again.
   */
  async retry<T>(service: string, subject: string, send: SendTry<T>): Promise<T> {
    const replicas = this.replicas;
    const ids = replicas?.alive(service, RETRY_FAN_OUT) ?? [];
    if (!replicas || ids.length === 0) return send(subject);
    const tries = ids.map((id) =>
      this.direct(subject, id, send).then(
        (value): Settled<T> => ({ ok: true, value }),
        (error: unknown): Settled<T> => {
          if (isNoResponders(error)) replicas.forget(service, id);
          // Transport failures and refusals (the replica did not start the work) leave the others
          // to answer; a domain error is the answer.
          if (isTransport(error) || isOverloaded(error)) throw error;
          return { ok: false, error };
        },
      ),
    );
    let settled: Settled<T>;
    try {
      settled = await Promise.any(tries);
    } catch (err) {
      // No replica answered: the deadline (rather than a vanished replica) explains it.
      const errors = err instanceof AggregateError ? (err.errors as unknown[]) : [err];
      throw errors.find(isTimeout) ?? errors.find(isOverloaded) ?? errors[0];
    }
    if (settled.ok) return settled.value;
    throw settled.error;
  }

  /**
   * The early (p95) hedge: one replica heard from lately, by its own subject — the cheapest when
   * balancing (the first try's replica holds it outstanding, so it costs more), else in turn
   * (which replica the queue group picked is unknown; in turn, most hedges go elsewhere);
   * without a directory, the queue group.
   */
  hedge<T>(service: string, subject: string, send: SendTry<T>): Promise<T> {
    const ids = this.replicas?.alive(service, ALL_REPLICAS) ?? [];
    if (ids.length === 0) return send(subject);
    const id = this.load ? this.load.cheapest(ids)! : ids[this.turn++ % ids.length];
    return this.direct(subject, id, send);
  }

  private isSuspect(service: string): boolean {
    const until = this.suspectUntil.get(service);
    if (until === undefined) return false;
    if (until >= this.now()) return true;
    this.suspectUntil.delete(service);
    return false;
  }
}

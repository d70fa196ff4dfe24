// The only file that queries the session tables. Writes run on the transaction they are given
// (so a revocation and its outbox event commit together), reads on the pool.
import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import { inTransaction, pgPool, qualifiedTable, type WriteTransaction } from '#persistence';

export interface SessionRow {
  id: string;
  userId: string;
  generation: number;
  expiresAt: Date;
  revokedAt: Date | null;
}

const columns = (t: string) =>
  `${t}id, ${t}user_id AS "userId", ${t}generation, ${t}expires_at AS "expiresAt", ${t}revoked_at AS "revokedAt"`;
const COLUMNS = columns('');

@Injectable()
export class SessionsRepository {
  private readonly pool: pg.Pool;
  private readonly sessions: string;
  private readonly retired: string;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.pool = pgPool(dataSource);
    this.sessions = qualifiedTable(dataSource, 'session');
    this.retired = qualifiedTable(dataSource, 'session_retired_token');
  }

  transaction<T>(body: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, {}, (_client, tx) => body(tx));
  }

  async insert(s: { id: string; userId: string; refreshHash: Buffer; expiresAt: Date }): Promise<void> {
    await this.pool.query({
      name: 'sessions.insert',
      text: `INSERT INTO ${this.sessions} (id, user_id, refresh_hash, expires_at) VALUES ($1, $2, $3, $4)`,
      values: [s.id, s.userId, s.refreshHash, s.expiresAt],
    });
  }

  /** The session whose current refresh token this is, locked until the transaction ends. */
  async lockByRefreshHash(tx: WriteTransaction, hash: Buffer): Promise<SessionRow | null> {
    const r = await tx.db.query<SessionRow>({
      name: 'sessions.lock-by-refresh-hash',
      text: `SELECT ${COLUMNS} FROM ${this.sessions} WHERE refresh_hash = $1 FOR UPDATE`,
      values: [hash],
    });
    return r.rows[0] ?? null;
  }

  /** The user's session if it is live, locked: a password change keeps it and ends the others. */
  async lockCurrent(tx: WriteTransaction, userId: string, id: string): Promise<SessionRow | null> {
    const r = await tx.db.query<SessionRow>({
      name: 'sessions.lock-current',
      text: `SELECT ${COLUMNS} FROM ${this.sessions}
        WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > now() FOR UPDATE`,
      values: [id, userId],
    });
    return r.rows[0] ?? null;
  }

  /** The session a rotated-away refresh token belonged to (reuse), if any, and when it was retired. */
  async sessionOfRetired(tx: WriteTransaction, hash: Buffer): Promise<(SessionRow & { retiredAt: Date }) | null> {
    const r = await tx.db.query<SessionRow & { retiredAt: Date }>({
      name: 'sessions.of-retired',
      text: `SELECT ${columns('s.')}, t.retired_at AS "retiredAt" FROM ${this.retired} t
        JOIN ${this.sessions} s ON s.id = t.session_id WHERE t.refresh_hash = $1 FOR UPDATE OF s`,
      values: [hash],
    });
    return r.rows[0] ?? null;
  }

  /**
   * The current token's hash is retired (kept for reuse detection; a re-use within the grace
   * keeps the retired entry it came with) and the new one takes its place.
   */
  async rotate(tx: WriteTransaction, s: { id: string; newHash: Buffer; expiresAt: Date }): Promise<void> {
    await tx.db.query({
      name: 'sessions.retire',
      text: `INSERT INTO ${this.retired} (refresh_hash, session_id)
        SELECT refresh_hash, id FROM ${this.sessions} WHERE id = $1`,
      values: [s.id],
    });
    await tx.db.query({
      name: 'sessions.rotate',
      text: `UPDATE ${this.sessions} SET refresh_hash = $2, generation = generation + 1,
        last_used_at = now(), expires_at = $3 WHERE id = $1`,
      values: [s.id, s.newHash, s.expiresAt],
    });
  }

  /** Revokes the given sessions of the user that are not revoked yet; answers which it revoked. */
  async revoke(tx: WriteTransaction, userId: string, ids: string[]): Promise<string[]> {
    const r = await tx.db.query<{ id: string }>({
      name: 'sessions.revoke',
      text: `UPDATE ${this.sessions} SET revoked_at = now()
        WHERE user_id = $1 AND id = ANY($2::uuid[]) AND revoked_at IS NULL RETURNING id`,
      values: [userId, ids],
    });
    return r.rows.map((x) => x.id);
  }

  /** Revokes every live session of the user but one; answers which it revoked. */
  async revokeAllBut(tx: WriteTransaction, userId: string, keep: string): Promise<string[]> {
    const r = await tx.db.query<{ id: string }>({
      name: 'sessions.revoke-all-but',
      text: `UPDATE ${this.sessions} SET revoked_at = now()
        WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL RETURNING id`,
      values: [userId, keep],
    });
    return r.rows.map((x) => x.id);
  }
}

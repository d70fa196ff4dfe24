// Tombstones of another service's entities that were deleted (e.g. posts, from
// events.posts.deleted), for a service that keeps rows hanging off them (comments, likes). A
// write that passed the owner's existence check just before the delete must not outlive it: the
// write and the removal take the same transaction-scoped advisory lock on the entity, so either
// the write commits first and the removal deletes it, or the removal commits first and the
// write sees the tombstone. (Without the lock each could miss the other.) The table comes from
// TombstonesMigration, in the service's own schema.
import type pg from 'pg';
import type { DataSource } from 'typeorm';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { pgPool, qualifiedTable } from './pg-pool.js';
import { schemaOf } from './schema-name.js';
import { inTransaction, type Queryable } from './write-transaction.js';

/** Where tombstones live; the defaults are the deleted posts every consumer of posts keeps. */
export interface TombstoneTable {
  table: string;
  column: string;
}
const DELETED_POSTS: TombstoneTable = { table: 'deleted_post', column: 'post_id' };

export class Tombstones {
  private readonly pool: pg.Pool;
  private readonly table: string;
  private readonly column: string;
  /** The first key of the locks: this schema's table, so two schemas' locks never meet. */
  private readonly lockSpace: string;

  constructor(dataSource: DataSource, t: TombstoneTable = DELETED_POSTS) {
    this.pool = pgPool(dataSource);
    this.table = qualifiedTable(dataSource, t.table);
    this.column = t.column;
    this.lockSpace = `${this.table}.lock`;
  }

  /**
   * Takes the entity's lock until `db`'s transaction ends; answers whether it is still alive
   * (no tombstone). Two statements on purpose: the lookup's snapshot must be taken after the lock
   * is held, or a removal committed while we waited would go unseen.
   */
  async lockLive(db: Queryable, id: string): Promise<boolean> {
    await this.lock(db, id);
    const r = await db.query({
      name: 'tombstones.find',
      text: `SELECT 1 FROM ${this.table} WHERE ${this.column} = $1`,
      values: [id],
    });
    return r.rowCount === 0;
  }

  /**
   * In one transaction under the entity's lock: the tombstone, then `removeRows` (the service's
   * own rows of it). Naturally idempotent: a second run finds the tombstone there and nothing
   * more to remove, so a redelivered event changes nothing. Answers what `removeRows` answers.
   */
  bury<T>(id: string, removeRows: (db: Queryable) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, {}, async (db) => {
      await this.lock(db, id);
      await db.query({
        name: 'tombstones.insert',
        text: `INSERT INTO ${this.table} (${this.column}) VALUES ($1) ON CONFLICT (${this.column}) DO NOTHING`,
        values: [id],
      });
      return removeRows(db);
    });
  }

  /** A transaction-scoped advisory lock on (this table, the entity): the two-key form. */
  private async lock(db: Queryable, id: string): Promise<void> {
    await db.query({
      name: 'tombstones.lock',
      text: 'SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))',
      values: [this.lockSpace, id],
    });
  }
}

/**
 * The tombstone table, as a migration each service lists through a file of its own:
 *
 *   export class CreateDeletedPosts1764892800000 extends TombstonesMigration {
 *     name = 'CreateDeletedPosts1764892800000';
 *   }
 */
export abstract class TombstonesMigration implements MigrationInterface {
  abstract name: string;
  protected readonly tombstones: TombstoneTable = DELETED_POSTS;

  async up(q: QueryRunner): Promise<void> {
    const { table, column } = this.tombstones;
    await q.query(`
      CREATE TABLE ${schemaOf(q)}.${table} (
        ${column} uuid NOT NULL,
        deleted_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_${table}" PRIMARY KEY (${column})
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.${this.tombstones.table}`);
  }
}

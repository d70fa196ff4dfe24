// The only file that queries the message table. Every query is a named (prepared) statement: the
// insert on the transaction it is given (IdempotentWrites), reads on the pool; sending, a
// conversation page and the conversation list are all hot paths.
import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '#contracts';
import { pgPool, qualifiedTable, type WriteTransaction } from '#persistence';
import type { MessageEntity } from './entities/message.entity.js';

const COLUMNS = `id, from_id AS "fromId", from_username AS "fromUsername", from_display_name AS "fromDisplayName",
  to_id AS "toId", to_username AS "toUsername", to_display_name AS "toDisplayName", text, created_at AS "createdAt"`;

/** Stored LEAST/GREATEST of the two ids (IDX_message_pair_created): a conversation is the unordered pair. */
const LO = 'pair_lo';
const HI = 'pair_hi';

export type NewMessage = Omit<MessageEntity, 'createdAt'>;

@Injectable()
export class MessagingRepository {
  private readonly pool: pg.Pool;
  private readonly table: string;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.pool = pgPool(dataSource);
    this.table = qualifiedTable(dataSource, 'message');
  }

  async insert(tx: WriteTransaction, m: NewMessage): Promise<MessageEntity> {
    const r = await tx.db.query<MessageEntity>({
      name: 'messaging.insert',
      text: `INSERT INTO ${this.table}
        (id, from_id, from_username, from_display_name, to_id, to_username, to_display_name, text)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      values: [m.id, m.fromId, m.fromUsername, m.fromDisplayName, m.toId, m.toUsername, m.toDisplayName, m.text],
    });
    return r.rows[0];
  }

  /**
   * The user called `username` as this service last saw them (as a sender or a recipient), if
   * ever: usernames never change, so while identity is down a message to someone messaging has
   * met still goes through. The display name is the snapshot of that message.
   */
  async knownUser(username: string): Promise<{ id: string; username: string; displayName: string } | undefined> {
    const r = await this.pool.query<{ id: string; username: string; displayName: string }>({
      name: 'messaging.known-user',
      text: `SELECT id, username, "displayName" FROM (
          (SELECT from_id AS id, from_username AS username, from_display_name AS "displayName", created_at
             FROM ${this.table} WHERE from_username = $1 ORDER BY created_at DESC LIMIT 1)
          UNION ALL
          (SELECT to_id, to_username, to_display_name, created_at
             FROM ${this.table} WHERE to_username = $1 ORDER BY created_at DESC LIMIT 1)
        ) seen ORDER BY created_at DESC LIMIT 1`,
      values: [username],
    });
    return r.rows[0];
  }

  /** The id of the user called `username` that `userId` has exchanged messages with, if any. */
  async counterpartId(userId: string, username: string): Promise<string | undefined> {
    const r = await this.pool.query<{ id: string }>({
      name: 'messaging.counterpart',
      text: `(SELECT to_id AS id FROM ${this.table} WHERE from_id = $1 AND to_username = $2 LIMIT 1)
        UNION ALL
        (SELECT from_id AS id FROM ${this.table} WHERE to_id = $1 AND from_username = $2 LIMIT 1)
        LIMIT 1`,
      values: [userId, username],
    });
    return r.rows[0]?.id;
  }

  /** The conversation of a and b, newest first, strictly after `after`: no gaps or repeats. */
  async page(o: { a: string; b: string; after?: KeysetPosition; limit: number }): Promise<MessageEntity[]> {
    const pair = `${LO} = LEAST($1::uuid, $2::uuid) AND ${HI} = GREATEST($1::uuid, $2::uuid)`;
    const r = o.after
      ? await this.pool.query<MessageEntity>({
          name: 'messaging.page.after',
          text: `SELECT ${COLUMNS} FROM ${this.table}
            WHERE ${pair} AND (created_at, id) < ($3::timestamptz, $4::uuid)
            ORDER BY created_at DESC, id DESC LIMIT $5`,
          values: [o.a, o.b, o.after.createdAt, o.after.id, o.limit],
        })
      : await this.pool.query<MessageEntity>({
          name: 'messaging.page',
          text: `SELECT ${COLUMNS} FROM ${this.table} WHERE ${pair}
            ORDER BY created_at DESC, id DESC LIMIT $3`,
          values: [o.a, o.b, o.limit],
        });
    return r.rows;
  }

  /** The last message of each of the user's conversations, newest conversation first. One query. */
  async latestPerConversation(userId: string, limit: number): Promise<MessageEntity[]> {
    const r = await this.pool.query<MessageEntity>({
      name: 'messaging.latest-per-conversation',
      text: `SELECT * FROM (
          SELECT DISTINCT ON (${LO}, ${HI}) ${COLUMNS} FROM ${this.table}
          WHERE from_id = $1 OR to_id = $1
          ORDER BY ${LO}, ${HI}, created_at DESC, id DESC
        ) latest
        ORDER BY "createdAt" DESC, id DESC LIMIT $2`,
      values: [userId, limit],
    });
    return r.rows;
  }
}

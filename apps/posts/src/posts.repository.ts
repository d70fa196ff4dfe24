// The only file that queries posts' tables (post, post_mention, known_user). Writes run on the transaction they are given
// (IdempotentWrites), reads on the pool.
import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import type { KeysetPosition, PostMention, PostRef } from '#contracts';
import { pgPool, qualifiedTable, type WriteTransaction } from '#persistence';
import type { PostEntity } from './entities/post.entity.js';

const columns = (t: string) => `${t}id, ${t}author_id AS "authorId", ${t}author_username AS "authorUsername",
  ${t}author_display_name AS "authorDisplayName", ${t}text, ${t}media_ids AS "mediaIds", ${t}mentions,
  ${t}created_at AS "createdAt"`;
const COLUMNS = columns('');

export interface NewPost {
  id: string;
  authorId: string;
  authorUsername: string;
  authorDisplayName: string;
  text: string;
  mediaIds: string[];
  mentions: PostMention[];
}

@Injectable()
export class PostsRepository {
  private readonly pool: pg.Pool;
  private readonly table: string;
  private readonly mentionTable: string;
  private readonly knownUsers: string;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.pool = pgPool(dataSource);
    this.table = qualifiedTable(dataSource, 'post');
    this.mentionTable = qualifiedTable(dataSource, 'post_mention');
    this.knownUsers = qualifiedTable(dataSource, 'known_user');
  }

  /** The post, and a post_mention row per user it mentions (same createdAt, for `mentioning` pages). */
  async insert(tx: WriteTransaction, p: NewPost): Promise<PostEntity> {
    const r = await tx.db.query<PostEntity>({
      name: 'posts.insert',
      text: `INSERT INTO ${this.table} (id, author_id, author_username, author_display_name, text, media_ids, mentions)
        VALUES ($1, $2, $3, $4, $5, $6::uuid[], $7::jsonb) RETURNING ${COLUMNS}`,
      values: [p.id, p.authorId, p.authorUsername, p.authorDisplayName, p.text, p.mediaIds, JSON.stringify(p.mentions)],
    });
    const post = r.rows[0];
    if (p.mentions.length > 0) {
      await tx.db.query({
        name: 'posts.mention.insert',
        text: `INSERT INTO ${this.mentionTable} (post_id, user_id, created_at) SELECT $1, u, $3 FROM unnest($2::uuid[]) AS u`,
        values: [post.id, p.mentions.map((m) => m.id), post.createdAt],
      });
    }
    return post;
  }

  /** The known users of these usernames (any order; unknown names are left out). */
  async knownUsersNamed(tx: WriteTransaction, usernames: string[]): Promise<PostMention[]> {
    if (usernames.length === 0) return [];
    const r = await tx.db.query<PostMention>({
      name: 'posts.known-users.find',
      text: `SELECT id, username FROM ${this.knownUsers} WHERE username = ANY($1::varchar[])`,
      values: [usernames],
    });
    return r.rows;
  }

  /** A user identity announced (idempotent: a redelivery changes nothing). */
  async rememberUser(u: PostMention): Promise<void> {
    await this.pool.query({
      name: 'posts.known-users.insert',
      text: `INSERT INTO ${this.knownUsers} (id, username) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      values: [u.id, u.username],
    });
  }

  // The two reads every page view makes go straight to the pool as prepared statements.
  async findById(id: string): Promise<PostEntity | null> {
    const r = await this.pool.query<PostEntity>({
      name: 'posts.find-by-id',
      text: `SELECT ${COLUMNS} FROM ${this.table} WHERE id = $1`,
      values: [id],
    });
    return r.rows[0] ?? null;
  }

  /** The posts of these ids that exist (any order). */
  async findByIds(ids: string[]): Promise<PostEntity[]> {
    const r = await this.pool.query<PostEntity>({
      name: 'posts.find-by-ids',
      text: `SELECT ${COLUMNS} FROM ${this.table} WHERE id = ANY($1::uuid[])`,
      values: [ids],
    });
    return r.rows;
  }

  /**
   * Newest first, strictly after `after` in that order: keyset pagination, no gaps or repeats.
   * By one author's username, by any of many author ids (IDX_post_author_id_created), by a
   * mentioned user (IDX_post_mention_user_created), or all.
   */
  async page(o: {
    authorUsername?: string;
    authorIds?: string[];
    mentioning?: string;
    after?: KeysetPosition;
    limit: number;
  }): Promise<PostEntity[]> {
    if (o.mentioning) return this.pageMentioning(o.mentioning, o.after, o.limit);
    const where: string[] = [];
    const values: unknown[] = [];
    if (o.authorUsername) {
      values.push(o.authorUsername);
      where.push(`author_username = $${values.length}`);
    }
    if (o.authorIds) {
      values.push(o.authorIds);
      where.push(`author_id = ANY($${values.length}::uuid[])`);
    }
    if (o.after) {
      values.push(o.after.createdAt, o.after.id);
      where.push(`(created_at, id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
    }
    values.push(o.limit);
    const name = `posts.page${o.authorUsername ? '.author' : ''}${o.authorIds ? '.authors' : ''}${o.after ? '.after' : ''}`;
    const r = await this.pool.query<PostEntity>({
      name,
      text: `SELECT ${COLUMNS} FROM ${this.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT $${values.length}`,
      values,
    });
    return r.rows;
  }

  /** Walks the user's post_mention rows in page order, joined to their posts. */
  private async pageMentioning(
    userId: string,
    after: KeysetPosition | undefined,
    limit: number,
  ): Promise<PostEntity[]> {
    const r = await this.pool.query<PostEntity>({
      name: `posts.page.mentioning${after ? '.after' : ''}`,
      text: `SELECT ${columns('p.')} FROM ${this.mentionTable} m JOIN ${this.table} p ON p.id = m.post_id
        WHERE m.user_id = $1 ${after ? 'AND (m.created_at, m.post_id) < ($3::timestamptz, $4::uuid)' : ''}
        ORDER BY m.created_at DESC, m.post_id DESC LIMIT $2`,
      values: after ? [userId, limit, after.createdAt, after.id] : [userId, limit],
    });
    return r.rows;
  }

  /** Oldest first, strictly after `after` (IDX_post_created read backwards): ids, authors and times only. */
  async scan(o: { after?: KeysetPosition; limit: number }): Promise<PostRef[]> {
    const refColumns = `id, author_id AS "authorId", created_at AS "createdAt", mentions`;
    type Row = Omit<PostRef, 'createdAt' | 'mentionIds'> & { createdAt: Date; mentions: PostMention[] | null };
    const r = o.after
      ? await this.pool.query<Row>({
          name: 'posts.scan.after',
          text: `SELECT ${refColumns} FROM ${this.table} WHERE (created_at, id) > ($1::timestamptz, $2::uuid)
            ORDER BY created_at, id LIMIT $3`,
          values: [o.after.createdAt, o.after.id, o.limit],
        })
      : await this.pool.query<Row>({
          name: 'posts.scan',
          text: `SELECT ${refColumns} FROM ${this.table} ORDER BY created_at, id LIMIT $1`,
          values: [o.limit],
        });
    return r.rows.map(({ mentions, ...row }) => ({
      ...row,
      createdAt: new Date(row.createdAt).toISOString(),
      mentionIds: (mentions ?? []).map((m) => m.id),
    }));
  }

  /** Deletes only if the requester wrote it; tells which case it was, and what was deleted. */
  async deleteOwned(
    tx: WriteTransaction,
    id: string,
    requesterId: string,
  ): Promise<{ outcome: 'deleted'; post: PostEntity } | 'not_found' | 'forbidden'> {
    const deleted = await tx.db.query<PostEntity>({
      name: 'posts.delete-owned',
      text: `DELETE FROM ${this.table} WHERE id = $1 AND author_id = $2 RETURNING ${COLUMNS}`,
      values: [id, requesterId],
    });
    if (deleted.rows[0]) return { outcome: 'deleted', post: deleted.rows[0] };
    const found = await tx.db.query({
      name: 'posts.exists',
      text: `SELECT 1 FROM ${this.table} WHERE id = $1`,
      values: [id],
    });
    return found.rowCount === 1 ? 'forbidden' : 'not_found';
  }
}

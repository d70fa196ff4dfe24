// The only file that queries the comment table.
import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DataSource, type Repository } from 'typeorm';
import type { KeysetPosition } from '#contracts';
import { pgPool, qualifiedTable } from '#persistence';
import { CommentEntity } from './entities/comment.entity.js';

const COLUMNS = `id, post_id AS "postId", author_id AS "authorId", author_username AS "authorUsername",
  author_display_name AS "authorDisplayName", text, created_at AS "createdAt"`;

export interface NewComment {
  id: string;
  postId: string;
  authorId: string;
  authorUsername: string;
  authorDisplayName: string;
  text: string;
}

@Injectable()
export class CommentsRepository {
  private readonly comments: Repository<CommentEntity>;
  private readonly pool: pg.Pool;
  private readonly table: string;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.comments = dataSource.getRepository(CommentEntity);
    this.pool = pgPool(dataSource);
    this.table = qualifiedTable(dataSource, 'comment');
  }

  async insert(c: NewComment): Promise<CommentEntity> {
    const rows = await this.comments.createQueryBuilder().insert().values(c).returning('*').execute();
    return this.comments.create(rows.generatedMaps[0] as CommentEntity);
  }

  /**
   * Oldest first, strictly after `after` in that order: keyset pagination, no gaps or repeats.
   * A post's page is read with every post view, so it goes to the pool as a prepared statement.
   */
  async page(o: { postId: string; after?: KeysetPosition; limit: number }): Promise<CommentEntity[]> {
    const r = o.after
      ? await this.pool.query<CommentEntity>({
          name: 'comments.page.after',
          text: `SELECT ${COLUMNS} FROM ${this.table}
            WHERE post_id = $1 AND (created_at, id) > ($2::timestamptz, $3::uuid)
            ORDER BY created_at ASC, id ASC LIMIT $4`,
          values: [o.postId, o.after.createdAt, o.after.id, o.limit],
        })
      : await this.pool.query<CommentEntity>({
          name: 'comments.page',
          text: `SELECT ${COLUMNS} FROM ${this.table} WHERE post_id = $1 ORDER BY created_at ASC, id ASC LIMIT $2`,
          values: [o.postId, o.limit],
        });
    return r.rows;
  }

  /** One query for a whole page of posts; posts without comments are simply absent here. */
  async countByPost(postIds: string[]): Promise<Map<string, number>> {
    const r = await this.pool.query<{ postId: string; n: number }>({
      name: 'comments.count-by-post',
      text: `SELECT post_id AS "postId", count(*)::int AS n FROM ${this.table}
        WHERE post_id = ANY($1::uuid[]) GROUP BY post_id`,
      values: [postIds],
    });
    return new Map(r.rows.map((row) => [row.postId, row.n]));
  }

  /** Deletes only if the requester wrote it; tells which case it was. */
  async deleteOwned(id: string, requesterId: string): Promise<'deleted' | 'not_found' | 'forbidden'> {
    const result = await this.comments.delete({ id, authorId: requesterId });
    if ((result.affected ?? 0) > 0) return 'deleted';
    return (await this.comments.existsBy({ id })) ? 'forbidden' : 'not_found';
  }
}

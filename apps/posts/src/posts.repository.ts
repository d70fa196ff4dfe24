// The only file that queries the posts table.
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import type { KeysetPosition } from '#contracts';
import { PostEntity } from './entities/post.entity.js';

export interface NewPost {
  id: string;
  authorId: string;
  authorUsername: string;
  authorDisplayName: string;
  text: string;
  mediaIds: string[];
}

@Injectable()
export class PostsRepository {
  private readonly posts: Repository<PostEntity>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.posts = dataSource.getRepository(PostEntity);
  }

  async insert(p: NewPost): Promise<PostEntity> {
    const rows = await this.posts
      .createQueryBuilder()
      .insert()
      .values(p)
      .returning('*')
      .execute();
    return this.posts.create(rows.generatedMaps[0] as PostEntity);
  }

  findById(id: string): Promise<PostEntity | null> {
    return this.posts.findOneBy({ id });
  }

  /** Newest first, strictly after `after` in that order: keyset pagination, no gaps or repeats. */
  page(o: { authorUsername?: string; after?: KeysetPosition; limit: number }): Promise<PostEntity[]> {
    const q = this.posts.createQueryBuilder('p');
    if (o.authorUsername) q.andWhere('p.author_username = :username', { username: o.authorUsername });
    if (o.after) {
      q.andWhere('(p.created_at, p.id) < (:createdAt::timestamptz, :id::uuid)', {
        createdAt: o.after.createdAt,
        id: o.after.id,
      });
    }
    return q.orderBy('p.created_at', 'DESC').addOrderBy('p.id', 'DESC').limit(o.limit).getMany();
  }

  /** Deletes only if the requester wrote it; tells which case it was. */
  async deleteOwned(id: string, requesterId: string): Promise<'deleted' | 'not_found' | 'forbidden'> {
    const result = await this.posts.delete({ id, authorId: requesterId });
    if ((result.affected ?? 0) > 0) return 'deleted';
    return (await this.posts.existsBy({ id })) ? 'forbidden' : 'not_found';
  }
}

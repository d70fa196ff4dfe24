// The only file that queries the user table.
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { isUniqueViolation } from '#persistence';
import { UserEntity } from './entities/user.entity.js';

export interface NewUser {
  id: string;
  username: string;
  displayName: string;
  passwordHash: string;
}

export interface Credentials {
  user: UserEntity;
  passwordHash: string;
}

@Injectable()
export class IdentityRepository {
  private readonly users: Repository<UserEntity>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.users = dataSource.getRepository(UserEntity);
  }

  /**
   * Null when the username is taken. The unique constraint decides, not a prior read: of two
   * concurrent signups with one name exactly one insert succeeds.
   */
  async insert(u: NewUser): Promise<UserEntity | null> {
    try {
      const result = await this.users.insert(u);
      const { passwordHash: _hash, ...rest } = u;
      return this.users.create({ ...rest, ...(result.generatedMaps[0] as Pick<UserEntity, 'createdAt'>) });
    } catch (err) {
      if (isUniqueViolation(err, 'UQ_user_username')) return null;
      throw err;
    }
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ username });
  }

  /** The one read that loads the hash (the column is not selected by default). */
  async findCredentials(username: string): Promise<Credentials | null> {
    const row = await this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.username = :username', { username })
      .getOne();
    if (!row) return null;
    const { passwordHash, ...user } = row;
    return { user: this.users.create(user), passwordHash };
  }
}

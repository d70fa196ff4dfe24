// The only file that queries the user table.
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import type pg from 'pg';
import { inTransaction, pgPool, qualifiedTable, type WriteTransaction } from '#persistence';
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
  private readonly table: string;
  private readonly pool: pg.Pool;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.pool = pgPool(dataSource);
    this.users = dataSource.getRepository(UserEntity);
    this.table = qualifiedTable(dataSource, 'user');
  }

  transaction<T>(body: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, {}, (_client, tx) => body(tx));
  }

  /**
   * Null when the username is taken. The unique constraint decides, not a prior read: of two
   * concurrent signups with one name exactly one insert succeeds. On `tx`, so the user and its
   * events.identity.users.created commit together.
   */
  async insert(tx: WriteTransaction, u: NewUser): Promise<UserEntity | null> {
    const r = await tx.db.query<{ createdAt: Date }>({
      name: 'users.insert',
      text: `INSERT INTO ${this.table} (id, username, display_name, password_hash) VALUES ($1, $2, $3, $4)
        ON CONFLICT ON CONSTRAINT "UQ_user_username" DO NOTHING RETURNING created_at AS "createdAt"`,
      values: [u.id, u.username, u.displayName, u.passwordHash],
    });
    const row = r.rows[0];
    if (!row) return null;
    const { passwordHash: _hash, ...rest } = u;
    return this.users.create({ ...rest, createdAt: row.createdAt });
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ username });
  }

  /** The reads that load the hash (the column is not selected by default): by name, or by id. */
  async findCredentials(by: { username: string } | { id: string }): Promise<Credentials | null> {
    const [where, params] = 'id' in by ? ['u.id = :id', { id: by.id }] : ['u.username = :username', by];
    const row = await this.users.createQueryBuilder('u').addSelect('u.passwordHash').where(where, params).getOne();
    if (!row) return null;
    const { passwordHash, ...user } = row;
    return { user: this.users.create(user), passwordHash };
  }

  /** The new hash, in the transaction that ends the user's other sessions. */
  async setPasswordHash(tx: WriteTransaction, id: string, passwordHash: string): Promise<void> {
    await tx.db.query({
      name: 'users.set-password-hash',
      text: `UPDATE ${this.table} SET password_hash = $2 WHERE id = $1`,
      values: [id, passwordHash],
    });
  }
}

import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';

@Entity({ name: 'user' })
@Unique('UQ_user_username', ['username'])
export class UserEntity {
  /** Generated in the app (randomUUID): no dependency on a database extension. */
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'PK_user' })
  id: string;

  @Column('varchar', { length: 32 })
  username: string;

  @Column('varchar', { name: 'display_name', length: 64 })
  displayName: string;

  /** Not loaded unless asked for by name: only the login path ever needs it. */
  @Column('text', { name: 'password_hash', select: false })
  passwordHash: string;

  /** Millisecond precision, so the ISO string in replies and tokens round-trips exactly. */
  @Column({ type: 'timestamptz', name: 'created_at', precision: 3, default: () => 'now()' })
  createdAt: Date;
}

import type { UserDto } from '#contracts';
import type { UserEntity } from './entities/user.entity.js';

/** Picks the public fields by name, so the password hash can never ride along. */
export function toUserDto(u: UserEntity): UserDto {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    createdAt: u.createdAt.toISOString(),
  };
}

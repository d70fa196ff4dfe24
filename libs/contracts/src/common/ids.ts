import { z } from 'zod';

export const Uuid = z.uuid({ error: 'must be a UUID' });

export const AuthorSummary = z.strictObject({
  id: Uuid,
  username: z.string().min(1).max(32),
  displayName: z.string().min(1).max(64),
});
export type AuthorSummary = z.infer<typeof AuthorSummary>;

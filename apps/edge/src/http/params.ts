import { z } from 'zod';
import { Uuid } from '#contracts';

/** `:id` route parameters are UUIDs; anything else is a 400, not a 404. */
export const IdParam = z.strictObject({ id: Uuid });
export type IdParam = z.infer<typeof IdParam>;

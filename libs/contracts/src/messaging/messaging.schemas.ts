import { z } from 'zod';
import { AuthorSummary, Uuid } from '../common/ids.js';
import { Cursor, PageLimit, type Page } from '../common/pagination.js';
import { textField } from '../common/text.js';

/** A recipient named by username; a name that cannot exist is a 400, one that does not is a 404. */
export const MessageRecipient = z
  .string({ error: 'to must be a string' })
  .regex(/^[a-z0-9_]{3,32}$/, 'to must be a username: 3-32 characters of a-z, 0-9 and _');

export const MessageText = textField('text', { multiline: true })
  .min(1, { error: 'text must not be empty', abort: true })
  .max(2000, { error: 'text must be at most 2000 characters', abort: true })
  .refine((t) => t.trim().length > 0, 'text must not be blank');

/** The HTTP body of `POST /messages`. */
export const SendMessageBody = z.strictObject({ to: MessageRecipient, text: MessageText });
export type SendMessageBody = z.infer<typeof SendMessageBody>;

/** `from` is the signed-in sender as the edge read it from the token. */
export const SendMessageRequest = z.strictObject({
  from: AuthorSummary,
  toUsername: MessageRecipient,
  text: MessageText,
});
export type SendMessageRequest = z.infer<typeof SendMessageRequest>;

/** The `:username` of `GET /messages/:username`. */
export const ConversationParam = z.strictObject({
  username: z.string().regex(/^[a-z0-9_]{3,32}$/, 'username must be 3-32 characters of a-z, 0-9 and _'),
});
export type ConversationParam = z.infer<typeof ConversationParam>;

/** The HTTP query of `GET /messages/:username`. */
export const ConversationQuery = z.strictObject({ limit: PageLimit, cursor: Cursor.optional() });
export type ConversationQuery = z.infer<typeof ConversationQuery>;

export const ConversationRequest = z.strictObject({
  userId: Uuid,
  withUsername: z.string().min(1).max(32),
  limit: z.number().int().min(1).max(100),
  cursor: Cursor.optional(),
});
export type ConversationRequest = z.infer<typeof ConversationRequest>;

export const ConversationsRequest = z.strictObject({ userId: Uuid });
export type ConversationsRequest = z.infer<typeof ConversationsRequest>;

export interface Message {
  id: string;
  from: AuthorSummary;
  to: AuthorSummary;
  text: string;
  createdAt: string;
}

export type MessagePage = Page<Message>;

export interface ConversationSummary {
  with: AuthorSummary;
  lastMessage: Message;
}

/** Newest conversation first; at most `MAX_CONVERSATIONS` of them. */
export interface ConversationList {
  items: ConversationSummary[];
}

/** A reply must fit NATS's 1 MB payload: 100 conversations with 2000-character texts do. */
export const MAX_CONVERSATIONS = 100;

// JSON Schemas of the documented bodies. Requests come from the very zod schemas that validate
// them (so the document cannot drift from the checks); replies are described here in zod too.
import { z } from 'zod';
import {
  AuthorSummary,
  ChangePasswordBody,
  CreateCommentBody,
  CreatePostBody,
  LoginRequest,
  MarkReadBody,
  NotificationTypes,
  RefreshRequest,
  SendMessageBody,
  SignupRequest,
} from '#contracts';

const Notification = z.object({
  id: z.uuid(),
  type: z.enum(NotificationTypes),
  actor: AuthorSummary.describe('who did it (for a like group: the latest liker), named as when they did it'),
  count: z.number().int().optional().describe('likes only: how many like the post now'),
  actors: z.array(AuthorSummary).optional().describe('likes only: the latest likers, newest first (at most 3)'),
  post: z.object({ id: z.uuid(), excerpt: z.string().nullable() }).optional(),
  comment: z.object({ id: z.uuid(), excerpt: z.string() }).optional(),
  createdAt: z.iso.datetime().describe('when it last changed (a like group moves up with each new like)'),
  read: z.boolean(),
});
const UserSummary = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  createdAt: z.iso.datetime(),
});
const User = UserSummary.extend({
  followerCount: z.number().int().nullable(),
  followingCount: z.number().int().nullable(),
  followedByMe: z.boolean().nullable().describe('null for anonymous readers'),
  followsMe: z.boolean().nullable().describe('null for anonymous readers'),
  degraded: z.array(z.string()).describe('["graph"] when the follow fields could not be loaded (they are null)'),
});
const Media = z.object({
  id: z.uuid(),
  url: z.string().optional(),
  thumbnailUrl: z.string().optional(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  contentType: z.string().optional(),
  bytes: z.number().int().optional(),
});
const PostAuthor = AuthorSummary.extend({
  followedByMe: z
    .boolean()
    .nullable()
    .describe('null for anonymous readers, on your own posts, and while graph is down (degraded has "graph")'),
});
const Post = z.object({
  id: z.uuid(),
  author: PostAuthor,
  text: z.string(),
  media: z.array(Media),
  mentions: z
    .array(z.object({ username: z.string() }))
    .describe(
      'the existing users its text mentions (@username by the sign-up rule), in order of first mention, at most 10; [] when none',
    ),
  createdAt: z.iso.datetime(),
  likeCount: z.number().int().nullable(),
  commentCount: z.number().int().nullable(),
  likedByMe: z.boolean().nullable(),
  degraded: z.array(z.string()).describe('services whose part could not be loaded; their fields are null'),
});
const Comment = z.object({
  id: z.uuid(),
  postId: z.uuid(),
  author: AuthorSummary,
  text: z.string(),
  createdAt: z.iso.datetime(),
});
const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  service: z.string().optional().describe('on a 503: the service this request could not do without'),
});
const Message = z.object({
  id: z.uuid(),
  from: AuthorSummary,
  to: AuthorSummary,
  text: z.string(),
  createdAt: z.iso.datetime(),
});
const Replica = z.object({
  id: z.string(),
  pid: z.number().int().nullable(),
  host: z.string().nullable(),
  version: z.string(),
  startedAt: z.string(),
  requests: z.number().int(),
  errors: z.number().int(),
  averageLatencyMs: z.number(),
  overload: z
    .object({
      enabled: z.boolean().describe('OVERLOAD_PROTECTION on this replica'),
      limit: z.number().int().describe('its adaptive concurrency limit now'),
      inFlight: z.number().int().describe('requests it holds now'),
      refused: z
        .object({ critical: z.number().int(), degradable: z.number().int(), sheddable: z.number().int() })
        .describe('requests refused `overloaded` since it started, by criticality'),
      expiredOnArrival: z.number().int().describe('requests dropped unrun: their deadline had passed on arrival'),
      expiredBeforeQuery: z.number().int().describe('database queries not sent: their request deadline had passed'),
    })
    .nullable(),
});

export const openApiSchemas: Record<string, z.ZodType> = {
  AuthorSummary,
  SignupRequest,
  LoginRequest,
  RefreshRequest,
  ChangePasswordRequest: ChangePasswordBody,
  CreatePostBody,
  UserSummary,
  User,
  AuthReply: z.object({
    user: UserSummary,
    token: z.string(),
    refreshToken: z.string(),
    expiresIn: z.number().int().describe('seconds the access token (`token`) stays valid'),
  }),
  Media,
  PostAuthor,
  Post,
  PostPage: z.object({ items: z.array(Post), nextCursor: z.string().nullable(), degraded: z.array(z.string()) }),
  CreateCommentBody,
  Comment,
  CommentPage: z.object({ items: z.array(Comment), nextCursor: z.string().nullable() }),
  LikePage: z.object({
    count: z.number().int(),
    items: z.array(z.object({ user: AuthorSummary, createdAt: z.iso.datetime() })),
    nextCursor: z.string().nullable(),
  }),
  FollowPage: z.object({
    items: z.array(
      z.object({
        user: AuthorSummary,
        since: z.iso.datetime(),
        followedByMe: z
          .boolean()
          .nullable()
          .describe('whether you follow this user; null anonymous and on your own row'),
      }),
    ),
    nextCursor: z.string().nullable(),
  }),
  Notification,
  NotificationPage: z.object({
    items: z.array(Notification),
    nextCursor: z.string().nullable(),
    unread: z.number().int().describe('unread notifications in all, not only on this page'),
  }),
  UnreadCount: z.object({ unread: z.number().int() }),
  MarkReadBody,
  SendMessageBody,
  Message,
  MessagePage: z.object({ items: z.array(Message), nextCursor: z.string().nullable() }),
  ConversationList: z.object({
    items: z.array(z.object({ with: AuthorSummary, lastMessage: Message })).describe('newest first, at most 100'),
  }),
  Problem,
  MeshView: z.object({
    services: z.array(
      z.object({
        name: z.string(),
        status: z.enum(['up', 'down']),
        reason: z
          .string()
          .nullable()
          .describe(
            'why it is down, as its waiting replicas say: "database 127.0.0.1:5999/failsoft unreachable: ECONNREFUSED 127.0.0.1:5999"',
          ),
        replicas: z.array(Replica).describe('the replicas that serve'),
        waiting: z
          .array(
            Replica.pick({ id: true, pid: true, host: true, version: true, startedAt: true }).extend({
              waitingFor: z.string().describe('what it waits for before it serves: "database"'),
              state: z.string(),
              target: z.string().nullable().describe('where it is trying, without credentials: "host:port/database"'),
            }),
          )
          .describe('replicas in the mesh that do not serve yet, and why'),
        degradedLastMinute: z
          .number()
          .int()
          .describe('answers of this edge replica in the last 60 s that left this service out (degraded)'),
        unavailableLastMinute: z
          .number()
          .int()
          .describe('503 answers of this edge replica in the last 60 s naming this service'),
        brownout: z
          .object({
            active: z.boolean(),
            cause: z.enum(['overloaded', 'latency', 'edge-lag', 'edge-limit']).nullable(),
          })
          .describe("whether this edge replica skips the service's optional parts under pressure now, and why"),
      }),
    ),
    consumers: z
      .array(
        z.object({
          consumer: z.string().describe('the durable consumer: "feed--events-posts-created"'),
          service: z.string().describe('the consuming service'),
          subject: z.string().describe('the event subject it delivers'),
          pending: z.number().int().describe('events in the stream not yet delivered to the service'),
          inFlight: z.number().int().describe('events delivered and not yet acknowledged'),
          oldestUnackedSeconds: z.number().describe('age of the oldest event not acknowledged; 0 with no backlog'),
          history: z
            .array(z.number().int())
            .describe('pending + inFlight of the last readings (every CONSUMER_LAG_INTERVAL_MS), oldest first'),
          readAt: z.iso.datetime().nullable().describe('when it was last read; null before the first read'),
          error: z.string().nullable().describe('why the last read failed (figures are then the last good ones)'),
        }),
      )
      .describe("every durable event consumer's lag, read in the background (not at this request)"),
  }),
};

export function jsonSchemas(): Record<string, object> {
  return Object.fromEntries(
    Object.entries(openApiSchemas).map(([name, schema]) => [
      name,
      z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }),
    ]),
  );
}

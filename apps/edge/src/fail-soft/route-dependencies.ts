// The fail-soft matrix of the edge, route by route, in one place (docs/fail-soft.md made concrete):
// - `needs`: services the route cannot answer without — when one is down the answer is 503 with
//   `service` naming it and `Retry-After`;
// - `degrades`: services whose part is left out when they are down — the answer is still 200,
//   with their fields null (media: the ids only) and the service listed in `degraded`;
// - `needsWhen`: services needed only for some requests, and which.
// Not named = not asked: the route answers as if that service did not exist.
// The OpenAPI document carries each route's entry as `x-fail-soft`; a test checks that every
// route the edge serves is declared here, and the chaos suite takes each service away in turn.
import type { MeshService } from '#contracts';

export interface RouteDependencies {
  needs: readonly MeshService[];
  degrades?: readonly MeshService[];
  needsWhen?: Partial<Record<MeshService, string>>;
}

export const FailSoftMatrix = {
  'POST /auth/signup': { needs: ['identity'] },
  'POST /auth/login': { needs: ['identity'] },
  'POST /auth/refresh': { needs: ['identity'] },
  'POST /auth/logout': { needs: ['identity'] },
  'POST /auth/password': { needs: ['identity'] },
  // The token carries the user: identity is not asked. graph adds the follow counts.
  'GET /users/me': { needs: [], degrades: ['graph'] },
  'GET /users/:username': { needs: ['identity'], degrades: ['graph'] },

  // identity resolves the followee (404 for nobody); graph stores the follow.
  'PUT /users/:username/follow': { needs: ['graph', 'identity'] },
  'DELETE /users/:username/follow': { needs: ['graph'] },
  // identity is asked beside graph only to answer 404 for an unknown user.
  'GET /users/:username/followers': { needs: ['graph'] },
  'GET /users/:username/following': { needs: ['graph'] },

  'POST /posts': { needs: ['posts'], needsWhen: { media: 'the body has mediaIds (media vouches for them)' } },
  // graph: whether a signed-in reader follows each author (not asked for anonymous readers).
  'GET /posts/:id': { needs: ['posts'], degrades: ['likes', 'comments', 'media', 'graph'] },
  'GET /posts': { needs: ['posts'], degrades: ['likes', 'comments', 'media', 'graph'] },
  'DELETE /posts/:id': { needs: ['posts'] },

  // Precomputed by feed; while feed is down, built at read time from graph and posts. With feed
  // up, graph only adds whether you follow each author.
  'GET /timeline/home': {
    needs: ['posts'],
    degrades: ['feed', 'likes', 'comments', 'media', 'graph'],
    needsWhen: { graph: 'feed is down too (503 naming feed): the page is then built from graph and posts' },
  },

  // comments and likes ask posts whether the post exists before writing.
  'POST /posts/:id/comments': { needs: ['comments', 'posts'] },
  'GET /posts/:id/comments': { needs: ['comments'] },
  'DELETE /comments/:id': { needs: ['comments'] },
  'PUT /posts/:id/like': { needs: ['likes', 'posts'] },
  'DELETE /posts/:id/like': { needs: ['likes'] },
  'GET /posts/:id/likes': { needs: ['likes'] },

  'POST /media': { needs: ['media'] },
  'GET /media/:id': { needs: ['media'] },
  'GET /media/:id/thumbnail': { needs: ['media'] },

  // messaging asks identity for the recipient; while identity is down it uses the users it has
  // met in stored messages (usernames never change).
  'POST /messages': {
    needs: ['messaging'],
    needsWhen: { identity: 'the recipient never sent or received a message before' },
  },
  'GET /messages/:username': { needs: ['messaging'] },
  'GET /conversations': { needs: ['messaging'] },
  // Built from events only: the actors travel in the notifications, no other service is asked.
  'GET /notifications': { needs: ['notifications'] },
  'GET /notifications/unread-count': { needs: ['notifications'] },
  'POST /notifications/read': { needs: ['notifications'] },

  // The stream stays open while messaging or notifications is down; pushes resume once they are
  // back. Tickets live in JetStream (KV), not in a service: only NATS itself is needed.
  'POST /events/ticket': { needs: [] },
  'GET /events': { needs: [], degrades: ['messaging', 'notifications'] },

  'GET /health/live': { needs: [] },
  'GET /health/ready': { needs: [] },
} as const satisfies Record<string, RouteDependencies>;

export type DeclaredRoute = keyof typeof FailSoftMatrix;

export function dependenciesOf(method: string, path: string): RouteDependencies | undefined {
  return (FailSoftMatrix as Record<string, RouteDependencies>)[`${method.toUpperCase()} ${path}`];
}

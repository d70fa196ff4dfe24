// Follows (graph): follow and unfollow by username, and the followers and following pages. The
// followee is looked up in identity first (404 for nobody; graph stores both users' summaries,
// so its pages need no identity afterwards). For a signed-in reader each row of a page says
// whether the reader follows that user: one batched graph.relationships request per page.
import { Controller, Delete, Get, HttpCode, Inject, Param, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ErrorCodes, PageQuery, MeshError, Subjects, Username, type FollowPage, type FollowRecord } from '#contracts';
import { AuthGuard, CurrentUser, OptionalAuthGuard, Viewer } from '../auth/auth.guard.js';
import type { AuthUser } from '../auth/token-verifier.js';
import { ApiIdempotencyKey, ClientIdempotencyKey } from '../http/idempotency-key.js';
import { ZodPipe } from '../http/zod.pipe.js';
import { RateLimit } from '../limits/rate-limit.decorator.js';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { ApiOptionalAuth, Problems, ref } from '../openapi/openapi-refs.js';

const UsernameParam = z.strictObject({ username: Username });
type UsernameParam = z.infer<typeof UsernameParam>;

/** A row of a followers or following page as frontends see it. */
export interface FollowRowView extends FollowRecord {
  /** Whether the reader follows this user; null for anonymous readers and on the reader's own row. */
  followedByMe: boolean | null;
}
export interface FollowPageView {
  items: FollowRowView[];
  nextCursor: string | null;
}

@ApiTags('follows')
@Controller('users/:username')
export class FollowsController {
  constructor(@Inject(EdgeMesh) private readonly mesh: EdgeMesh) {}

  @Put('follow')
  @HttpCode(204)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Follow a user; idempotent (twice is one follow); 404 if no such user, 400 yourself' })
  @ApiIdempotencyKey()
  @ApiResponse({ status: 204 })
  @Problems(400, 401, 404, 429, 503)
  @RateLimit('follows.write')
  async follow(
    @CurrentUser() user: AuthUser,
    @Param(new ZodPipe(UsernameParam)) p: UsernameParam,
    @ClientIdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<void> {
    if (p.username === user.username) {
      throw new MeshError(ErrorCodes.invalid, 'The request is not valid.', [
        { field: 'username', message: 'you cannot follow yourself' },
      ]);
    }
    const { id, username, displayName } = await this.mesh.read(Subjects.identity.lookupUser, { username: p.username });
    const follower = { id: user.id, username: user.username, displayName: user.displayName };
    await this.mesh.write(
      Subjects.graph.follow,
      { follower, followee: { id, username, displayName } },
      { idempotencyKey, idempotent: true },
    );
  }

  @Delete('follow')
  @HttpCode(204)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Stop following a user; idempotent (also someone you never followed)' })
  @ApiIdempotencyKey()
  @ApiResponse({ status: 204 })
  @Problems(400, 401, 429, 503)
  @RateLimit('follows.write')
  async unfollow(
    @CurrentUser() user: AuthUser,
    @Param(new ZodPipe(UsernameParam)) p: UsernameParam,
    @ClientIdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<void> {
    const data = { followerId: user.id, followee: p.username };
    await this.mesh.write(Subjects.graph.unfollow, data, { idempotencyKey, idempotent: true });
  }

  @Get('followers')
  @UseGuards(OptionalAuthGuard)
  @ApiOptionalAuth()
  @ApiOperation({ summary: "A user's followers, newest follow first" })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-100, default 20' })
  @ApiQuery({ name: 'cursor', required: false, type: String })
  @ApiResponse({ status: 200, schema: ref('FollowPage') })
  @Problems(400, 401, 404, 503)
  followers(
    @Param(new ZodPipe(UsernameParam)) p: UsernameParam,
    @Query(new ZodPipe(PageQuery)) q: PageQuery,
    @Viewer() viewer?: AuthUser,
  ): Promise<FollowPageView> {
    return this.page(Subjects.graph.followers, p.username, q, viewer);
  }

  @Get('following')
  @UseGuards(OptionalAuthGuard)
  @ApiOptionalAuth()
  @ApiOperation({ summary: 'Whom a user follows, newest follow first' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-100, default 20' })
  @ApiQuery({ name: 'cursor', required: false, type: String })
  @ApiResponse({ status: 200, schema: ref('FollowPage') })
  @Problems(400, 401, 404, 503)
  following(
    @Param(new ZodPipe(UsernameParam)) p: UsernameParam,
    @Query(new ZodPipe(PageQuery)) q: PageQuery,
    @Viewer() viewer?: AuthUser,
  ): Promise<FollowPageView> {
    return this.page(Subjects.graph.following, p.username, q, viewer);
  }

  /**
   * Graph's page, with identity asked beside it only to tell an unknown user (404) from one
   * nobody follows: while identity is unavailable the page is served as graph has it.
   */
  private async page(
    subject: typeof Subjects.graph.followers | typeof Subjects.graph.following,
    username: string,
    q: PageQuery,
    viewer: AuthUser | undefined,
  ): Promise<FollowPageView> {
    const [, page] = await Promise.all([
      this.mesh.readOptional(Subjects.identity.lookupUser, { username }),
      this.mesh.read(subject, { username, limit: q.limit, cursor: q.cursor }),
    ]);
    const followed = await this.followedBy(viewer, page);
    return {
      items: page.items.map((row) => ({ ...row, followedByMe: followed.get(row.user.id.toLowerCase()) ?? null })),
      nextCursor: page.nextCursor,
    };
  }

  /** Whom of the page the viewer follows: graph just answered, so it is asked once more (batched). */
  private async followedBy(viewer: AuthUser | undefined, page: FollowPage): Promise<Map<string, boolean>> {
    const userIds = [...new Set(page.items.map((row) => row.user.id.toLowerCase()))].filter(
      (id) => id !== viewer?.id.toLowerCase(),
    );
    if (!viewer || userIds.length === 0) return new Map();
    const reply = await this.mesh.read(Subjects.graph.relationships, { userIds, viewerId: viewer.id });
    return new Map(userIds.map((id) => [id, reply.relationships[id]?.followedByMe ?? false]));
  }
}

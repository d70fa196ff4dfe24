import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { MeshError, Subjects, Username, type UserDto } from '#contracts';
import { AuthGuard, CurrentUser, OptionalAuthGuard, Viewer } from '../auth/auth.guard.js';
import type { AuthUser } from '../auth/token-verifier.js';
import { ZodPipe } from '../http/zod.pipe.js';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { ApiOptionalAuth, Problems, ref } from '../openapi/openapi-refs.js';
import { UserProfiles, type UserProfile } from './user-profile.js';

const UsernameParam = z.strictObject({ username: Username });

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(
    @Inject(EdgeMesh) private readonly mesh: EdgeMesh,
    @Inject(UserProfiles) private readonly profiles: UserProfiles,
  ) {}

  @Get('me')
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The signed-in user (served from the token while identity is down)' })
  @ApiResponse({ status: 200, schema: ref('User') })
  @Problems(401)
  async me(@CurrentUser() user: AuthUser): Promise<UserProfile> {
    const [found, relationship] = await Promise.all([this.self(user), this.profiles.relationship(user.id, user.id)]);
    return this.profiles.view(found, relationship);
  }

  @Get(':username')
  @UseGuards(OptionalAuthGuard)
  @ApiOptionalAuth()
  @ApiOperation({ summary: 'A user by username, with follow counts (and, signed in, how you relate)' })
  @ApiResponse({ status: 200, schema: ref('User') })
  @Problems(400, 401, 404, 503)
  async byUsername(
    @Param(new ZodPipe(UsernameParam)) p: z.infer<typeof UsernameParam>,
    @Viewer() viewer: AuthUser | undefined,
  ): Promise<UserProfile> {
    const user = await this.mesh.read(Subjects.identity.lookupUser, { username: p.username });
    return this.profiles.view(user, await this.profiles.relationship(user.id, viewer?.id));
  }

  private async self(user: AuthUser): Promise<UserDto> {
    try {
      return await this.mesh.read(Subjects.identity.getUser, { id: user.id });
    } catch (err) {
      // The token already says who this is: signed-in users keep working while identity is down.
      if (err instanceof MeshError && err.isUnavailability) return user;
      throw err;
    }
  }
}

import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { MeshError, Subjects, Username, type UserDto } from '#contracts';
import { AuthGuard, CurrentUser } from '../auth/auth.guard.js';
import type { AuthUser } from '../auth/token-verifier.js';
import { ZodPipe } from '../http/zod.pipe.js';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { Problems, ref } from '../openapi/openapi-refs.js';

const UsernameParam = z.strictObject({ username: Username });

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(@Inject(EdgeMesh) private readonly mesh: EdgeMesh) {}

  @Get('me')
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The signed-in user (served from the token while identity is down)' })
  @ApiResponse({ status: 200, schema: ref('User') })
  @Problems(401)
  async me(@CurrentUser() user: AuthUser): Promise<UserDto> {
    try {
      return await this.mesh.read(Subjects.identity.getUser, { id: user.id });
    } catch (err) {
      // The token already says who this is: signed-in users keep working while identity is down.
      if (err instanceof MeshError && err.isUnavailability) return user;
      throw err;
    }
  }

  @Get(':username')
  @ApiOperation({ summary: 'A user by username' })
  @ApiResponse({ status: 200, schema: ref('User') })
  @Problems(400, 404, 503)
  byUsername(@Param(new ZodPipe(UsernameParam)) p: z.infer<typeof UsernameParam>): Promise<UserDto> {
    return this.mesh.read(Subjects.identity.lookupUser, { username: p.username });
  }
}

import { Body, Controller, HttpCode, Inject, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  ChangePasswordBody,
  LoginRequest,
  RefreshRequest,
  SignupRequest,
  Subjects,
  type AuthReply,
  type LogoutReply,
} from '#contracts';
import { ZodPipe } from '../http/zod.pipe.js';
import { EDGE_CONFIG, type EdgeConfig } from '../edge.config.js';
import { clientIp } from '../limits/client-ip.js';
import { LoginGate } from '../limits/login-gate.js';
import { RateLimit } from '../limits/rate-limit.decorator.js';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { Problems, ref } from '../openapi/openapi-refs.js';
import { AuthGuard, CurrentSession, CurrentUser } from './auth.guard.js';
import { RevokedSessions } from './revoked-sessions.js';
import type { AuthUser, VerifiedToken } from './token-verifier.js';

const revokedReply = {
  status: 200,
  schema: { type: 'object', required: ['revoked'], properties: { revoked: { type: 'integer' } } },
};

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    @Inject(EdgeMesh) private readonly mesh: EdgeMesh,
    @Inject(RevokedSessions) private readonly revoked: RevokedSessions,
    @Inject(LoginGate) private readonly gate: LoginGate,
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
  ) {}

  @Post('signup')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an account and get a token' })
  @ApiBody({ schema: ref('SignupRequest') })
  @ApiResponse({ status: 201, schema: ref('AuthReply') })
  @Problems(400, 409, 429, 503)
  @RateLimit('auth.signup.ip', 'auth.signup.username')
  signup(@Body(new ZodPipe(SignupRequest)) body: SignupRequest): Promise<AuthReply> {
    return this.mesh.write(Subjects.identity.signup, body);
  }

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange username and password for a token' })
  @ApiBody({ schema: ref('LoginRequest') })
  @ApiResponse({ status: 200, schema: ref('AuthReply') })
  @Problems(400, 401, 429, 503)
  @RateLimit('auth.login.ip', 'auth.login.username')
  login(@Body(new ZodPipe(LoginRequest)) body: LoginRequest, @Req() req: FastifyRequest): Promise<AuthReply> {
    const ip = clientIp(req, this.config.TRUST_PROXY);
    return this.gate.login(ip, body.username, () => this.mesh.write(Subjects.identity.login, body));
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a refresh token (once) for a new access token and refresh token' })
  @ApiBody({ schema: ref('RefreshRequest') })
  @ApiResponse({ status: 200, schema: ref('AuthReply') })
  @Problems(400, 401, 429, 503)
  @RateLimit('auth.refresh.ip')
  refresh(@Body(new ZodPipe(RefreshRequest)) body: RefreshRequest): Promise<AuthReply> {
    return this.mesh.write(Subjects.identity.refresh, body);
  }

  @Post('logout')
  @HttpCode(200)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: "End this token's session: its access and refresh tokens stop working everywhere" })
  @ApiResponse(revokedReply)
  @Problems(401, 429, 503)
  @RateLimit('auth.logout')
  async logout(@CurrentUser() user: AuthUser, @CurrentSession() s: Omit<VerifiedToken, 'user'>): Promise<LogoutReply> {
    const reply = await this.mesh.write(Subjects.identity.logout, { userId: user.id, sessionId: s.sessionId });
    // Refused here at once; the other edges learn it from identity's event.
    this.revoked.add([s.sessionId], Date.now() + this.config.ACCESS_TOKEN_TTL_SECONDS * 1000);
    return reply;
  }

  @Post('password')
  @HttpCode(200)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Change the password (current one needed); every other session of the account ends' })
  @ApiBody({ schema: ref('ChangePasswordRequest') })
  @ApiResponse(revokedReply)
  @Problems(400, 401, 429, 503)
  @RateLimit('auth.password')
  changePassword(
    @CurrentUser() user: AuthUser,
    @CurrentSession() s: Omit<VerifiedToken, 'user'>,
    @Body(new ZodPipe(ChangePasswordBody)) body: ChangePasswordBody,
  ): Promise<LogoutReply> {
    return this.mesh.write(Subjects.identity.changePassword, { ...body, userId: user.id, sessionId: s.sessionId });
  }
}

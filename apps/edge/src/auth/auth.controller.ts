import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { LoginRequest, SignupRequest, Subjects, type AuthReply } from '#contracts';
import { ZodPipe } from '../http/zod.pipe.js';
import { EDGE_CONFIG, type EdgeConfig } from '../edge.config.js';
import { clientIp } from '../limits/client-ip.js';
import { LoginGate } from '../limits/login-gate.js';
import { RateLimit } from '../limits/rate-limit.decorator.js';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { Problems, ref } from '../openapi/openapi-refs.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    @Inject(EdgeMesh) private readonly mesh: EdgeMesh,
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
}

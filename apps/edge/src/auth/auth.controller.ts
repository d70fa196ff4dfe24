import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { LoginRequest, SignupRequest, Subjects, type AuthReply } from '#contracts';
import { ZodPipe } from '../http/zod.pipe.js';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { Problems, ref } from '../openapi/openapi-refs.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(@Inject(EdgeMesh) private readonly mesh: EdgeMesh) {}

  @Post('signup')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an account and get a token' })
  @ApiBody({ schema: ref('SignupRequest') })
  @ApiResponse({ status: 201, schema: ref('AuthReply') })
  @Problems(400, 409, 503)
  signup(@Body(new ZodPipe(SignupRequest)) body: SignupRequest): Promise<AuthReply> {
    return this.mesh.write(Subjects.identity.signup, body);
  }

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange username and password for a token' })
  @ApiBody({ schema: ref('LoginRequest') })
  @ApiResponse({ status: 200, schema: ref('AuthReply') })
  @Problems(400, 401, 503)
  login(@Body(new ZodPipe(LoginRequest)) body: LoginRequest): Promise<AuthReply> {
    return this.mesh.write(Subjects.identity.login, body);
  }
}

// NATS handlers only: validate, call one service method, return the DTO.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ChangePasswordRequest,
  GetUserRequest,
  LoginRequest,
  LogoutRequest,
  RefreshRequest,
  LookupUserRequest,
  parseOrThrow,
  SignupRequest,
  Subjects,
  type AuthReply,
  type LogoutReply,
  type UserDto,
} from '#contracts';
import { IdentityService } from './identity.service.js';
import { SessionsService } from './sessions/sessions.service.js';

@Controller()
export class IdentityController {
  constructor(
    private readonly identity: IdentityService,
    private readonly sessions: SessionsService,
  ) {}

  @MessagePattern(Subjects.identity.signup)
  signup(@Payload() data: unknown): Promise<AuthReply> {
    return this.identity.signup(parseOrThrow(SignupRequest, data));
  }

  @MessagePattern(Subjects.identity.login)
  login(@Payload() data: unknown): Promise<AuthReply> {
    return this.identity.login(parseOrThrow(LoginRequest, data));
  }

  @MessagePattern(Subjects.identity.refresh)
  refresh(@Payload() data: unknown): Promise<AuthReply> {
    return this.sessions.refresh(parseOrThrow(RefreshRequest, data).refreshToken);
  }

  @MessagePattern(Subjects.identity.logout)
  logout(@Payload() data: unknown): Promise<LogoutReply> {
    const r = parseOrThrow(LogoutRequest, data);
    return this.sessions.logout(r.userId, r.sessionId);
  }

  @MessagePattern(Subjects.identity.changePassword)
  changePassword(@Payload() data: unknown): Promise<LogoutReply> {
    return this.identity.changePassword(parseOrThrow(ChangePasswordRequest, data));
  }

  @MessagePattern(Subjects.identity.getUser)
  getUser(@Payload() data: unknown): Promise<UserDto> {
    return this.identity.getById(parseOrThrow(GetUserRequest, data).id);
  }

  @MessagePattern(Subjects.identity.lookupUser)
  lookupUser(@Payload() data: unknown): Promise<UserDto> {
    return this.identity.getByUsername(parseOrThrow(LookupUserRequest, data).username);
  }
}

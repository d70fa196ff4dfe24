// NATS handlers only: validate, call one service method, return the DTO.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  GetUserRequest,
  LoginRequest,
  LookupUserRequest,
  parseOrThrow,
  SignupRequest,
  Subjects,
  type AuthReply,
  type UserDto,
} from '#contracts';
import { IdentityService } from './identity.service.js';

@Controller()
export class IdentityController {
  constructor(private readonly identity: IdentityService) {}

  @MessagePattern(Subjects.identity.signup)
  signup(@Payload() data: unknown): Promise<AuthReply> {
    return this.identity.signup(parseOrThrow(SignupRequest, data));
  }

  @MessagePattern(Subjects.identity.login)
  login(@Payload() data: unknown): Promise<AuthReply> {
    return this.identity.login(parseOrThrow(LoginRequest, data));
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

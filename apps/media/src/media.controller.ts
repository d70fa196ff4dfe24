// NATS handlers only: validate, call one service method, return the DTO.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  GetMediaRequest,
  parseOrThrow,
  RegisterMediaRequest,
  ResolveMediaRequest,
  Subjects,
  type Media,
  type ResolveMediaReply,
  type StoredMedia,
} from '#contracts';
import { currentIdempotencyKey } from '#runtime';
import { MediaService } from './media.service.js';

@Controller()
export class MediaController {
  constructor(private readonly media: MediaService) {}

  @MessagePattern(Subjects.media.register)
  register(@Payload() data: unknown): Promise<Media> {
    return this.media.register(parseOrThrow(RegisterMediaRequest, data), currentIdempotencyKey());
  }

  @MessagePattern(Subjects.media.get)
  get(@Payload() data: unknown): Promise<StoredMedia> {
    return this.media.get(parseOrThrow(GetMediaRequest, data));
  }

  @MessagePattern(Subjects.media.resolve)
  resolve(@Payload() data: unknown): Promise<ResolveMediaReply> {
    return this.media.resolve(parseOrThrow(ResolveMediaRequest, data));
  }
}

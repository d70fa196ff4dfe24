// NATS handlers only: validate, call one service method, return the DTO.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  LikeRequest,
  LikeSummaryRequest,
  ListLikesRequest,
  parseOrThrow,
  Subjects,
  UnlikeRequest,
  type LikePage,
  type LikeReply,
  type LikeSummaryReply,
} from '#contracts';
import { currentIdempotencyKey } from '#runtime';
import { LikesService } from './likes.service.js';

@Controller()
export class LikesController {
  constructor(private readonly likes: LikesService) {}

  @MessagePattern(Subjects.likes.like)
  like(@Payload() data: unknown): Promise<LikeReply> {
    return this.likes.like(parseOrThrow(LikeRequest, data), currentIdempotencyKey());
  }

  @MessagePattern(Subjects.likes.unlike)
  unlike(@Payload() data: unknown): Promise<LikeReply> {
    return this.likes.unlike(parseOrThrow(UnlikeRequest, data), currentIdempotencyKey());
  }

  @MessagePattern(Subjects.likes.list)
  list(@Payload() data: unknown): Promise<LikePage> {
    return this.likes.list(parseOrThrow(ListLikesRequest, data));
  }

  @MessagePattern(Subjects.likes.summary)
  summary(@Payload() data: unknown): Promise<LikeSummaryReply> {
    return this.likes.summary(parseOrThrow(LikeSummaryRequest, data));
  }
}

// NATS handlers only: validate, call one service method, return the DTO.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CountCommentsRequest,
  CreateCommentRequest,
  DeleteCommentRequest,
  ListCommentsRequest,
  parseOrThrow,
  Subjects,
  type CommentCountsReply,
  type CommentPage,
  type CommentRecord,
  type DeleteCommentReply,
} from '#contracts';
import { currentIdempotencyKey } from '#runtime';
import { CommentsService } from './comments.service.js';

@Controller()
export class CommentsController {
  constructor(private readonly comments: CommentsService) {}

  @MessagePattern(Subjects.comments.create)
  create(@Payload() data: unknown): Promise<CommentRecord> {
    return this.comments.create(parseOrThrow(CreateCommentRequest, data), currentIdempotencyKey());
  }

  @MessagePattern(Subjects.comments.list)
  list(@Payload() data: unknown): Promise<CommentPage> {
    return this.comments.list(parseOrThrow(ListCommentsRequest, data));
  }

  @MessagePattern(Subjects.comments.delete)
  delete(@Payload() data: unknown): Promise<DeleteCommentReply> {
    return this.comments.delete(parseOrThrow(DeleteCommentRequest, data), currentIdempotencyKey());
  }

  @MessagePattern(Subjects.comments.count)
  count(@Payload() data: unknown): Promise<CommentCountsReply> {
    return this.comments.count(parseOrThrow(CountCommentsRequest, data));
  }
}

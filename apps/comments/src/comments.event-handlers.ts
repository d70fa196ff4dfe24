// The domain events comments reacts to: thin, each calls one service method. Consumed once per
// event by some replica (the durable consumer comments--events-posts-deleted).
import { Injectable } from '@nestjs/common';
import { Events } from '#contracts';
import { type EventHandlerSet, type EventHandlers } from '#events';
import { CommentsService } from './comments.service.js';

@Injectable()
export class CommentsEventHandlers implements EventHandlerSet {
  constructor(private readonly comments: CommentsService) {}

  readonly handlers: EventHandlers = {
    [Events.posts.deleted]: (e) => this.comments.removePostComments(e.postId),
  };
}

// The domain events likes reacts to: thin, each calls one service method. Consumed once per
// event by some replica (the durable consumer likes--events-posts-deleted).
import { Injectable } from '@nestjs/common';
import { Events } from '#contracts';
import { type EventHandlerSet, type EventHandlers } from '#events';
import { LikesService } from './likes.service.js';

@Injectable()
export class LikesEventHandlers implements EventHandlerSet {
  constructor(private readonly likes: LikesService) {}

  readonly handlers: EventHandlers = {
    [Events.posts.deleted]: (e) => this.likes.removePostLikes(e.postId),
  };
}

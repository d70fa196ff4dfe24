// The domain events feeds are built from: thin, each calls one service method. Consumed once per
// event by some replica (one durable consumer per subject, feed--events-…).
import { Injectable } from '@nestjs/common';
import { Events } from '#contracts';
import { type EventHandlerSet, type EventHandlers } from '#events';
import { FeedService } from './feed.service.js';

@Injectable()
export class FeedEventHandlers implements EventHandlerSet {
  constructor(private readonly feed: FeedService) {}

  readonly handlers: EventHandlers = {
    [Events.posts.created]: async (e) => {
      await this.feed.postCreated(e);
    },
    [Events.posts.deleted]: (e) => this.feed.postDeleted(e),
    [Events.graph.followed]: (e) => this.feed.followed(e),
    [Events.graph.unfollowed]: (e) => this.feed.unfollowed(e),
  };
}

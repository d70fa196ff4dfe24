// The domain events media reacts to: thin, each calls one service method. Each subject has its
// own durable consumer (media--events-posts-created, media--events-posts-deleted), shared by
// media's replicas.
import { Injectable } from '@nestjs/common';
import { Events } from '#contracts';
import { type EventHandlerSet, type EventHandlers } from '#events';
import { MediaService } from './media.service.js';

@Injectable()
export class MediaEventHandlers implements EventHandlerSet {
  constructor(private readonly media: MediaService) {}

  readonly handlers: EventHandlers = {
    [Events.posts.created]: (e) => this.media.recordPostMedia(e.postId, e.mediaIds),
    [Events.posts.deleted]: (e) => this.media.releasePostMedia(e.postId, e.mediaIds),
  };
}

// The domain events notifications are built from: thin, each calls one service method. Consumed
// once per event by some replica (one durable consumer per subject, notifications--events-…).
import { Injectable } from '@nestjs/common';
import { Events } from '#contracts';
import { type EventHandlerSet, type EventHandlers } from '#events';
import { NotificationsService } from './notifications.service.js';

@Injectable()
export class NotificationsEventHandlers implements EventHandlerSet {
  constructor(private readonly notifications: NotificationsService) {}

  readonly handlers: EventHandlers = {
    [Events.posts.created]: (e) => this.notifications.postCreated(e),
    [Events.posts.deleted]: (e) => this.notifications.postDeleted(e),
    [Events.graph.followed]: (e) => this.notifications.followed(e),
    [Events.graph.unfollowed]: (e) => this.notifications.unfollowed(e),
    [Events.likes.liked]: (e) => this.notifications.likeChanged(e, true),
    [Events.likes.unliked]: (e) => this.notifications.likeChanged(e, false),
    [Events.comments.created]: (e) => this.notifications.commentCreated(e),
    [Events.comments.deleted]: (e) => this.notifications.commentDeleted(e),
  };
}

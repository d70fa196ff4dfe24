// The domain events posts reacts to: thin, each calls one service method. Consumed once per event
// by some replica (the durable consumer posts--events-identity-users-created).
import { Injectable } from '@nestjs/common';
import { Events } from '#contracts';
import { type EventHandlerSet, type EventHandlers } from '#events';
import { PostsService } from './posts.service.js';

@Injectable()
export class PostsEventHandlers implements EventHandlerSet {
  constructor(private readonly posts: PostsService) {}

  readonly handlers: EventHandlers = {
    [Events.identity.usersCreated]: (e) => this.posts.userCreated(e),
  };
}

// NATS handlers only: validate, call one service method, return the DTO.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { HomeFeedRequest, parseOrThrow, Subjects, type HomeFeedPage } from '#contracts';
import { FeedService } from './feed.service.js';

@Controller()
export class FeedController {
  constructor(private readonly feed: FeedService) {}

  @MessagePattern(Subjects.feed.home)
  home(@Payload() data: unknown): Promise<HomeFeedPage> {
    return this.feed.home(parseOrThrow(HomeFeedRequest, data));
  }
}

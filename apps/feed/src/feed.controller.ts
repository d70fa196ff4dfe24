// NATS handlers only: validate, call one service method, return the DTO.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  HomeFeedRequest,
  parseOrThrow,
  RebuildFeedsRequest,
  Subjects,
  type HomeFeedPage,
  type RebuildFeedsReply,
} from '#contracts';
import { FeedRebuildService } from './feed-rebuild.service.js';
import { FeedService } from './feed.service.js';

@Controller()
export class FeedController {
  constructor(
    private readonly feed: FeedService,
    private readonly rebuilds: FeedRebuildService,
  ) {}

  @MessagePattern(Subjects.feed.home)
  home(@Payload() data: unknown): Promise<HomeFeedPage> {
    return this.feed.home(parseOrThrow(HomeFeedRequest, data));
  }

  @MessagePattern(Subjects.feed.rebuild)
  rebuild(@Payload() data: unknown): Promise<RebuildFeedsReply> {
    return this.rebuilds.rebuild(parseOrThrow(RebuildFeedsRequest, data));
  }
}

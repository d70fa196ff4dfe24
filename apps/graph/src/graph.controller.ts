// NATS handlers only: validate, call one service method, return the DTO.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  EdgesRequest,
  FolloweeIdsRequest,
  FollowRequest,
  ListFollowsRequest,
  parseOrThrow,
  RelationshipsRequest,
  Subjects,
  UnfollowRequest,
  type EdgesReply,
  type FolloweeIdsReply,
  type FollowPage,
  type FollowReply,
  type RelationshipsReply,
} from '#contracts';
import { currentIdempotencyKey } from '#runtime';
import { GraphService } from './graph.service.js';

@Controller()
export class GraphController {
  constructor(private readonly graph: GraphService) {}

  @MessagePattern(Subjects.graph.follow)
  follow(@Payload() data: unknown): Promise<FollowReply> {
    return this.graph.follow(parseOrThrow(FollowRequest, data), currentIdempotencyKey());
  }

  @MessagePattern(Subjects.graph.unfollow)
  unfollow(@Payload() data: unknown): Promise<FollowReply> {
    return this.graph.unfollow(parseOrThrow(UnfollowRequest, data), currentIdempotencyKey());
  }

  @MessagePattern(Subjects.graph.followers)
  followers(@Payload() data: unknown): Promise<FollowPage> {
    return this.graph.followers(parseOrThrow(ListFollowsRequest, data));
  }

  @MessagePattern(Subjects.graph.following)
  following(@Payload() data: unknown): Promise<FollowPage> {
    return this.graph.following(parseOrThrow(ListFollowsRequest, data));
  }

  @MessagePattern(Subjects.graph.followeeIds)
  followeeIds(@Payload() data: unknown): Promise<FolloweeIdsReply> {
    return this.graph.followeeIds(parseOrThrow(FolloweeIdsRequest, data));
  }

  @MessagePattern(Subjects.graph.edges)
  edges(@Payload() data: unknown): Promise<EdgesReply> {
    return this.graph.edges(parseOrThrow(EdgesRequest, data));
  }

  @MessagePattern(Subjects.graph.relationships)
  relationships(@Payload() data: unknown): Promise<RelationshipsReply> {
    return this.graph.relationships(parseOrThrow(RelationshipsRequest, data));
  }
}

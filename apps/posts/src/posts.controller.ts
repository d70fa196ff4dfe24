// NATS handlers only: validate, call one service method, return the DTO.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CreatePostRequest,
  DeletePostRequest,
  GetPostRequest,
  GetPostsRequest,
  ListPostsRequest,
  parseOrThrow,
  ScanPostsRequest,
  Subjects,
  type DeletePostReply,
  type PostList,
  type PostPage,
  type PostRecord,
  type ScanPostsReply,
} from '#contracts';
import { currentIdempotencyKey } from '#runtime';
import { PostsService } from './posts.service.js';

@Controller()
export class PostsController {
  constructor(private readonly posts: PostsService) {}

  @MessagePattern(Subjects.posts.create)
  create(@Payload() data: unknown): Promise<PostRecord> {
    return this.posts.create(parseOrThrow(CreatePostRequest, data), currentIdempotencyKey());
  }

  @MessagePattern(Subjects.posts.get)
  get(@Payload() data: unknown): Promise<PostRecord> {
    return this.posts.get(parseOrThrow(GetPostRequest, data).id);
  }

  @MessagePattern(Subjects.posts.getMany)
  getMany(@Payload() data: unknown): Promise<PostList> {
    return this.posts.getMany(parseOrThrow(GetPostsRequest, data));
  }

  @MessagePattern(Subjects.posts.list)
  list(@Payload() data: unknown): Promise<PostPage> {
    return this.posts.list(parseOrThrow(ListPostsRequest, data));
  }

  @MessagePattern(Subjects.posts.scan)
  scan(@Payload() data: unknown): Promise<ScanPostsReply> {
    return this.posts.scan(parseOrThrow(ScanPostsRequest, data));
  }

  @MessagePattern(Subjects.posts.delete)
  delete(@Payload() data: unknown): Promise<DeletePostReply> {
    return this.posts.delete(parseOrThrow(DeletePostRequest, data), currentIdempotencyKey());
  }
}

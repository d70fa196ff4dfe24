// NATS handlers only: validate, call one service method, return the DTO.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ConversationRequest,
  ConversationsRequest,
  parseOrThrow,
  SendMessageRequest,
  Subjects,
  type ConversationList,
  type Message,
  type MessagePage,
} from '#contracts';
import { currentIdempotencyKey } from '#runtime';
import { MessagingService } from './messaging.service.js';

@Controller()
export class MessagingController {
  constructor(private readonly messaging: MessagingService) {}

  @MessagePattern(Subjects.messaging.send)
  send(@Payload() data: unknown): Promise<Message> {
    return this.messaging.send(parseOrThrow(SendMessageRequest, data), currentIdempotencyKey());
  }

  @MessagePattern(Subjects.messaging.conversation)
  conversation(@Payload() data: unknown): Promise<MessagePage> {
    return this.messaging.conversation(parseOrThrow(ConversationRequest, data));
  }

  @MessagePattern(Subjects.messaging.conversations)
  conversations(@Payload() data: unknown): Promise<ConversationList> {
    return this.messaging.conversations(parseOrThrow(ConversationsRequest, data));
  }
}

// NATS handlers only: validate, call one service method, return the DTO.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ListNotificationsRequest,
  MarkReadRequest,
  parseOrThrow,
  Subjects,
  UnreadCountRequest,
  type NotificationPage,
  type UnreadCountReply,
} from '#contracts';
import { NotificationsService } from './notifications.service.js';

@Controller()
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @MessagePattern(Subjects.notifications.list)
  list(@Payload() data: unknown): Promise<NotificationPage> {
    return this.notifications.list(parseOrThrow(ListNotificationsRequest, data));
  }

  @MessagePattern(Subjects.notifications.unreadCount)
  unreadCount(@Payload() data: unknown): Promise<UnreadCountReply> {
    return this.notifications.unreadCount(parseOrThrow(UnreadCountRequest, data));
  }

  @MessagePattern(Subjects.notifications.markRead)
  markRead(@Payload() data: unknown): Promise<UnreadCountReply> {
    return this.notifications.markRead(parseOrThrow(MarkReadRequest, data));
  }
}

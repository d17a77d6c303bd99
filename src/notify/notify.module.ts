import { Module } from '@nestjs/common';
import { NotificationsController } from './notifications.controller.js';
import { NotifyService } from './notify.service.js';

/** Webhook notifications (notifications.webhooks in steward.yaml) and GET /notifications. */
@Module({
  providers: [NotifyService],
  controllers: [NotificationsController],
  exports: [NotifyService],
})
export class NotifyModule {}

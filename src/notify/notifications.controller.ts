import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MinRole } from '../auth/roles.js';
import { StewardError } from '../common/errors.js';
import { NOTIFICATION_EVENTS } from '../config/config.types.js';
import { validated } from '../http/validate-body.js';
import type { DeliveryRow } from './delivery.repository.js';
import { NotifyService } from './notify.service.js';
import { iso } from '../common/time.js';

const LIST = {
  type: 'object',
  additionalProperties: false,
  properties: {
    webhook: { type: 'string', maxLength: 63 },
    event: { enum: [...NOTIFICATION_EVENTS] },
    status: { enum: ['pending', 'delivered', 'failed'] },
    runId: { type: 'string', pattern: '^run_[0-9a-z]+$' },
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
  },
} as const;


const toView = (d: DeliveryRow) => ({
  id: d.id,
  webhook: d.webhook,
  event: d.event,
  runId: d.run_id,
  subject: d.subject,
  status: d.status,
  attempts: d.attempts,
  maxAttempts: d.max_attempts,
  lastStatus: d.last_status,
  lastError: d.last_error,
  nextAttemptAt: d.status === 'pending' ? iso(d.next_attempt_at) : null,
  createdAt: iso(d.created_at),
  deliveredAt: iso(d.delivered_at),
});

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('notifications')
export class NotificationsController {
  constructor(@Inject(NotifyService) private readonly notify: NotifyService) {}

  @Get()
  @MinRole('viewer')
  @ApiOperation({ summary: 'Webhook deliveries, newest first, with their outcome (pending, delivered, failed), attempts and last error. Filters: webhook, event, status, runId, limit.' })
  async list(@Query() query: Record<string, string>) {
    const q = validated<Record<string, string>>(LIST, query, 'query');
    const rows = await this.notify.list({ webhook: q.webhook, event: q.event, status: q.status, runId: q.runId, limit: Number(q.limit ?? 50) });
    return { deliveries: rows.map(toView) };
  }

  @Get(':id')
  @MinRole('viewer')
  @ApiOperation({ summary: 'One delivery with the body that is (or was) sent.' })
  async get(@Param('id') id: string) {
    const d = await this.notify.get(id);
    if (!d) throw new StewardError('NOT_FOUND', `no notification delivery ${id}`);
    return { ...toView(d), body: JSON.parse(d.body) as unknown };
  }
}

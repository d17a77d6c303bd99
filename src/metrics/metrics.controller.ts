import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { MinRole } from '../auth/roles.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('daemon')
@ApiBearerAuth()
@Controller()
export class MetricsController {
  constructor(@Inject(MetricsService) private readonly metrics: MetricsService) {}

  @Get('metrics')
  @MinRole('viewer')
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format): runs, steps, approvals, tool calls, target requests, streams, MCP sessions, store pool, process.' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } })
  async scrape(@Res() res: Response): Promise<void> {
    const { contentType, text } = await this.metrics.scrape();
    res.status(200).type(contentType).send(text);
  }
}

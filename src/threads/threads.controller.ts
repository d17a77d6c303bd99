import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { MinRole, type Principal } from '../auth/roles.js';
import { validated } from '../http/validate-body.js';
import { PROMPT_FIELDS } from '../runs/runs.controller.js';
import { ThreadsService, toThreadView, type NewThread } from './threads.service.js';

const CREATE = {
  type: 'object',
  additionalProperties: false,
  required: ['environments'],
  properties: { title: { type: 'string', minLength: 1, maxLength: 200 }, ...PROMPT_FIELDS },
} as const;

const MESSAGE = {
  type: 'object',
  additionalProperties: false,
  required: ['content'],
  properties: { content: { type: 'string', minLength: 1, maxLength: 20000 } },
} as const;

const LIST = { type: 'object', additionalProperties: false, properties: { limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' } } } as const;

@ApiTags('threads')
@ApiBearerAuth()
@Controller('threads')
export class ThreadsController {
  constructor(@Inject(ThreadsService) private readonly threads: ThreadsService) {}

  @Post()
  @HttpCode(201)
  @MinRole('operator')
  @ApiOperation({ summary: 'Start a conversation with the agent: its environments, tool allow-list and privacy setting. Owned by the calling token.' })
  @ApiBody({ schema: CREATE as object })
  async create(@Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const t = await this.threads.create(validated<NewThread>(CREATE, body), who);
    return { ...toThreadView(t), links: { self: `/threads/${t.id}`, messages: `/threads/${t.id}/messages` } };
  }

  @Get()
  @MinRole('operator')
  @ApiOperation({ summary: "The calling token's threads, newest first." })
  async list(@Query() query: Record<string, string>, @CurrentPrincipal() who: Principal) {
    const q = validated<{ limit?: string }>(LIST, query, 'query');
    return { threads: (await this.threads.list(who, Number(q.limit ?? 50))).map(toThreadView) };
  }

  @Post(':id/messages')
  @HttpCode(202)
  @MinRole('operator')
  @ApiOperation({ summary: 'Continue the conversation: runs the agent on the message with the thread history; 202 {runId}. 409 while the previous message is being answered.' })
  @ApiBody({ schema: MESSAGE as object })
  async message(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const m = validated<{ content: string }>(MESSAGE, body);
    const run = await this.threads.message(id, m.content, who);
    return { runId: run.id, state: run.state, links: { run: `/runs/${run.id}`, events: `/runs/${run.id}/events`, thread: `/threads/${id}` } };
  }

  @Get(':id')
  @MinRole('operator')
  @ApiOperation({ summary: 'The thread with its messages (from the stored conversation) and its runs. Owner or admin.' })
  async get(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    return this.threads.view(id, who);
  }
}

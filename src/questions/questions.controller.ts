import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { MinRole, type Principal } from '../auth/roles.js';
import { validated } from '../http/validate-body.js';
import { QUESTION_STATUSES, type QuestionStatus } from './question.types.js';
import { QuestionsService, toQuestionView } from './questions.service.js';

export const ANSWER_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['answer'],
  properties: { answer: { description: "The answer: any JSON value valid against the question's schema." } },
} as const;

const LIST = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { enum: [...QUESTION_STATUSES] },
    runId: { type: 'string', pattern: '^run_[0-9a-z]+$' },
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
  },
} as const;

@ApiTags('questions')
@ApiBearerAuth()
@Controller('questions')
export class QuestionsController {
  constructor(@Inject(QuestionsService) private readonly questions: QuestionsService) {}

  @Get()
  @MinRole('viewer')
  @ApiOperation({ summary: 'Questions runs asked, newest first; filter by status (e.g. pending) and runId.' })
  async list(@Query() query: Record<string, string>) {
    const q = validated<{ status?: QuestionStatus; runId?: string; limit?: string }>(LIST, query, 'query');
    return { questions: (await this.questions.list({ status: q.status, runId: q.runId, limit: Number(q.limit ?? 100) })).map(toQuestionView) };
  }

  @Get(':id')
  @MinRole('viewer')
  @ApiOperation({ summary: 'One question: what it asks, the answer schema, who may answer, the answer and who gave it.' })
  async get(@Param('id') id: string) {
    return toQuestionView(await this.questions.get(id));
  }

  @Post(':id')
  @HttpCode(200)
  @MinRole('viewer')
  @ApiOperation({ summary: "Answer (the run's requester or an operator+, or whom the question's from: names); validated against its schema; once." })
  @ApiBody({ schema: ANSWER_BODY as object })
  async answer(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const { answer } = validated<{ answer: unknown }>(ANSWER_BODY, body);
    return toQuestionView(await this.questions.answer(id, answer, who));
  }
}

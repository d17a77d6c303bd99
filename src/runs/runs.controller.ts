import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { MinRole, type Principal } from '../auth/roles.js';
import { validated } from '../http/validate-body.js';
import { RUN_STATES, type RunState } from './run.types.js';
import { toQuestionView } from '../questions/questions.service.js';
import { RunsService, type StartPrompt, type StartRun } from './runs.service.js';
import { mayReadRun, readableRun, toRunView, toStepView } from './run.views.js';

const START_PLAYBOOK = {
  type: 'object',
  additionalProperties: false,
  required: ['playbook'],
  properties: {
    playbook: { type: 'string', minLength: 1, maxLength: 200 },
    inputs: { type: 'object' },
    environments: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
    dryRun: { type: 'boolean' },
    shareToolResults: { const: false, description: 'false: no tool result of this run reaches a model (agent steps), whatever the environments allow.' },
    approveOnce: { type: 'boolean', description: "true: plan every write step first and ask ONE approval of the whole run's plan (each step then applies only if its plan is unchanged; one that drifted asks again). false: each write step asks its own approval. Default: the playbook's policy.approval.scope." },
  },
} as const;

export const PROMPT_FIELDS = {
  environments: { type: 'array', minItems: 1, maxItems: 20, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 100 }, description: 'Environment names the agent may use.' },
  tools: { type: 'array', minItems: 1, maxItems: 200, uniqueItems: true, items: { type: 'string', pattern: '^[a-z*][a-z0-9_.*-]*$' }, description: 'Allow-list: tool ids or patterns (sisense.dashboard.*).' },
  shareToolResults: { type: 'boolean', description: 'false: no tool result reaches the model, whatever the environments allow.' },
} as const;

const START_PROMPT = {
  type: 'object',
  additionalProperties: false,
  required: ['prompt', 'environments'],
  properties: { prompt: { type: 'string', minLength: 1, maxLength: 20000 }, ...PROMPT_FIELDS },
} as const;

const START_RUN = { oneOf: [START_PLAYBOOK, START_PROMPT] } as const;

const LIST_RUNS = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { type: 'string', pattern: `^(${RUN_STATES.join('|')})(,(${RUN_STATES.join('|')}))*$` },
    playbook: { type: 'string', maxLength: 200 },
    requestedBy: { type: 'string', maxLength: 64 },
    scheduleId: { type: 'string', maxLength: 200 },
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
    before: { type: 'string', pattern: '^run_[0-9a-z]+$' },
  },
} as const;

@ApiTags('runs')
@ApiBearerAuth()
@Controller('runs')
export class RunsController {
  constructor(@Inject(RunsService) private readonly runs: RunsService) {}

  @Post()
  @HttpCode(202)
  @MinRole('operator')
  @ApiOperation({ summary: 'Start a run: of a playbook {playbook, inputs, environments: {role: name}, dryRun, approveOnce}, or ad hoc {prompt, environments: [names], tools?, shareToolResults?} answered by the agent. 202 {id}; follow it at /runs/{id}/events.' })
  @ApiBody({ schema: START_RUN as object })
  async start(@Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const isPrompt = !!body && typeof body === 'object' && 'prompt' in body;
    const run = isPrompt ? await this.runs.startPrompt(validated<StartPrompt>(START_PROMPT, body), who) : await this.runs.start(validated<StartRun>(START_PLAYBOOK, body), who);
    return { id: run.id, state: run.state, links: { self: `/runs/${run.id}`, events: `/runs/${run.id}/events`, report: `/runs/${run.id}/report` } };
  }

  @Get()
  @MinRole('viewer')
  @ApiOperation({ summary: 'Runs, newest first. Filters: state (comma-separated), playbook, requestedBy, scheduleId; paging: limit, before=<run id>.' })
  async list(@Query() query: Record<string, string>, @CurrentPrincipal() who: Principal) {
    const q = validated<Record<string, string>>(LIST_RUNS, query, 'query');
    const limit = Number(q.limit ?? 50);
    const rows = await this.runs.list({ state: q.state?.split(',') as RunState[] | undefined, playbook: q.playbook, requestedBy: q.requestedBy, scheduleId: q.scheduleId, limit, before: q.before });
    return { runs: rows.filter((r) => mayReadRun(r, who)).map(toRunView), next: rows.length === limit ? rows[rows.length - 1].id : null };
  }

  @Get(':id')
  @MinRole('viewer')
  @ApiOperation({ summary: 'One run with its steps.' })
  async get(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    const run = readableRun(await this.runs.get(id), who);
    const questions = (await this.runs.questions(id)).map(toQuestionView);
    // waitingFor: what an awaiting_approval run waits on (an answer to a pending question, or an approval).
    const waitingFor = run.state !== 'awaiting_approval' ? null : questions.some((q) => q.status === 'pending') ? 'answer' : 'approval';
    return { ...toRunView(run), waitingFor, steps: (await this.runs.steps(id)).map(toStepView), questions };
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @MinRole('operator')
  @ApiOperation({ summary: 'Cancel a run that has not ended; in-flight tool calls get their AbortSignal. 409 when already finished.' })
  async cancel(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    readableRun(await this.runs.get(id), who); // a thread's run is its owner's (and admins') to cancel and see
    return toRunView(await this.runs.cancel(id, who));
  }
}

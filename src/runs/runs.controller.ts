import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { MinRole, type Principal } from '../auth/roles.js';
import { validated } from '../http/validate-body.js';
import { RUN_STATES, type RunState } from './run.types.js';
import { RunsService, type StartRun } from './runs.service.js';
import { toRunView, toStepView } from './run.views.js';

const START_RUN = {
  type: 'object',
  additionalProperties: false,
  required: ['playbook'],
  properties: {
    playbook: { type: 'string', minLength: 1, maxLength: 200 },
    inputs: { type: 'object' },
    environments: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
    dryRun: { type: 'boolean' },
  },
} as const;

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
  @ApiOperation({ summary: 'Start a run of a playbook: 202 {id}; follow it at /runs/{id}/events.' })
  @ApiBody({ schema: START_RUN as object })
  async start(@Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const run = await this.runs.start(validated<StartRun>(START_RUN, body), who);
    return { id: run.id, state: run.state, links: { self: `/runs/${run.id}`, events: `/runs/${run.id}/events`, report: `/runs/${run.id}/report` } };
  }

  @Get()
  @MinRole('viewer')
  @ApiOperation({ summary: 'Runs, newest first. Filters: state (comma-separated), playbook, requestedBy, scheduleId; paging: limit, before=<run id>.' })
  async list(@Query() query: Record<string, string>) {
    const q = validated<Record<string, string>>(LIST_RUNS, query, 'query');
    const limit = Number(q.limit ?? 50);
    const rows = await this.runs.list({ state: q.state?.split(',') as RunState[] | undefined, playbook: q.playbook, requestedBy: q.requestedBy, scheduleId: q.scheduleId, limit, before: q.before });
    return { runs: rows.map(toRunView), next: rows.length === limit ? rows[rows.length - 1].id : null };
  }

  @Get(':id')
  @MinRole('viewer')
  @ApiOperation({ summary: 'One run with its steps.' })
  async get(@Param('id') id: string) {
    const run = await this.runs.get(id);
    return { ...toRunView(run), steps: (await this.runs.steps(id)).map(toStepView) };
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @MinRole('operator')
  @ApiOperation({ summary: 'Cancel a run that has not ended; in-flight tool calls get their AbortSignal. 409 when already finished.' })
  async cancel(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    return toRunView(await this.runs.cancel(id, who));
  }
}

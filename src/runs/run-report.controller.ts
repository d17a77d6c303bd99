import { Controller, Get, Inject, Optional, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApprovalService } from '../approvals/approval.service.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { MinRole, type Principal } from '../auth/roles.js';
import { StewardError } from '../common/errors.js';
import { FindingsService } from '../findings/findings.service.js';
import { REDACTOR, STORE } from '../http/tokens.js';
import type { Redactor } from '../logging/redactor.js';
import type { Store } from '../store/store.types.js';
import { buildReport, reportMarkdown, type FindingRow } from './run-report.js';
import { RunsService } from './runs.service.js';
import { readableRun } from './run.views.js';

@ApiTags('runs')
@ApiBearerAuth()
@Controller()
export class RunReportController {
  constructor(
    @Inject(RunsService) private readonly runs: RunsService,
    @Inject(ApprovalService) private readonly approvals: ApprovalService,
    @Inject(STORE) private readonly store: Store,
    @Inject(REDACTOR) private readonly redactor: Redactor,
    @Optional() @Inject(FindingsService) private readonly findingsHistory?: FindingsService,
  ) {}

  @Get('runs/:id/report')
  @MinRole('viewer')
  @ApiOperation({ summary: 'The run report as JSON, or Markdown with ?format=md: the prompt and answer of an ad-hoc run, steps with their input, plan (planView) and output (results withheld from the model included), actions, every failed asset, approvals (who/when/why), findings by severity, and findingsDiff: new / still open / resolved against the previous run of the same schedule.' })
  async report(@Param('id') id: string, @Query('format') format: string | undefined, @Res() res: Response, @CurrentPrincipal() who: Principal): Promise<void> {
    if (format !== undefined && format !== 'json' && format !== 'md') throw new StewardError('VALIDATION_FAILED', 'format must be json or md');
    const run = readableRun(await this.runs.get(id), who);
    const steps = await this.runs.steps(id);
    const rows = await this.approvals.list({ runId: id, limit: 1000 });
    const approvals = await Promise.all(rows.reverse().map((a) => this.approvals.get(a.id)));
    const findings = (await this.store.query<FindingRow>('SELECT * FROM findings WHERE run_id = $1', [id])).rows;
    const diff = run.kind === 'playbook' ? await this.findingsHistory?.diff(id) : undefined;
    const report = this.redactor.redact(buildReport(run, steps, approvals, findings, diff, await this.runs.questions(id)));
    if (format === 'md') res.type('text/markdown; charset=utf-8').send(reportMarkdown(report));
    else res.json(report);
  }
}

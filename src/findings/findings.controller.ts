import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MinRole } from '../auth/roles.js';
import { StewardError } from '../common/errors.js';
import { validated } from '../http/validate-body.js';
import { FindingsService } from './findings.service.js';
import { SEVERITIES, type FindingStateRow, type RunFinding } from './findings.types.js';
import { iso } from '../common/time.js';

const SEV = `(${SEVERITIES.join('|')})`;
const LIST = {
  type: 'object',
  additionalProperties: false,
  properties: {
    environment: { type: 'string', maxLength: 500 },
    check: { type: 'string', maxLength: 300 },
    playbook: { type: 'string', maxLength: 200 },
    severity: { type: 'string', pattern: `^${SEV}(,${SEV})*$` },
    minSeverity: { enum: [...SEVERITIES] },
    state: { enum: ['open', 'resolved'] },
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
    after: { type: 'string', maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' },
  },
} as const;


export const toFindingView = (f: FindingStateRow) => ({
  fingerprint: f.fingerprint,
  check: f.check_id,
  severity: f.severity,
  environment: f.environment,
  asset: f.asset,
  message: f.message,
  playbook: f.playbook,
  state: f.state,
  firstSeenAt: iso(f.first_seen_at),
  lastSeenAt: iso(f.last_seen_at),
  resolvedAt: iso(f.resolved_at),
  firstRunId: f.first_run_id,
  lastRunId: f.last_run_id,
  resolvedRunId: f.resolved_run_id,
  timesSeen: f.times_seen,
  reopened: f.reopened,
});

export const toRunFindingView = (f: RunFinding) => ({ fingerprint: f.fingerprint, check: f.check_id, severity: f.severity, environment: f.environment, asset: f.asset, message: f.message });

const cursor = (f: FindingStateRow) => Buffer.from(`${new Date(f.last_seen_at).toISOString()}|${f.fingerprint}`).toString('base64url');

function parseCursor(text: string): { lastSeenAt: Date; fingerprint: string } {
  const [at, fingerprint] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  const lastSeenAt = new Date(at ?? '');
  if (!fingerprint || Number.isNaN(lastSeenAt.getTime())) throw new StewardError('VALIDATION_FAILED', 'after: not a cursor this API returned (use the "next" of the previous page)');
  return { lastSeenAt, fingerprint };
}

@ApiTags('findings')
@ApiBearerAuth()
@Controller()
export class FindingsController {
  constructor(@Inject(FindingsService) private readonly findings: FindingsService) {}

  @Get('findings')
  @MinRole('viewer')
  @ApiOperation({
    summary:
      'Findings across runs, most recently seen first. Filters: environment, check, playbook, severity (comma-separated) or minSeverity, state (open|resolved); paging: limit, after=<next>.',
  })
  async list(@Query() query: Record<string, string>) {
    const q = validated<Record<string, string>>(LIST, query, 'query');
    const limit = Number(q.limit ?? 100);
    const rows = await this.findings.list({
      environment: q.environment, check: q.check, playbook: q.playbook, severity: q.severity?.split(','), minSeverity: q.minSeverity,
      state: q.state as 'open' | 'resolved' | undefined, limit, after: q.after ? parseCursor(q.after) : undefined,
    });
    return { findings: rows.map(toFindingView), next: rows.length === limit ? cursor(rows[rows.length - 1]!) : null };
  }

  @Get('findings/:fingerprint')
  @MinRole('viewer')
  @ApiOperation({ summary: 'One finding: its state, its history (opened, resolved, reopened, with the run and time of each) and the runs that reported it.' })
  async get(@Param('fingerprint') fingerprint: string) {
    const { state, history, occurrences } = await this.findings.get(fingerprint);
    return {
      ...toFindingView(state),
      history: history.map((h) => ({ change: h.change, runId: h.run_id, at: iso(h.at) })),
      occurrences: occurrences.map((o) => ({ runId: o.run_id, runState: o.state, scheduleId: o.schedule_id, severity: o.severity, message: o.message, at: iso(o.finished_at) })),
    };
  }

  @Get('runs/:id/findings-diff')
  @MinRole('viewer')
  @ApiOperation({ summary: "The run's findings against the previous successful run of the same schedule (or playbook + environments): new, still open, resolved." })
  async diff(@Param('id') id: string) {
    const d = await this.findings.diff(id);
    return {
      runId: d.runId,
      baselineRunId: d.baselineRunId,
      complete: d.complete,
      recorded: d.recorded,
      counts: { new: d.new.length, open: d.open.length, resolved: d.resolved.length },
      new: d.new.map(toRunFindingView),
      open: d.open.map(toRunFindingView),
      resolved: d.resolved.map(toRunFindingView),
    };
  }
}

import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { hasRole, MinRole, type Principal } from '../auth/roles.js';
import { StewardError } from '../common/errors.js';
import { validated } from '../http/validate-body.js';
import { ApprovalService } from './approval.service.js';
import type { ApprovalRow, Decision, DecisionRow } from './approval.types.js';
import { iso } from '../common/time.js';
import { planFailure } from './plan-failure.js';
import { anyPlanView } from '../plans/plan-view.js';

const DECIDE = {
  type: 'object',
  additionalProperties: false,
  required: ['decision'],
  properties: {
    decision: { enum: ['approve', 'reject', 'retry', 'skip'] },
    comment: { type: 'string', maxLength: 4000 },
    input: { type: 'object', description: 'Approve with changed arguments (tool approvals): re-validated against the same tool; the call runs with these.' },
    tool: { type: 'string', description: 'Optional; must be the approval\'s own tool — switching tools is refused.' },
    digest: { type: 'string', maxLength: 128, description: 'The callDigest you reviewed; required to approve a call whose arguments another approver changed.' },
  },
} as const;

const LIST = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { enum: ['pending', 'approved', 'rejected', 'expired', 'cancelled', 'consumed'] },
    runId: { type: 'string', pattern: '^run_[0-9a-z]+$' },
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
  },
} as const;


/**
 * A thread is its owner's conversation, and the calls its agent proposes are part of it: an approval of a thread's
 * run is shown to its requester (the thread's owner) and to those who decide approvals (approver, admin), not to
 * other viewers and operators.
 */
export const mayReadApproval = (a: Pick<ApprovalRow, 'thread_id' | 'requested_by'>, who: Principal): boolean =>
  !a.thread_id || a.requested_by === who.name || hasRole(who, 'approver');

export const toApprovalView = (a: ApprovalRow, decisions: DecisionRow[] = []) => ({
  id: a.id,
  runId: a.run_id,
  stepKey: a.step_key,
  kind: a.kind,
  status: a.status,
  outcome: a.outcome,
  tool: a.tool,
  effect: a.effect,
  input: a.input,
  originalInput: a.original_input ?? null,
  /** A step released under an approved run plan (kind run_plan): that approval. */
  parentId: a.parent_id ?? null,
  editedBy: a.edited_by ?? null,
  callDigest: a.call_digest,
  environments: a.environments,
  plan: a.plan,
  /** The plan as people read it (src/plans/plan-view.ts): items and totals, or a run plan's steps; null without a plan. */
  planView: a.plan === null || a.plan === undefined ? null : anyPlanView(a.plan),
  /** Why the plan says the call would fail (such an approval cannot be approved), or null. */
  planFailure: planFailure(a.plan) ?? null,
  message: a.message,
  requestedBy: a.requested_by,
  requiredApprovals: a.required_approvals,
  requireReason: a.require_reason,
  allowSelfApproval: a.allow_self_approval,
  createdAt: iso(a.created_at),
  expiresAt: iso(a.expires_at),
  decidedAt: iso(a.decided_at),
  consumedAt: iso(a.consumed_at),
  decisions: decisions.map((d) => ({ by: d.approver, decision: d.decision, comment: d.comment, at: iso(d.decided_at) })),
});

@ApiTags('approvals')
@ApiBearerAuth()
@Controller('approvals')
export class ApprovalsController {
  constructor(@Inject(ApprovalService) private readonly approvals: ApprovalService) {}

  @Get()
  @MinRole('viewer')
  @ApiOperation({ summary: 'Approvals, newest first; filter by status (e.g. pending) and runId.' })
  async list(@Query() query: Record<string, string>, @CurrentPrincipal() who: Principal) {
    const q = validated<Record<string, string>>(LIST, query, 'query');
    const rows = await this.approvals.list({ status: q.status, runId: q.runId, limit: Number(q.limit ?? 100), ...(hasRole(who, 'approver') ? {} : { threadsOf: who.name }) });
    return { approvals: rows.map((a) => toApprovalView(a)) };
  }

  @Get(':id')
  @MinRole('viewer')
  @ApiOperation({ summary: 'One approval: what will run, where, its dry-run plan, who asked, who decided.' })
  async get(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    const { approval, decisions } = await this.approvals.get(id);
    if (!mayReadApproval(approval, who)) throw new StewardError('NOT_FOUND', `approval ${id} does not exist`);
    return toApprovalView(approval, decisions);
  }

  @Post(':id')
  @HttpCode(200)
  @MinRole('approver')
  @ApiOperation({ summary: 'Decide: approve | reject (retry | skip for an interrupted step), with a comment. Claimed atomically.' })
  @ApiBody({ schema: DECIDE as object })
  async decide(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const d = validated<{ decision: Decision; comment?: string; input?: Record<string, unknown>; tool?: string; digest?: string }>(DECIDE, body);
    await this.approvals.decide(id, who, d.decision, d.comment, { input: d.input, tool: d.tool, digest: d.digest });
    const { approval, decisions } = await this.approvals.get(id);
    return toApprovalView(approval, decisions);
  }
}

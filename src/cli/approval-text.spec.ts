import { describe, expect, it } from '@jest/globals';
import { type ApprovalView, formatApprovalPlan, formatApprovals, formatPendingPlans } from './approval-text.js';

const view = (over: Partial<ApprovalView> = {}): ApprovalView => ({
  id: 'apr_1', status: 'pending', runId: 'run_1', stepKey: 'write', kind: 'tool', tool: 'demo.notes.write', effect: 'write', environments: { target: 'lab' },
  message: 'Write a note (write) on target=lab', requestedBy: 'ann', requiredApprovals: 1, expiresAt: '2026-01-01T00:00:00.000Z', decisions: [], ...over,
});

describe('steward approvals table', () => {
  it('leads with the failure of an approval whose plan fails (it cannot be approved)', () => {
    const text = formatApprovals([view({ planFailure: '1 change(s) would fail: note k: the notebook is full' }), view({ id: 'apr_2' })]);
    expect(text).toContain('CANNOT BE APPROVED, 1 change(s) would fail: note k: the notebook is full — Write a note');
    expect(text.split('\n')[2]).toMatch(/^apr_2 .*Write a note \(write\) on target=lab$/);
  });
});

describe('the plan an approval decides, as the CLI prints it', () => {
  const plan = { summary: 'write: 1 create', changes: [{ action: 'create', target: 'note k' }, { action: 'update', kind: 'note', target: 'j', fields: [{ field: 'text', before: 'a', after: 'b' }] }] };

  it('one tool\'s plan under a header naming the approval, the tool, where and the step', () => {
    expect(formatApprovalPlan(view({ plan }))).toBe(
      ['plan of apr_1 (demo.notes.write (write) on target=lab, step write):', '  + create note k', '  ~ update note j', '      text: a → b', '  Plan: 1 to create, 1 to update, 0 to delete, 0 skipped, 0 failing.', ''].join('\n'),
    );
    expect(formatApprovalPlan(view({ plan }), true)).toContain('\u001b[32m+ create\u001b[0m note k');
  });

  it('a run plan approved once: each step under its header, then the totals of all', () => {
    const text = formatApprovalPlan(view({ kind: 'run_plan', tool: null, stepKey: null, plan: { steps: [{ stepKey: 'a', stepId: 'a', tool: 'demo.notes.write', plan }] } }));
    expect(text).toBe(
      ['plan of apr_1 (every write step of run_1, approved once):', '  step a: demo.notes.write — write: 1 create', '    + create note k', '    ~ update note j', '        text: a → b', '  Plan: 1 to create, 1 to update, 0 to delete, 0 skipped, 0 failing.', ''].join('\n'),
    );
  });

  it('says when there is no plan: a tool without a dry run, a gate; lists only pending approvals\' plans', () => {
    expect(formatApprovalPlan(view({ plan: null }))).toBe('plan of apr_1 (demo.notes.write (write) on target=lab, step write):\n  no plan: the tool has no dry run, so what it would change is unknown\n');
    expect(formatApprovalPlan(view({ kind: 'gate', tool: null, plan: null }))).toBe('plan of apr_1 (gate, step write): none (gate)\n');
    expect(formatPendingPlans([view({ plan, status: 'approved' }), view({ id: 'apr_2', plan })])).toMatch(/^plan of apr_2 /);
  });
});

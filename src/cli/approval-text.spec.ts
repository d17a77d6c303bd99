import { describe, expect, it } from '@jest/globals';
import { type ApprovalView, formatApprovals } from './approval-text.js';

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

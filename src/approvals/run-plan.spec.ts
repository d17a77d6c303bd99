import { describe, expect, it } from '@jest/globals';
import type { ApprovalPolicy, RunPlanStep } from './approval.types.js';
import { canonicalChanges, combinedPolicy, driftSummary, planDrift, planStepOf } from './run-plan.js';

const DIGEST = 'a'.repeat(64);
const approved = (changes: object[]): RunPlanStep => ({ stepKey: 'dashboards', stepId: 'dashboards', tool: 'x.y.z', effect: 'write', environments: { target: 't' }, inputDigest: DIGEST, plan: { summary: 'old words', changes } });
const policy = (p: Partial<ApprovalPolicy> = {}): ApprovalPolicy => ({ requireFor: ['write', 'destructive'], requireReasonFor: ['destructive'], approvers: 1, allowSelfApproval: false, expiresAfterMs: 3600_000, ...p });

describe('run plans: comparing a step\'s plan at apply time with the approved one', () => {
  it('the same changes in another order, with other wording (summary, detail, reason) and field keys in another order: no drift', () => {
    const was = approved([
      { action: 'create', target: 'dashboard 1 "A"', detail: 'will be created', kind: 'dashboard' },
      { action: 'update', target: 'user u@x', fields: [{ field: 'owner', before: 'a', after: 'b' }] },
      { action: 'skip', target: 'group "G"', reason: 'already in the target' },
    ]);
    const now = {
      summary: 'new words',
      wouldChange: true,
      changes: [
        { action: 'skip', target: 'group "G"', reason: 'in the target since the groups step' },
        { target: 'user u@x', fields: [{ after: 'b', before: 'a', field: 'owner' }], action: 'update' },
        { action: 'create', target: 'dashboard 1 "A"' },
      ],
    };
    expect(planDrift(was, now, DIGEST)).toBeUndefined();
  });

  it('names what was added, removed and changed (another action or other fields), asset by asset', () => {
    const was = approved([
      { action: 'create', target: 'dashboard 1 "A"' },
      { action: 'create', target: 'dashboard 2 "B"' },
      { action: 'update', target: 'user u@x', fields: [{ field: 'owner', before: 'a', after: 'b' }] },
    ]);
    const now = {
      changes: [
        { action: 'skip', target: 'dashboard 1 "A"', reason: 'title conflict' },
        { action: 'update', target: 'user u@x', fields: [{ field: 'owner', before: 'c', after: 'b' }] },
        { action: 'create', target: 'folder "F"' },
      ],
    };
    const drift = planDrift(was, now, DIGEST)!;
    expect(drift).toEqual({
      added: [{ action: 'create', target: 'folder "F"' }],
      removed: [{ action: 'create', target: 'dashboard 2 "B"' }],
      changed: [
        { target: 'dashboard 1 "A"', approved: [{ action: 'create', target: 'dashboard 1 "A"' }], now: [{ action: 'skip', target: 'dashboard 1 "A"' }] },
        { target: 'user u@x', approved: [{ action: 'update', target: 'user u@x', fields: [{ field: 'owner', before: 'a', after: 'b' }] }], now: [{ action: 'update', target: 'user u@x', fields: [{ field: 'owner', before: 'c', after: 'b' }] }] },
      ],
      inputChanged: false,
    });
    expect(driftSummary(drift)).toBe('1 added, 1 removed, 2 changed');
  });

  it('another input is drift even when the changes are the same; a plan that could not be made is drift', () => {
    const was = approved([{ action: 'create', target: 'dashboard 1 "A"' }]);
    const drift = planDrift(was, { changes: [{ action: 'create', target: 'dashboard 1 "A"' }] }, 'b'.repeat(64))!;
    expect(drift).toMatchObject({ added: [], removed: [], changed: [], inputChanged: true });
    expect(driftSummary(drift)).toBe('the plan could not be compared; its input differs from the approved one');
    expect(planDrift(approved([]), { error: { code: 'SISENSE_UNAVAILABLE', message: 'down' } }, DIGEST)).toEqual({ added: [], removed: [], changed: [], inputChanged: false });
    // A tool without plans: only the call is compared.
    expect(planDrift({ ...was, plan: null }, null, DIGEST)).toBeUndefined();
  });

  it('canonical changes: only action, target and fields, sorted; none without a plan', () => {
    expect(canonicalChanges(null)).toEqual([]);
    expect(canonicalChanges({ summary: 's' })).toEqual([]);
    expect(canonicalChanges({ changes: [{ action: 'skip', target: 'b', detail: 'd' }, { action: 'create', target: 'a', fields: [] }] })).toEqual([{ action: 'create', target: 'a' }, { action: 'skip', target: 'b' }]);
    expect(planStepOf({ steps: [approved([])] }, 'dashboards')?.tool).toBe('x.y.z');
    expect(planStepOf({ steps: [approved([])] }, 'users')).toBeUndefined();
    expect(planStepOf(null, 'users')).toBeUndefined();
  });
});

describe('run plans: the policy one approval of several steps is asked under', () => {
  it('the strictest of the steps\' policies: most approvers, shortest expiry, self-approval only if every step allows it', () => {
    const { policy: p, effect } = combinedPolicy([
      { effect: 'write', policy: policy({ approvers: 1, expiresAfterMs: 3600_000, allowSelfApproval: true }) },
      { effect: 'write', policy: policy({ approvers: 2, expiresAfterMs: 60_000, allowSelfApproval: false }) },
    ]);
    expect(effect).toBe('write');
    expect(p).toMatchObject({ approvers: 2, expiresAfterMs: 60_000, allowSelfApproval: false, requireReasonFor: [] });
    expect(combinedPolicy([{ effect: 'write', policy: policy({ allowSelfApproval: true }) }, { effect: 'write', policy: policy({ allowSelfApproval: true }) }]).policy.allowSelfApproval).toBe(true);
  });

  it('a reason when any step needs one for its effect; the effect is the strictest of theirs', () => {
    const destructive = combinedPolicy([
      { effect: 'write', policy: policy() },
      { effect: 'destructive', policy: policy() },
    ]);
    expect(destructive).toMatchObject({ effect: 'destructive', policy: { requireReasonFor: ['destructive'] } });
    const writes = combinedPolicy([
      { effect: 'write', policy: policy() },
      { effect: 'write', policy: policy({ requireReasonFor: ['write'] }) },
    ]);
    expect(writes).toMatchObject({ effect: 'write', policy: { requireReasonFor: ['write'] } });
    expect(combinedPolicy([{ effect: 'write', policy: policy() }]).policy.requireReasonFor).toEqual([]);
  });
});

import { describe, expect, it } from '@jest/globals';
import type { ApprovalRow } from '../approvals/approval.types.js';
import type { RunRow, StepRow } from './run.types.js';
import { buildReport, failedAssets, reportMarkdown } from './run-report.js';

const run = { id: 'run_1', kind: 'playbook', playbook: 'sisense-migrate-everything', state: 'failed', reason: 'step migrate failed', dry_run: false, requested_by: 'ann', inputs: {}, environments: { source: 'a', target: 'b' }, outputs: null, created_at: new Date(0), started_at: new Date(0), finished_at: new Date(1000) } as unknown as RunRow;
const step = (over: Partial<StepRow>): StepRow => ({ step_key: 's', step_id: 's', kind: 'tool', state: 'failed', attempt: 1, tool: 'x.y.z', effect: 'write', plan: null, output: null, error: null, dry_run: null, started_at: null, finished_at: null, ...over }) as StepRow;

describe('failed assets in the run report', () => {
  const steps = [
    step({
      step_key: 'migrate',
      error: {
        code: 'MIGRATION_PARTIAL',
        message: '2 of 3 assets failed',
        detail: {
          results: [
            { asset: 'Sales', kind: 'dashboard', status: 'succeeded' },
            { asset: 'Ops', kind: 'dashboard', status: 'failed', reason: 'shares could not be applied' },
            { asset: 'bob@example.com', kind: 'user', status: 'failed', reason: 'role Designer missing on the target' },
          ],
        },
      } as StepRow['error'],
    }),
    step({ step_key: 'plan', state: 'failed', dry_run: 'would_fail' as StepRow['dry_run'], plan: { summary: 's', changes: [{ action: 'create', target: 'folder "A"' }, { action: 'fail', target: 'data model "M"', detail: 'connection missing' }] } }),
    step({ step_key: 'prereq', error: { code: 'MIGRATION_PREREQUISITES', message: 'nothing was written', detail: { assets: [{ asset: 'Finance', kind: 'dashboard', missing: ['group "fin"'] }] } } as StepRow['error'] }),
  ];

  it('lists every failed asset, from per-asset results, failed plan changes and missing prerequisites, once each', () => {
    expect(failedAssets(steps)).toEqual([
      { step: 'migrate', asset: 'dashboard Ops', reason: 'shares could not be applied' },
      { step: 'migrate', asset: 'user bob@example.com', reason: 'role Designer missing on the target' },
      { step: 'plan', asset: 'data model "M"', reason: 'connection missing' },
      { step: 'prereq', asset: 'dashboard Finance', reason: 'the target lacks group "fin"' },
    ]);
  });

  it('shows them in the Markdown report, none left out', () => {
    const md = reportMarkdown(buildReport(run, steps, [], []));
    expect(md).toContain('## Failed assets (4)');
    for (const line of ['| migrate | dashboard Ops | shares could not be applied |', '| migrate | user bob@example.com | role Designer missing on the target |', '| plan | data model "M" | connection missing |', '| prereq | dashboard Finance | the target lacks group "fin" |']) {
      expect(md).toContain(line);
    }
    expect(md).not.toContain('Sales |');
  });

  it('has no section when nothing failed', () => {
    expect(reportMarkdown(buildReport(run, [step({ state: 'succeeded', output: { results: [{ asset: 'A', status: 'succeeded' }] } })], [], []))).not.toContain('Failed assets');
  });
});

describe('the report of an ad-hoc run, and each step\'s plan and output', () => {
  const prompt = { ...run, kind: 'prompt', playbook: null, prompt: 'Which dashboards use *Sales*?', state: 'succeeded', reason: null, outputs: { answer: 'Two: `Sales` and Ops.', usage: { modelCalls: 2 } } } as unknown as RunRow;
  const steps = [
    step({ step_key: 'agent', step_id: 'agent', kind: 'agent', tool: null, state: 'succeeded', output: { answer: 'Two: `Sales` and Ops.' } }),
    // A result withheld from the model is still in the store, and in the report.
    step({ step_key: 'agent/c1', step_id: 'agent', kind: 'tool', tool: 'sisense.dashboard.list', effect: 'read', state: 'succeeded', input: { datamodel: 'Sales' }, output: { dashboards: [{ title: 'Sales' }, { title: 'Ops' }] } }),
  ];

  it('JSON: the prompt, the answer, and every step with its input and output', () => {
    const r = buildReport(prompt, steps, [], []);
    expect(r.run).toMatchObject({ kind: 'prompt', prompt: 'Which dashboards use *Sales*?', answer: 'Two: `Sales` and Ops.' });
    expect(r.steps[1]).toMatchObject({ key: 'agent/c1', input: { datamodel: 'Sales' }, output: { dashboards: [{ title: 'Sales' }, { title: 'Ops' }] }, plan: null, planView: null });
  });

  it('Markdown: prompt and answer as fenced blocks (nothing in them read as Markdown), then each output as JSON', () => {
    const md = reportMarkdown(buildReport(prompt, steps, [], []));
    expect(md).toContain('## Prompt\n\n```\nWhich dashboards use *Sales*?\n```\n');
    expect(md).toContain('## Answer\n\n```\nTwo: `Sales` and Ops.\n```\n');
    expect(md).toContain('## Outputs\n\n### agent\n\n```json\n{\n  "answer": "Two: `Sales` and Ops."\n}\n```\n\n### agent/c1 — sisense.dashboard.list\n\n```json\n{\n  "dashboards": [');
  });

  it('falls back to the agent step\'s answer when the run has no outputs (it failed after answering)', () => {
    expect(buildReport({ ...prompt, state: 'failed', outputs: null } as RunRow, steps, [], []).run.answer).toBe('Two: `Sales` and Ops.');
    expect(buildReport({ ...prompt, outputs: null } as RunRow, [], [], []).run.answer).toBeNull();
    expect(reportMarkdown(buildReport({ ...prompt, outputs: null } as RunRow, [], [], []))).toContain('## Answer\n\n_No answer._');
  });

  it('renders each step\'s plan: a dry run\'s own, else the plan its approval showed (with the approval and its status)', () => {
    const dry = { ...run, dry_run: true, state: 'succeeded' } as RunRow;
    const plan = { summary: 'migrate groups: 1 create, 1 skip', changes: [{ action: 'create', kind: 'group', target: 'group "Sales"' }, { action: 'skip', kind: 'group', target: 'group "Admins"', reason: 'a system group' }] };
    const md = reportMarkdown(buildReport(dry, [step({ step_key: 'groups', tool: 'sisense.migration.groups', state: 'succeeded', dry_run: 'would_change' as StepRow['dry_run'], plan })], [], []));
    expect(md).toContain('## Plans\n\n### groups — sisense.migration.groups (dry run: would_change)\n\n- `+` **create** group "Sales"\n- `=` **skip** group "Admins" — a system group\n\nPlan: 1 to create, 0 to update, 0 to delete, 1 skipped, 0 failing.');

    const approval = { id: 'apr_1', kind: 'tool', step_key: 'users', status: 'consumed', plan: { summary: 's', changes: [{ action: 'update', kind: 'user', target: 'user a@x', fields: [{ field: 'role', before: 'viewer', after: 'designer' }] }] }, requested_by: 'ann', created_at: new Date(0), decided_at: new Date(0) } as unknown as ApprovalRow;
    const real = buildReport({ ...run, state: 'succeeded' } as RunRow, [step({ step_key: 'users', tool: 'sisense.migration.users', state: 'succeeded', output: { results: [] } })], [{ approval, decisions: [] }], []);
    expect(real.steps[0]).toMatchObject({ planSource: 'approval', planApproval: { id: 'apr_1', status: 'consumed' }, planView: { totals: { update: 1 } } });
    expect(reportMarkdown(real)).toContain('### users — sisense.migration.users (approval apr\\_1: consumed)\n\n- `~` **update** user a@x\n  - role: viewer → designer\n');
    // Asked again after an expired approval: the plan of the approval that released the step is the one shown.
    const expired = { ...approval, id: 'apr_0', status: 'expired', plan: { summary: 's', changes: [{ action: 'create', target: 'user a@x' }] } } as unknown as ApprovalRow;
    const later = buildReport({ ...run, state: 'succeeded' } as RunRow, [step({ step_key: 'users', state: 'succeeded' })], [{ approval, decisions: [] }, { approval: expired, decisions: [] }], []);
    expect(later.steps[0]).toMatchObject({ planApproval: { id: 'apr_1' }, planView: { totals: { update: 1, create: 0 } } });
  });

  it('takes each step\'s part of an approved run plan', () => {
    const approval = { id: 'apr_2', kind: 'run_plan', step_key: null, status: 'approved', plan: { steps: [{ stepKey: 'groups', stepId: 'groups', tool: 'sisense.migration.groups', plan: { summary: 's', changes: [{ action: 'create', target: 'group "G"' }] } }] }, requested_by: 'ann', created_at: new Date(0), decided_at: new Date(0) } as unknown as ApprovalRow;
    const r = buildReport({ ...run, state: 'succeeded' } as RunRow, [step({ step_key: 'groups', state: 'succeeded' }), step({ step_key: 'other', state: 'succeeded' })], [{ approval, decisions: [] }], []);
    expect(r.steps.map((s) => [s.key, s.planSource, s.planView?.items.map((i) => i.label)])).toEqual([['groups', 'approval', ['group "G"']], ['other', null, undefined]]);
  });
});

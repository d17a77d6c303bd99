import { describe, expect, it } from '@jest/globals';
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

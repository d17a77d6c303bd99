import { describe, expect, it } from '@jest/globals';
import { diffFindings, type RunFinding } from './findings.types.js';

const f = (fingerprint: string, severity = 'warning'): RunFinding => ({ run_id: 'r', step_key: 's', fingerprint, check_id: `pb/${fingerprint}`, severity, environment: 'lab', asset: fingerprint, message: 'm' });
const fps = (l: RunFinding[]) => l.map((x) => x.fingerprint);

describe('diffFindings', () => {
  it('new, still open and resolved against the baseline; worst first', () => {
    const d = diffFindings('run_2', [f('a'), f('c', 'critical'), f('d', 'info')], { runId: 'run_1', findings: [f('a'), f('b')] }, true);
    expect(d).toMatchObject({ runId: 'run_2', baselineRunId: 'run_1', complete: true });
    expect(fps(d.new)).toEqual(['c', 'd']);
    expect(fps(d.open)).toEqual(['a']);
    expect(fps(d.resolved)).toEqual(['b']);
  });

  it('without a baseline everything is new; a run that did not complete resolves nothing', () => {
    expect(fps(diffFindings('run_1', [f('a')], undefined, true).new)).toEqual(['a']);
    const partial = diffFindings('run_2', [f('a')], { runId: 'run_1', findings: [f('a'), f('b')] }, false);
    expect(partial).toMatchObject({ complete: false, resolved: [] });
    expect(fps(partial.open)).toEqual(['a']);
  });
});

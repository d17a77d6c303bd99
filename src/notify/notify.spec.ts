import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { RunRow } from '../runs/run.types.js';
import { render } from './notice.js';
import { newFindings, runFailed } from './notice.builders.js';
import { backoffMs, signature } from './webhook.sender.js';

const run = { id: 'run_1', playbook: 'wellcheck', state: 'failed', reason: 'step x failed: <boom> & more', schedule_id: 'config:nightly', environments: { target: 'prod' }, requested_by: 'scheduler' } as unknown as RunRow;
const finding = (severity: string, asset: string) => ({ run_id: 'run_1', step_key: 'c', fingerprint: asset, check_id: 'wellcheck/size', severity, environment: 'prod', asset, message: `${asset} is too big` });

describe('notifications', () => {
  it('signs timestamp and body with HMAC-SHA256', () => {
    expect(signature('k'.repeat(16), '1700000000', '{"a":1}')).toBe(`sha256=${createHmac('sha256', 'k'.repeat(16)).update('1700000000.{"a":1}').digest('hex')}`);
  });

  it('backs off exponentially up to the cap, and honours Retry-After within it', () => {
    const r = { initialDelayMs: 1000, maxDelayMs: 5000 };
    expect([1, 2, 3, 4].map((a) => backoffMs(a, r))).toEqual([1000, 2000, 4000, 5000]);
    expect(backoffMs(1, r, 3000)).toBe(3000);
    expect(backoffMs(1, r, 60_000)).toBe(5000);
  });

  it('shapes one notice as Steward JSON, a Slack message (escaped) and a Teams Adaptive Card', () => {
    const n = runFailed(run, '2026-01-01T00:00:00.000Z', 'https://steward.example.com/');
    expect(render('json', n)).toMatchObject({ version: 1, event: 'run.failed', link: 'https://steward.example.com/runs/run_1/report?format=md', run: { id: 'run_1', scheduleId: 'config:nightly' } });
    const slack = render('slack', n) as any;
    expect(slack.text).toBe('Run failed: wellcheck on target=prod');
    expect(slack.blocks[1].text.text).toContain('step x failed: &lt;boom&gt; &amp; more');
    const teams = render('teams', n) as any;
    expect(teams.attachments[0].content.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open', url: 'https://steward.example.com/runs/run_1/report?format=md' }]);
  });

  it('findings.new lists only new findings at or above the webhook severity, or nothing', () => {
    const diff = { runId: 'run_1', baselineRunId: 'run_0', complete: true, new: [finding('critical', 'a'), finding('info', 'b')], open: [finding('warning', 'c')], resolved: [] };
    const crit = newFindings(run, diff, 'error', 'now');
    expect(crit?.findings).toMatchObject({ counts: { new: 2, open: 1, resolved: 0 }, items: [{ asset: 'a' }], more: 0 });
    expect(crit?.title).toBe('1 new finding (error or worse): wellcheck on target=prod');
    expect(newFindings(run, { ...diff, new: [finding('info', 'b')] }, 'warning', 'now')).toBeUndefined();
  });
});

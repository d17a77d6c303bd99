import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { RunRow } from '../runs/run.types.js';
import { consoleUrl } from '../console/links.js';
import { render } from './notice.js';
import { approvalRequested, newFindings, runFailed } from './notice.builders.js';
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
    expect(render('json', n)).toMatchObject({ version: 1, event: 'run.failed', link: 'https://steward.example.com/console/runs/run_1', run: { id: 'run_1', scheduleId: 'config:nightly' } });
    const slack = render('slack', n) as any;
    expect(slack.text).toBe('Run failed: wellcheck on target=prod');
    expect(slack.blocks[1].text.text).toContain('step x failed: &lt;boom&gt; &amp; more');
    const teams = render('teams', n) as any;
    expect(teams.attachments[0].content.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open', url: 'https://steward.example.com/console/runs/run_1' }]);
  });

  it('approval.requested carries the plan\'s totals (a run plan\'s over its steps) and links to the approval\'s console page', () => {
    const a = { approvalId: 'apr_7', kind: 'tool', stepId: 'groups', tool: 'sisense.migration.groups', message: 'Migrate groups', expiresAt: '2026-01-02T00:00:00.000Z' };
    const plan = { summary: 'migrate groups: 2 create, 1 skip', changes: [{ action: 'create', target: 'group "A"' }, { action: 'create', target: 'group "B"' }, { action: 'skip', target: 'group "Admins"', reason: 'system' }] };
    const n = approvalRequested(run, a, 'now', 'https://steward.example.com', plan);
    expect(n.link).toBe('https://steward.example.com/console/approvals/apr_7');
    expect(n.plan).toEqual({ summary: 'migrate groups: 2 create, 1 skip', totals: { create: 2, update: 0, delete: 0, skip: 1, fail: 0 } });
    expect(n.lines).toContain('Plan: 2 to create, 0 to update, 0 to delete, 1 skipped, 0 failing.');
    expect((render('json', n) as any).plan.totals.create).toBe(2);
    expect((render('slack', n) as any).blocks[1].text.text).toContain('Plan: 2 to create');
    expect((render('teams', n) as any).attachments[0].content.body.at(-1).facts).toContainEqual({ title: 'Plan', value: '2 to create, 0 to update, 0 to delete, 1 skipped, 0 failing' });
    const once = approvalRequested(run, { ...a, kind: 'run_plan', stepId: null }, 'now', undefined, { steps: [{ plan }, { plan: { summary: 's', changes: [{ action: 'update', target: 'user u' }] } }] });
    expect(once.plan).toEqual({ summary: '2 step(s)', totals: { create: 2, update: 1, delete: 0, skip: 1, fail: 0 } });
    expect(once.link).toBeUndefined();
    expect(approvalRequested(run, { ...a, kind: 'gate' }, 'now', 'https://x.test/').plan).toBeUndefined();
  });

  it('findings.new lists only new findings at or above the webhook severity, or nothing', () => {
    const diff = { runId: 'run_1', baselineRunId: 'run_0', complete: true, new: [finding('critical', 'a'), finding('info', 'b')], open: [finding('warning', 'c')], resolved: [] };
    const crit = newFindings(run, diff, 'error', 'now');
    expect(crit?.findings).toMatchObject({ counts: { new: 2, open: 1, resolved: 0 }, items: [{ asset: 'a' }], more: 0 });
    expect(crit?.title).toBe('1 new finding (error or worse): wellcheck on target=prod');
    expect(newFindings(run, { ...diff, new: [finding('info', 'b')] }, 'warning', 'now')).toBeUndefined();
  });

  it('links into the console: one slash between the public URL and the path, the path alone without a public URL', () => {
    expect(consoleUrl('https://steward.example.com', '/console/approvals/apr_1')).toBe('https://steward.example.com/console/approvals/apr_1');
    expect(consoleUrl('https://steward.example.com//', 'console/runs/run_1')).toBe('https://steward.example.com/console/runs/run_1');
    expect(consoleUrl('https://example.com/steward/', '/console/runs/run_1')).toBe('https://example.com/steward/console/runs/run_1');
    expect(consoleUrl(undefined, '/console/runs/run_1')).toBe('/console/runs/run_1');
  });
});

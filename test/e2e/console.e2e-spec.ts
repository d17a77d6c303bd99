/// <reference lib="dom" />
import { copyFileSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { packageRoot } from '../../src/common/paths.js';
import { ARTIFACTS, inCi, launchChromium, missingBrowser, personIn, withScreenshots } from '../helpers/browser.js';
import { bearer, configYaml, startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';
import { waitForRun } from '../helpers/runs.js';
import { until } from '../helpers/wait.js';
import { startScriptedLlm, type ScriptedLlm } from '../llm-sim/scripted-llm.js';
import { startSisenseSim, type SisenseSim } from '../sisense-sim/sisense-sim.js';

/**
 * The web console in real headless Chromium (Debian's chromium, driven by playwright-core) against the real daemon:
 * sign in, watch a run park at an approval and read its plan, approve it with a comment as a second person, see the
 * run finish live (its event stream resuming after the connection is cut); a viewer gets no decision buttons and a
 * forced POST is refused; session expiry and sign-out lead back to sign-in; /docs works signed in; an ad-hoc question's
 * answer streams in. Screenshots of the pages go to test/artifacts/ when a test fails.
 */
const skip = missingBrowser !== undefined && !inCi;
if (skip) console.warn(`console browser tests skipped: ${missingBrowser} (they fail instead when CI is set)`);
const suite = skip ? describe.skip : describe;

const PLAYBOOKS = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-demo');

async function signIn(page: Page, token: string): Promise<void> {
  await page.locator('#token').fill(token);
  await page.locator('#sign-in').click();
  await page.locator('#who-name').waitFor({ state: 'visible' });
}

const badgeOf = (page: Page, selector: string, text: string | RegExp) => page.locator(`${selector} .badge`, { hasText: text });
const startWrite = async (d: TestDaemon, key: string) =>
  (await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'demo-write', environments: { target: 'lab' }, inputs: { key, text: `note ${key}` } }).expect(202)).body.id as string;
/** The pending approval a run waits for (a step's, or the whole run plan's). */
async function approvalOf(d: TestDaemon, runId: string): Promise<string> {
  await waitForRun(d, runId, ['awaiting_approval'], 60_000);
  const r = await request(d.url).get(`/approvals?runId=${runId}&status=pending`).set('Authorization', bearer('viewer')).expect(200);
  expect(r.body.approvals).toHaveLength(1);
  return r.body.approvals[0].id;
}

suite('web console in headless Chromium', () => {
  let d: TestDaemon;
  let browser: Browser;
  let llm: ScriptedLlm;

  beforeAll(async () => {
    if (missingBrowser) throw new Error(`CI is set and ${missingBrowser}`);
    llm = await startScriptedLlm();
    const extra = [
      'environments:',
      '  lab: { kind: demo }',
      `playbooks:\n  dirs: [${PLAYBOOKS}]`,
      `llm: { provider: openai-compatible, baseUrl: "${llm.url}", model: m, maxRetries: 0 }`,
      'schedules:',
      '  entries:',
      '    nightly-read: { playbook: demo-read, cron: "0 3 * * *", environments: { target: lab } }',
    ].join('\n');
    d = await startTestDaemon(configYaml(extra));
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await d?.close();
    await llm?.close();
  });

  it('an operator watches a run park at an approval; an approver opens the link, reads the plan and approves with a comment; the run finishes live', async () => {
    const op = await personIn(browser, d.url);
    const ap = await personIn(browser, d.url);
    await withScreenshots('approve-flow', [op, ap], async () => {
      await op.page.goto('/console');
      expect(await op.page.locator('#token').getAttribute('type')).toBe('password');
      await signIn(op.page, TOKENS.operator);
      expect(await op.page.locator('#who-name').textContent()).toBe('operator (operator)');
      await op.page.getByRole('heading', { name: 'Runs' }).waitFor();

      const id = await startWrite(d, 'console-note');
      // The list follows new runs live; the run page follows the run.
      await op.page.locator(`tr[data-run="${id}"] a`).click();
      await badgeOf(op.page, '#run-state', 'awaiting_approval').waitFor();
      const pendingLink = op.page.locator('#pending a');
      await pendingLink.waitFor();
      const approvalId = await approvalOf(d, id);
      expect(await pendingLink.getAttribute('href')).toBe(`/console/approvals/${approvalId}`);
      await op.page.locator('[data-step="write"][data-state="awaiting_approval"]').waitFor();
      const marker = await op.page.evaluate(() => ((window as any).stewardMarker = Math.random()));

      // Cut every connection: EventSource comes back on its own with Last-Event-ID, and no event shows twice.
      const resumed: string[] = [];
      op.page.on('request', (r) => {
        if (r.url().includes(`/runs/${id}/events`)) void r.allHeaders().then((h) => resumed.push(h['last-event-id'] ?? (new URL(r.url()).searchParams.get('after') ? `after=${new URL(r.url()).searchParams.get('after')}` : '')));
      });
      const seenBefore = Number(await op.page.locator('#events li[data-seq]').last().getAttribute('data-seq'));
      expect(seenBefore).toBeGreaterThan(0);
      (d.app.getHttpServer() as Server).closeAllConnections();
      await until('the run page to reconnect with its cursor', () => (resumed.some((c) => c !== '') ? true : undefined), 60_000, 100);
      expect(resumed.filter((c) => c !== '')[0]).toMatch(new RegExp(`^(after=)?${seenBefore}$`));
      await op.page.locator('#stream-status[data-status="live"]').waitFor();

      // The approver follows the link (as from a notification), signs in there, and lands on the approval.
      await ap.page.goto(`/console/approvals/${approvalId}`);
      await signIn(ap.page, TOKENS.approver);
      await ap.page.locator('#approval-plan .plan').waitFor();
      const plan = await ap.page.locator('#approval-plan').innerText();
      expect(plan).toMatch(/\+\s*create\s+(note\s+)?note console-note/);
      expect(plan).toContain('Plan: 1 to create, 0 to update, 0 to delete, 0 skipped, 0 failing.');
      expect(await ap.page.locator('#approval-requester').textContent()).toBe('operator');
      expect(await ap.page.locator('#approval-policy').textContent()).toContain('1 approval needed');
      expect(await ap.page.locator('#votes').innerText()).toContain('No votes yet.');
      await ap.page.locator('#comment').fill('Plan checked: one new note in lab.');
      await ap.page.locator('#decide-approve').click();
      await ap.page.locator('.notice.ok', { hasText: 'Recorded: approve.' }).waitFor();
      expect(await ap.page.locator('#votes li[data-by="approver"]').innerText()).toContain('Plan checked: one new note in lab.');

      // The operator's page, untouched, shows the decision and the end of the run.
      await badgeOf(op.page, '#run-state', 'succeeded').waitFor({ timeout: 60_000 });
      expect(await op.page.evaluate(() => (window as any).stewardMarker)).toBe(marker); // no reload
      await op.page.locator('[data-step="write"][data-state="succeeded"]').waitFor();
      expect(await op.page.locator('#outputs').innerText()).toContain('"revision": 1');
      const log = await op.page.locator('#events li[data-seq]').evaluateAll((els) => els.map((e) => ({ seq: Number((e as HTMLElement).dataset.seq), type: (e as HTMLElement).dataset.type, text: e.textContent })));
      const seqs = log.map((e) => e.seq);
      expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b)); // each once, in order, across the reconnect
      expect(seqs[0]).toBe(1);
      expect(log.find((e) => e.type === 'approval.decided')?.text).toContain('approve by approver: “Plan checked: one new note in lab.”');
      expect(log[log.length - 1].type).toBe('run.finished');
      await op.page.locator('#stream-status[data-status="ended"]').waitFor();
      // Nothing in the page's URL or storage holds a secret.
      for (const p of [op.page, ap.page]) {
        const stored = await p.evaluate(() => JSON.stringify({ url: location.href, local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }));
        for (const t of Object.values(TOKENS)) expect(stored).not.toContain(t);
        expect(stored).not.toContain('steward_session'); // HttpOnly: scripts cannot read it
      }
    });
    await op.context.close();
    await ap.context.close();
  }, 180_000);

  it('a viewer sees the plan but no decision buttons, and a POST forced from the page is refused', async () => {
    const v = await personIn(browser, d.url);
    await withScreenshots('viewer', [v], async () => {
      const runId = await startWrite(d, 'viewer-note');
      const approvalId = await approvalOf(d, runId);
      await v.page.goto(`/console/approvals/${approvalId}`);
      await signIn(v.page, TOKENS.viewer);
      await v.page.locator('#approval-plan .plan').waitFor();
      expect(await v.page.locator('#no-decide').textContent()).toContain('Deciding needs the approver role; you are signed in as viewer (viewer).');
      expect(await v.page.locator('#decide').count()).toBe(0);
      expect(await v.page.locator('button.decide').count()).toBe(0);
      const forced = await v.page.evaluate(async (id) => {
        const s = await (await fetch('/console/session')).json();
        const post = (headers: Record<string, string>) =>
          fetch(`/approvals/${id}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ decision: 'approve', comment: 'sneaky' }) }).then(async (r) => ({ status: r.status, code: (await r.json()).code }));
        return { withCsrf: await post({ 'X-Steward-CSRF': s.csrfToken }), without: await post({}) };
      }, approvalId);
      expect(forced).toEqual({ withCsrf: { status: 403, code: 'AUTH_FORBIDDEN' }, without: { status: 403, code: 'CSRF_REFUSED' } });
      const still = (await request(d.url).get(`/approvals/${approvalId}`).set('Authorization', bearer('viewer')).expect(200)).body;
      expect([still.status, still.decisions]).toEqual(['pending', []]);
      await request(d.url).post(`/approvals/${approvalId}`).set('Authorization', bearer('approver')).send({ decision: 'reject', comment: 'test over' }).expect(200);
    });
    await v.context.close();
  }, 180_000);

  it('an expired session leads back to sign-in and then to the page asked for; signing out ends the session', async () => {
    const p = await personIn(browser, d.url);
    await withScreenshots('session', [p], async () => {
      await p.page.goto('/console/runs');
      await signIn(p.page, TOKENS.viewer);
      await p.page.getByRole('heading', { name: 'Runs' }).waitFor();
      await d.store.query("UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE principal = 'viewer' AND NOT revoked");
      await p.page.locator('#nav a[data-nav="approvals"]').click();
      await p.page.locator('#sign-in-status', { hasText: 'the console session expired' }).waitFor();
      expect(await p.page.locator('#nav').isVisible()).toBe(false);
      await signIn(p.page, TOKENS.viewer);
      await p.page.getByRole('heading', { name: 'Approvals' }).waitFor();
      expect(new URL(p.page.url()).pathname).toBe('/console/approvals');
      await p.page.locator('#sign-out').click();
      await p.page.locator('#sign-in-status', { hasText: 'Signed out.' }).waitFor();
      await p.page.reload();
      await p.page.locator('#token').waitFor();
      expect((await p.context.cookies()).filter((c) => c.name === 'steward_session' && c.value !== '')).toEqual([]);
      const wrong = p.page.locator('#sign-in-status');
      await p.page.locator('#token').fill('not-a-token-of-this-daemon');
      await p.page.locator('#sign-in').click();
      await wrong.getByText('Sign-in refused: the token is not one this daemon knows').waitFor();
    });
    await p.context.close();
  }, 180_000);

  it('runs filter by state and playbook; findings and schedules pages list what the API has', async () => {
    const p = await personIn(browser, d.url);
    await withScreenshots('lists', [p], async () => {
      const read = (await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'demo-read', environments: { target: 'lab' }, inputs: { greeting: 'hi' } }).expect(202)).body.id;
      await waitForRun(d, read, ['succeeded'], 60_000);
      await p.page.goto('/console/runs');
      await signIn(p.page, TOKENS.viewer);
      await p.page.locator('#filter-playbook').selectOption('demo-read');
      await p.page.waitForURL(/playbook=demo-read/);
      await p.page.locator(`tr[data-run="${read}"]`).waitFor();
      const playbooks = await p.page.locator('#runs-list tbody tr td:nth-child(2)').allInnerTexts();
      expect(playbooks.length).toBeGreaterThan(0);
      for (const t of playbooks) expect(t).toContain('demo-read');
      await p.page.locator('#filter-state').selectOption('rejected');
      await p.page.waitForURL(/state=rejected/);
      await p.page.locator('#runs-list', { hasText: 'Nothing here yet.' }).waitFor();

      await p.page.locator('#nav a[data-nav="findings"]').click();
      const finding = p.page.locator('#findings-list tbody tr', { hasText: 'shouted' });
      await finding.waitFor();
      expect(await finding.innerText()).toContain('expected HELLO, got HI');

      await p.page.locator('#nav a[data-nav="schedules"]').click();
      const schedule = p.page.locator('tr[data-schedule="config:nightly-read"]');
      await schedule.waitFor();
      expect(await schedule.innerText()).toContain('0 3 * * *');
      expect(await schedule.locator('button').count()).toBe(0); // a viewer cannot pause or fire

      // The run page of a read run: its steps, findings and outputs.
      await p.page.goto(`/console/runs/${read}`);
      await badgeOf(p.page, '#run-state', 'succeeded').waitFor();
      expect(await p.page.locator('#findings').innerText()).toContain('expected HELLO, got HI');
      expect(await p.page.locator('#outputs').innerText()).toContain('"shout": "HI"');
    });
    await p.context.close();
  }, 180_000);

  it('/docs works in the browser after signing in to the console, without pasting a token', async () => {
    const p = await personIn(browser, d.url);
    await withScreenshots('docs', [p], async () => {
      await p.page.goto('/console');
      await signIn(p.page, TOKENS.viewer);
      await p.page.goto('/docs');
      await p.page.locator('#status', { hasText: 'Signed in to the console as viewer (viewer).' }).waitFor();
      await p.page.locator('.opblock').first().waitFor();
      expect(await p.page.locator('.opblock').count()).toBeGreaterThan(30);
      expect(p.logs.filter((l) => /Content Security Policy|Refused to/i.test(l))).toEqual([]);
    });
    await p.context.close();
  }, 180_000);

  it('an ad-hoc question: the answer streams in as the model writes it, then the final answer stays', async () => {
    const answer = 'Lab holds two notes; nothing needs attention.';
    llm.push({ content: answer, chunkSize: 4, chunkDelayMs: 120 } as any);
    const p = await personIn(browser, d.url);
    await withScreenshots('ask', [p], async () => {
      await p.page.goto('/console/ask');
      await signIn(p.page, TOKENS.operator);
      await p.page.locator('#prompt').fill('Anything to worry about in lab?');
      expect(await p.page.locator('input[name="environment"][value="lab"]').isChecked()).toBe(true);
      // Record every text the answer shows while it streams.
      await p.page.evaluate(() => {
        const seen: string[] = ((window as any).answerTexts = []);
        new MutationObserver(() => {
          const t = document.getElementById('answer')?.textContent ?? '';
          if (t && seen[seen.length - 1] !== t) seen.push(t);
        }).observe(document.getElementById('ask-output')!, { subtree: true, childList: true, characterData: true });
      });
      await p.page.locator('#ask').click();
      await p.page.locator('#answer.final').waitFor({ timeout: 60_000 });
      expect(await p.page.locator('#answer').textContent()).toBe(answer);
      await badgeOf(p.page, '#ask-state', 'succeeded').waitFor();
      const texts: string[] = await p.page.evaluate(() => (window as any).answerTexts);
      const partial = texts.filter((t) => t.length < answer.length && answer.startsWith(t));
      expect(partial.length).toBeGreaterThan(1); // it grew piece by piece before the run ended
    });
    await p.context.close();
  }, 180_000);
});

/**
 * The screenshot in the README: the approval page of a real Sisense migration plan (two simulated tenants). Written to
 * test/artifacts/console-approval.png on every run, and to docs/console-approval.png when STEWARD_WRITE_DOCS=1.
 */
suite('web console: the approval page of a Sisense migration (README screenshot)', () => {
  let d: TestDaemon;
  let browser: Browser;
  let src: SisenseSim;
  let dst: SisenseSim;

  beforeAll(async () => {
    if (missingBrowser) throw new Error(`CI is set and ${missingBrowser}`);
    src = await startSisenseSim({ seed: 'source' });
    dst = await startSisenseSim({ seed: 'target' });
    const env = (s: SisenseSim) => `{ kind: sisense, url: "${s.url}", token: "${s.token}", options: { maxRetries: 1, retryBaseMs: 5, retryMaxMs: 10 } }`;
    d = await startTestDaemon(configYaml(`environments:\n  prod-source: ${env(src)}\n  prod-target: ${env(dst)}\n`));
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await d?.close();
    await Promise.all([src?.close(), dst?.close()]);
  });

  it('shows the migration plan per asset with its totals, the requester, the policy and the decision form; approved once, the run finishes live', async () => {
    const id = (
      await request(d.url)
        .post('/runs')
        .set('Authorization', bearer('operator'))
        .send({ playbook: 'sisense-migrate-dashboards', inputs: { dashboards: ['Sales Deep Dive'] }, environments: { source: 'prod-source', target: 'prod-target' } })
        .expect(202)
    ).body.id;
    const approvalId = await approvalOf(d, id);
    const p = await personIn(browser, d.url);
    const op = await personIn(browser, d.url);
    await withScreenshots('migration-approval', [p, op], async () => {
      await op.page.goto(`/console/runs/${id}`);
      await signIn(op.page, TOKENS.operator);
      await op.page.locator('#pending a', { hasText: 'review the plan and decide' }).waitFor();
      expect(await op.page.locator('#pending').innerText()).toContain("The whole run's plan waits for one approval");
      await p.page.goto(`/console/approvals/${approvalId}`);
      await signIn(p.page, TOKENS.approver);
      await p.page.locator('#approval-plan .plan-items').first().waitFor();
      const plan = await p.page.locator('#approval-plan').innerText();
      expect(plan).toMatch(/^\+ create /m);
      expect(plan).toMatch(/Plan: \d+ to create, \d+ to update, \d+ to delete, \d+ skipped, \d+ failing\./);
      await p.page.locator('#comment').fill('Checked against the change ticket.');
      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, 'console-approval.png');
      await p.page.screenshot({ path: shot, fullPage: true });
      if (process.env.STEWARD_WRITE_DOCS === '1') {
        mkdirSync(join(packageRoot(), 'docs'), { recursive: true });
        copyFileSync(shot, join(packageRoot(), 'docs', 'console-approval.png'));
      }
      // Approved once, the migration runs every step and the operator's page shows it finish.
      await p.page.locator('#decide-approve').click();
      await p.page.locator('.notice.ok', { hasText: 'Recorded: approve.' }).waitFor();
      await badgeOf(op.page, '#run-state', 'succeeded').waitFor({ timeout: 120_000 });
      for (const step of ['groups', 'users', 'datamodels', 'dashboards']) await op.page.locator(`[data-step="${step}"][data-state="succeeded"]`).waitFor();
      await op.page.locator('#stream-status[data-status="ended"]').waitFor();
      // Every event of the run is in the page's log, once each (EventSource gets only the types it listens to).
      const shown = await op.page.locator('#events li[data-seq]').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.seq)));
      const last = (await request(d.url).get(`/runs/${id}`).set('Authorization', bearer('viewer')).expect(200)).body.lastEventId;
      expect(shown).toEqual(Array.from({ length: last }, (_, i) => i + 1));
      expect(await op.page.locator('#events li[data-type="run.plan_ready"]').innerText()).toContain('plan of 4 write step(s) ready, one approval of the whole plan');
      await op.page.screenshot({ path: join(ARTIFACTS, 'console-run.png'), fullPage: true });
    });
    await p.context.close();
    await op.context.close();
  }, 240_000);
});

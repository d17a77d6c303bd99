import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { inCi, launchChromium, missingBrowser, personIn, withScreenshots } from '../helpers/browser.js';
import { bearer, configYaml, startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';
import { waitForRun } from '../helpers/runs.js';

/** The Questions page in headless Chromium: a form made from each pending question's schema answers it; the run goes on. */
const skip = missingBrowser !== undefined && !inCi;
if (skip) console.warn(`questions console test skipped: ${missingBrowser} (it fails instead when CI is set)`);
const suite = skip ? describe.skip : describe;

const PLAYBOOK = `
apiVersion: steward/v1
kind: Playbook
metadata: { name: ask-console }
environments:
  target: { kind: demo }
steps:
  - id: pick
    ask: { question: "Which schema first?", answer: { type: string, enum: [sales, hr] } }
  - id: sure
    ask: { question: "Profile \${{ steps.pick.output.answer }} now?", answer: { type: object, properties: { go: { type: boolean }, rows: { type: integer } }, required: [go, rows] } }
outputs:
  picked: \${{ steps.pick.output.answer }}
  rows: \${{ steps.sure.output.answer.rows }}
  go: \${{ steps.sure.output.answer.go }}
`;

async function signIn(page: Page, token: string): Promise<void> {
  await page.locator('#token').fill(token);
  await page.locator('#sign-in').click();
  await page.locator('#who-name').waitFor({ state: 'visible' });
}

suite('questions in the web console', () => {
  let d: TestDaemon;
  let browser: Browser;
  beforeAll(async () => {
    if (missingBrowser) throw new Error(`CI is set and ${missingBrowser}`);
    const dir = mkdtempSync(join(tmpdir(), 'steward-questions-console-'));
    writeFileSync(join(dir, 'ask.yaml'), PLAYBOOK);
    d = await startTestDaemon(configYaml(`environments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${dir}]\n`));
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await d?.close();
  });

  it('the run page names the pending question; the Questions page answers a choice, then a flat object of a boolean and a number', async () => {
    const id = (await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'ask-console', environments: { target: 'lab' } }).expect(202)).body.id as string;
    await waitForRun(d, id, ['awaiting_approval'], 60_000);
    const p = await personIn(browser, d.url);
    await withScreenshots('questions-console', [p], async () => {
      await p.page.goto(`/console/runs/${id}`);
      await signIn(p.page, TOKENS.operator);
      await p.page.getByText('Step pick asks: “Which schema first?”').waitFor();

      await p.page.goto('/console/questions');
      const first = p.page.locator('form.answer').first();
      await first.locator('select[name=answer]').selectOption({ label: 'hr' });
      await first.locator('button[type=submit]').click();
      await p.page.getByText('Answered; the run continues.').waitFor();

      // The second question arrives live (question.asked) with one field per property.
      const second = p.page.locator('form.answer', { has: p.page.locator('input[name=rows]') });
      await second.waitFor({ timeout: 60_000 });
      await p.page.getByText('Profile hr now?').waitFor();
      await second.locator('input[name=go]').check();
      await second.locator('input[name=rows]').fill('1000');
      await second.locator('button[type=submit]').click();
      const run = await waitForRun(d, id, ['succeeded', 'failed', 'expired'], 60_000);
      expect(run).toMatchObject({ state: 'succeeded', outputs: { picked: 'hr', rows: 1000, go: true } });
      expect(run.questions.map((q: any) => q.answeredBy)).toEqual(['operator', 'operator']);
    });
    await p.context.close();
  }, 180_000);
});

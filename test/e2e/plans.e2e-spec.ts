/**
 * Plans as people read them, and complete reports (issue 12 items 1 and 4): a dry run of the shipped Sisense migration
 * playbook followed from the command line prints each step's plan (+ create, ~ update with before → after, = skip with
 * the reason, totals) against simulated tenants; the API gives the same plan as a structure (planView) on run steps
 * and approvals, `steward approvals` / `steward approve` show the plan being decided, the Markdown report renders
 * each step's plan; an ad-hoc run's report carries its prompt, its answer and the results withheld from the model.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { runCli, type CliIo } from '../../src/cli/cli.js';
import { bearer, configYaml, startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';
import { startScriptedLlm, type ScriptedLlm } from '../llm-sim/scripted-llm.js';
import { startSisenseSim, type SisenseSim } from '../sisense-sim/sisense-sim.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const PLAYBOOKS = join(ROOT, 'playbooks');
const CLIENT = '{ maxRetries: 1, retryBaseMs: 5, retryMaxMs: 10 }';
const ESC = '\u001b[';
const TERMINAL = ['succeeded', 'failed', 'cancelled', 'rejected', 'expired'];
const envYaml = (sim: SisenseSim) => `{ kind: sisense, url: "${sim.url}", token: "${sim.token}", options: ${CLIENT} }`;
/** Two source dashboards (one drills to a third), users the target partly has (dana: another group set). */
const MIGRATE = ['-i', 'dashboards=["Quarterly Report Q1","Sales Deep Dive"]', '-i', 'existingUsers=update'];

type Json = any;

function fakeIo(cwd: string, env: Record<string, string> = {}, isTTY = false) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), env, cwd, onSignal: () => undefined, isTTY };
  return { io, text: () => out.join(''), errText: () => err.join('') };
}
const cli = (args: string[], f: ReturnType<typeof fakeIo>) => runCli(['node', 'steward', ...args], f.io);

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The lines of a step's plan as --follow prints them: under the `plan <tool>: <outcome>` line, up to its totals. */
function planLines(text: string, step: string): string[] {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^\\S+  ${step} +plan `).test(l));
  if (at < 0) return [];
  const end = lines.findIndex((l, i) => i > at && /^ {14}Plan: /.test(l));
  return lines.slice(at + 1, end + 1).map((l) => l.slice(14));
}

beforeAll(async () => {
  // Compiled once here, not in the first test's time (the in-process commands load the daemon lazily).
  await import('../../src/cli/commands/run.local.js');
  await import('../../src/cli/commands/approvals.local.js');
}, 120_000);

describe('steward run --dry-run --follow of a Sisense migration (in-process) prints each step\'s plan', () => {
  let src: SisenseSim;
  let dst: SisenseSim;
  let dir: string;
  beforeAll(async () => {
    src = await startSisenseSim({ seed: 'source' });
    dst = await startSisenseSim({ seed: 'target' });
    dir = mkdtempSync(join(tmpdir(), 'steward-plans-'));
    writeFileSync(join(dir, 'steward.yaml'), `playbooks: { dirs: [${PLAYBOOKS}] }\nenvironments:\n  src: ${envYaml(src)}\n  dst: ${envYaml(dst)}\n`);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([src?.close(), dst?.close()]);
  });

  it('+ create, ~ update with the fields before → after, = skip with the reason, and totals per step; plain text off a terminal', async () => {
    const before = dst.snapshot();
    const f = fakeIo(dir);
    expect(await cli(['run', 'sisense-migrate-dashboards', '--dry-run', '--follow', '-e', 'source=src', '-e', 'target=dst', ...MIGRATE], f)).toBe(0);
    const text = f.text();
    expect(dst.snapshot()).toBe(before);
    expect(text).not.toContain(ESC);

    const groups = planLines(text, 'groups');
    expect(groups).toContain('+ create group "Finance"');
    expect(groups).toContain('= skip group "Sales" (already in the target)');
    expect(groups.at(-1)).toMatch(/^Plan: [1-9]\d* to create, 0 to update, 0 to delete, 1 skipped, 0 failing\.$/);

    // dana is in the target with other groups: the update says which field changes, from what to what.
    const users = planLines(text, 'users');
    const dana = users.indexOf('~ update user dana.designer@acme.test');
    expect(dana).toBeGreaterThanOrEqual(0);
    expect(users[dana + 1]).toMatch(/^ {4}groups: Sales → (.+, )?Sales(, .+)?$/);
    expect(users).toContainEqual(expect.stringMatching(/^\+ create user fred\.finance@acme\.test$/));
    expect(users).toContainEqual(expect.stringMatching(/^= skip user admin@acme\.test \(a super user/));
    expect(users.at(-1)).toMatch(/^Plan: \d+ to create, 1 to update, 0 to delete, 1 skipped, 0 failing\.$/);

    const dashboards = planLines(text, 'dashboards');
    expect(dashboards).toContainEqual(expect.stringMatching(/^\+ create dashboard [0-9a-f]{24} "Quarterly Report Q1"$/));
    expect(dashboards).toContainEqual(expect.stringMatching(/^\+ create folder "/));
    expect(text).toMatch(/^run run_[0-9a-z]+ succeeded$/m);
  }, 120_000);

  it('colours on a terminal, none with NO_COLOR; --json gives each step.plan event its planView', async () => {
    const run = (f: ReturnType<typeof fakeIo>, ...more: string[]) => cli(['run', 'sisense-migrate-dashboards', '--dry-run', '--follow', '-e', 'source=src', '-e', 'target=dst', ...MIGRATE, ...more], f);
    const tty = fakeIo(dir, {}, true);
    expect(await run(tty)).toBe(0);
    expect(tty.text()).toContain(`${ESC}32m+ create${ESC}0m group "Finance"`);
    expect(tty.text()).toContain(`${ESC}33m~ update${ESC}0m user dana.designer@acme.test`);
    expect(tty.text()).toContain(`${ESC}2m= skip${ESC}0m group "Sales"`);
    const noColor = fakeIo(dir, { NO_COLOR: '1' }, true);
    expect(await run(noColor)).toBe(0);
    expect(noColor.text()).not.toContain(ESC);
    expect(noColor.text()).toContain('~ update user dana.designer@acme.test');

    const json = fakeIo(dir);
    expect(await run(json, '--json')).toBe(0);
    const events = json.text().trim().split('\n').map((l) => JSON.parse(l));
    const users = events.find((e) => e.type === 'step.plan' && e.data.stepId === 'users');
    expect(users.data.planView.totals).toMatchObject({ update: 1, skip: 1, delete: 0, fail: 0 });
    expect(users.data.planView.items).toContainEqual({
      symbol: '~', action: 'update', kind: 'user', target: 'dana.designer@acme.test', label: 'user dana.designer@acme.test',
      fields: [{ field: 'groups', before: ['Sales'], after: expect.arrayContaining(['Sales']) }],
    });
  }, 120_000);
});

describe('plans over the API and the CLI against a daemon: approvals show what is decided, reports render it', () => {
  let src: SisenseSim;
  let dst: SisenseSim;
  /** A second target, for the run approved once. */
  let dst2: SisenseSim;
  let llm: ScriptedLlm;
  let d: TestDaemon;
  beforeAll(async () => {
    src = await startSisenseSim({ seed: 'source' });
    dst = await startSisenseSim({ seed: 'target' });
    dst2 = await startSisenseSim({ seed: 'target' });
    llm = await startScriptedLlm();
    d = await startTestDaemon(
      configYaml(
        `playbooks: { dirs: [${PLAYBOOKS}] }\nenvironments:\n  src: ${envYaml(src)}\n  dst: ${envYaml(dst)}\n  dst2: ${envYaml(dst2)}\n  lab: { kind: demo }\n` +
          `llm: { provider: openai-compatible, baseUrl: "${llm.url}", model: m, maxRetries: 0 }\n`,
      ),
    );
  }, 60_000);
  afterAll(async () => {
    await d?.close();
    await Promise.all([src?.close(), dst?.close(), dst2?.close(), llm?.close()]);
  });

  const get = async (path: string): Promise<Json> => (await request(d.url).get(path).set('Authorization', bearer('viewer')).expect(200)).body;

  it('a dry run\'s steps carry planView; the Markdown report renders each step\'s plan', async () => {
    const { body } = await request(d.url).post('/runs').set('Authorization', bearer('operator'))
      .send({ playbook: 'sisense-migrate-dashboards', environments: { source: 'src', target: 'dst' }, inputs: { dashboards: ['Quarterly Report Q1'], existingUsers: 'update' }, dryRun: true }).expect(202);
    const run = await until('the dry run', async () => {
      const r = await get(`/runs/${body.id}`);
      return TERMINAL.includes(r.state) ? r : undefined;
    });
    expect(run.state).toBe('succeeded');
    const users = run.steps.find((s: Json) => s.key === 'users');
    expect(users.planView).toMatchObject({ planned: true, summary: users.plan.summary, totals: { update: 1 } });
    expect(run.steps.find((s: Json) => s.key === 'needs').planView).toBeNull();

    const md = (await request(d.url).get(`/runs/${body.id}/report?format=md`).set('Authorization', bearer('viewer')).expect(200)).text;
    expect(md).toContain('## Plans');
    expect(md).toMatch(/### users — sisense\.migration\.users \(dry run: would_change\)\n\n(- .*\n( {2}- .*\n)*)*- `~` \*\*update\*\* user dana\.designer@acme\.test\n {2}- groups: Sales → /);
    expect(md).toMatch(/Plan: \d+ to create, 1 to update, 0 to delete, 1 skipped, 0 failing\./);
  }, 120_000);

  it('step by step: steward approvals and approve show the plan of what is decided; GET /approvals/{id} has planView; the report names the approval', async () => {
    const { body } = await request(d.url).post('/runs').set('Authorization', bearer('operator'))
      .send({ playbook: 'sisense-migrate-dashboards', environments: { source: 'src', target: 'dst' }, inputs: { dashboards: ['Quarterly Report Q1'] }, approveOnce: false }).expect(202);
    const first = await until('the first approval', async () => (await get(`/approvals?runId=${body.id}&status=pending`)).approvals[0]);
    const one = await get(`/approvals/${first.id}`);
    expect(one.planView).toMatchObject({ planned: true, items: expect.arrayContaining([expect.objectContaining({ symbol: '+', action: 'create', kind: 'group' })]) });

    const list = fakeIo(tmpdir());
    expect(await cli(['approvals', '--pending', '--run', body.id, '--server', d.url, '--token', TOKENS.viewer], list)).toBe(0);
    expect(list.text()).toContain(`plan of ${first.id} (sisense.migration.groups (write) on source=src,target=dst, step groups):\n`);
    expect(list.text()).toMatch(/\n {2}\+ create group "Finance"\n/);
    expect(list.text()).toMatch(/\n {2}Plan: \d+ to create, 0 to update, 0 to delete, \d+ skipped, 0 failing\.\n/);

    // Each write step asks in turn; the approver decides from the command line, which shows what was approved.
    const decided: string[] = [];
    const run = await until('the run to finish', async () => {
      const r = await get(`/runs/${body.id}`);
      if (TERMINAL.includes(r.state)) return r;
      for (const a of (await get(`/approvals?runId=${body.id}&status=pending`)).approvals) {
        const f = fakeIo(tmpdir());
        expect(await cli(['approve', a.id, '--server', d.url, '--token', TOKENS.approver, '--comment', 'read the plan'], f)).toBe(0);
        expect(f.text()).toMatch(new RegExp(`^approval ${a.id} approved \\(approve by approver\\)\\nplan of ${a.id} \\(${a.tool.replace(/\./g, '\\.')} \\(write\\) on source=src,target=dst, step ${a.stepKey}\\):\\n`));
        expect(f.text()).toMatch(/\n {2}Plan: \d+ to create, \d+ to update, 0 to delete, \d+ skipped, 0 failing\.\n/);
        decided.push(a.stepKey);
      }
      return undefined;
    }, 120_000);
    expect(run.state).toBe('succeeded');
    expect(decided).toEqual(expect.arrayContaining(['groups', 'users', 'dashboards']));

    const report = await get(`/runs/${body.id}/report`);
    const groups = report.steps.find((s: Json) => s.key === 'groups');
    expect(groups).toMatchObject({ planSource: 'approval', planApproval: { id: first.id, status: 'consumed' }, planView: { totals: { create: expect.any(Number) } }, output: { results: expect.any(Array) } });
    const md = (await request(d.url).get(`/runs/${body.id}/report?format=md`).set('Authorization', bearer('viewer')).expect(200)).text;
    expect(md).toContain(`### groups — sisense.migration.groups (approval ${first.id.replace(/_/g, '\\_')}: consumed)\n\n`);
    expect(md).toContain('## Outputs');
  }, 180_000);

  it('approved once: the run plan\'s approval shows every step\'s plan, in the API (planView.steps), the CLI and the report', async () => {
    const { body } = await request(d.url).post('/runs').set('Authorization', bearer('operator'))
      .send({ playbook: 'sisense-migrate-dashboards', environments: { source: 'src', target: 'dst2' }, inputs: { dashboards: ['Quarterly Report Q1'], existingUsers: 'update' }, approveOnce: true }).expect(202);
    const asked = await until('the approval of the run plan', async () => (await get(`/approvals?runId=${body.id}&status=pending`)).approvals[0]);
    expect(asked.kind).toBe('run_plan');
    const one = await get(`/approvals/${asked.id}`);
    expect(one.planView.steps.map((s: Json) => s.stepKey)).toEqual(expect.arrayContaining(['groups', 'users', 'dashboards']));
    expect(one.planView.totals.update).toBeGreaterThanOrEqual(1);
    expect(one.planView.steps.find((s: Json) => s.stepKey === 'users').view.items).toContainEqual(expect.objectContaining({ symbol: '~', label: 'user dana.designer@acme.test', fields: [expect.objectContaining({ field: 'groups' })] }));

    const list = fakeIo(tmpdir());
    expect(await cli(['approvals', '--pending', '--run', body.id, '--server', d.url, '--token', TOKENS.viewer], list)).toBe(0);
    expect(list.text()).toContain(`plan of ${asked.id} (every write step of ${body.id}, approved once):\n`);
    expect(list.text()).toMatch(/\n {2}step groups: sisense\.migration\.groups — migrate groups: .*\n( {4}.*\n)*? {4}\+ create group "Finance"\n/);
    expect(list.text()).toMatch(/\n {2}step users: sisense\.migration\.users — .*\n(.*\n)*? {4}~ update user dana\.designer@acme\.test\n {8}groups: Sales → /);
    expect(list.text()).toMatch(/\n {2}Plan: \d+ to create, [1-9]\d* to update, 0 to delete, \d+ skipped, 0 failing\.\n/);

    const approve = fakeIo(tmpdir());
    expect(await cli(['approve', asked.id, '--server', d.url, '--token', TOKENS.approver, '--comment', 'read the whole plan'], approve)).toBe(0);
    expect(approve.text()).toMatch(new RegExp(`^approval ${asked.id} approved \\(approve by approver\\)\\nplan of ${asked.id} \\(every write step of ${body.id}, approved once\\):\\n {2}step groups: `));
    const run = await until('the run to finish', async () => {
      const r = await get(`/runs/${body.id}`);
      return TERMINAL.includes(r.state) ? r : undefined;
    }, 120_000);
    expect(run.state).toBe('succeeded');
    const report = await get(`/runs/${body.id}/report`);
    for (const key of ['groups', 'users', 'dashboards']) expect(report.steps.find((s: Json) => s.key === key)).toMatchObject({ planSource: 'approval', planView: { planned: true } });
  }, 180_000);

  it('an ad-hoc run\'s report has its prompt, its answer, and the tool results withheld from the model', async () => {
    llm.push({ toolCalls: [{ name: 'demo__util__echo', args: { message: 'echoed-7f2c', uppercase: true } }] }, { content: 'It said *echoed*.' });
    const { body } = await request(d.url).post('/runs').set('Authorization', bearer('operator'))
      .send({ prompt: 'What does `echo` say?', environments: ['lab'], tools: ['demo.util.echo'], shareToolResults: false }).expect(202);
    const run = await until('the answer', async () => {
      const r = await get(`/runs/${body.id}`);
      return TERMINAL.includes(r.state) ? r : undefined;
    });
    expect(run.state).toBe('succeeded');
    // The model never saw the result...
    expect(JSON.stringify(llm.requests.at(-1)?.body.messages)).not.toContain('ECHOED-7F2C');

    // ...the report's readers do.
    const report = await get(`/runs/${body.id}/report`);
    expect(report.run).toMatchObject({ kind: 'prompt', prompt: 'What does `echo` say?', answer: 'It said *echoed*.' });
    const call = report.steps.find((s: Json) => s.tool === 'demo.util.echo');
    expect(call).toMatchObject({ state: 'succeeded', input: { message: 'echoed-7f2c', uppercase: true }, output: { message: 'ECHOED-7F2C' } });
    const md = (await request(d.url).get(`/runs/${body.id}/report?format=md`).set('Authorization', bearer('viewer')).expect(200)).text;
    expect(md).toContain('## Prompt\n\n```\nWhat does `echo` say?\n```\n');
    expect(md).toContain('## Answer\n\n```\nIt said *echoed*.\n```\n');
    expect(md).toMatch(/## Outputs\n[\s\S]*demo\.util\.echo\n\n```json\n\{\n {2}"message": "ECHOED-7F2C"\n\}\n```/);
  }, 120_000);
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { configYaml } from '../helpers/daemon.js';
import { freePort, processApi as api, runIn, spawnDaemon, type ProcessDaemon } from '../helpers/process-daemon.js';
import { until } from '../helpers/wait.js';
import { startScriptedLlm, toolMessages, type ScriptedLlm } from '../llm-sim/scripted-llm.js';

const running: ProcessDaemon[] = [];
let llm: ScriptedLlm;

beforeAll(async () => {
  llm = await startScriptedLlm();
});
afterAll(() => llm.close());
afterEach(() => {
  for (const d of running.splice(0)) if (d.child.exitCode === null) d.child.kill('SIGKILL');
});

describe('durability: an agent run, the real binary killed mid-call', () => {
  it('kill -9 while a model-proposed write is in flight: the call is marked unknown, skip tells the model, the run ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-agent-durable-'));
    writeFileSync(join(dir, 'steward.yaml'), configYaml(`environments:\n  lab: { kind: demo }\nllm: { provider: openai-compatible, baseUrl: "${llm.url}", model: m, maxRetries: 0 }\n`).replace('level: debug', 'level: info'));
    const port = await freePort();
    const start = async () => {
      const d = await spawnDaemon(dir, port);
      running.push(d);
      return d;
    };
    let d = await start();
    llm.push({ toolCalls: [{ name: 'demo__util__stall', args: { ms: 60000 } }] });
    const { body } = await api(d, 'POST', '/runs', 'operator', { prompt: 'stall for a minute', environments: ['lab'], tools: ['demo.util.stall'] });
    await runIn(d, body.id, ['awaiting_approval']);
    const first = (await api(d, 'GET', `/approvals?runId=${body.id}&status=pending`, 'viewer')).body.approvals[0];
    expect(first).toMatchObject({ kind: 'tool', tool: 'demo.util.stall' });
    await api(d, 'POST', `/approvals/${first.id}`, 'approver', { decision: 'approve' });
    // In flight means released: a call killed before its approval was consumed cannot have run and simply runs after
    // the restart (durability.e2e-spec covers that); this one may have reached the target.
    await until('the stall to be released and in flight', async () => {
      const r = await api(d, 'GET', `/runs/${body.id}`, 'viewer');
      const a = await api(d, 'GET', `/approvals/${first.id}`, 'viewer');
      return r.body.steps.find((s: any) => s.tool === 'demo.util.stall' && s.state === 'running') && a.body.status === 'consumed' ? true : undefined;
    }, 60000, 50);
    d.child.kill('SIGKILL');
    await d.exited;

    d = await start();
    const run = await runIn(d, body.id, ['awaiting_approval']);
    const call = run.steps.find((s: any) => s.tool === 'demo.util.stall');
    expect(call.state).toBe('unknown');
    const unknown = (await api(d, 'GET', `/approvals?runId=${body.id}&status=pending`, 'viewer')).body.approvals[0];
    expect(unknown).toMatchObject({ kind: 'unknown_step', tool: 'demo.util.stall', stepKey: call.key });
    let seen = '';
    llm.push((req) => {
      seen = toolMessages(req).map((m) => m.content).join('\n');
      return { content: 'The stall may or may not have happened; it was skipped.' };
    });
    expect((await api(d, 'POST', `/approvals/${unknown.id}`, 'approver', { decision: 'skip', comment: 'checked by hand' })).status).toBe(200);
    const done = await runIn(d, body.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ state: 'succeeded', outputs: { answer: 'The stall may or may not have happened; it was skipped.' } });
    expect(done.steps.find((s: any) => s.tool === 'demo.util.stall').state).toBe('skipped');
    expect(seen).toContain('SKIPPED');
    expect(llm.remaining()).toBe(0);
  }, 240_000); // two daemon starts and a recovery: well past jest's 30 s on a loaded machine
});

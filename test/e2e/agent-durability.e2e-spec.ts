import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { configYaml } from '../helpers/daemon.js';
import { freePort, processApi as api, runIn, spawnDaemon, type ProcessDaemon } from '../helpers/process-daemon.js';
import { until } from '../helpers/wait.js';
import { EVERYTHING_BIN } from '../helpers/mcp-peers.js';
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

  it('kill -9 while a model-proposed idempotent write is in flight: the call runs again after the restart and the model gets its result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-agent-durable-'));
    const everything = `plugins:\n  mcp:\n    settings:\n      servers:\n        everything: { transport: stdio, command: ${process.execPath}, args: [${EVERYTHING_BIN}, stdio], effects: { trigger-long-running-operation: write }, idempotent: [trigger-long-running-operation] }\n`;
    writeFileSync(join(dir, 'steward.yaml'), configYaml(`environments:\n  lab: { kind: demo }\nllm: { provider: openai-compatible, baseUrl: "${llm.url}", model: m, maxRetries: 0 }\n${everything}`).replace('level: debug', 'level: info'));
    const port = await freePort();
    const start = async () => {
      const d = await spawnDaemon(dir, port);
      running.push(d);
      return d;
    };
    let d = await start();
    const tool = 'mcp.everything.trigger-long-running-operation';
    llm.push({ toolCalls: [{ name: 'mcp__everything__trigger-long-running-operation', args: { duration: 6, steps: 6 } }] });
    const { body } = await api(d, 'POST', '/runs', 'operator', { prompt: 'run the operation', environments: ['lab'], tools: [tool] });
    await runIn(d, body.id, ['awaiting_approval']);
    const [first] = (await api(d, 'GET', `/approvals?runId=${body.id}&status=pending`, 'viewer')).body.approvals;
    expect(first).toMatchObject({ kind: 'tool', tool });
    await api(d, 'POST', `/approvals/${first.id}`, 'approver', { decision: 'approve' });
    await until('the operation to be released and in flight', async () => {
      const r = await api(d, 'GET', `/runs/${body.id}`, 'viewer');
      const a = await api(d, 'GET', `/approvals/${first.id}`, 'viewer');
      return r.body.steps.find((s: any) => s.tool === tool && s.state === 'running') && a.body.status === 'consumed' ? true : undefined;
    }, 60000, 50);
    d.child.kill('SIGKILL');
    await d.exited;

    let seen = '';
    llm.push((req) => {
      seen = toolMessages(req).map((m) => m.content).join('\n');
      return { content: 'The operation ran.' };
    });
    d = await start();
    const done = await runIn(d, body.id, ['succeeded', 'failed', 'awaiting_approval']);
    expect(done).toMatchObject({ state: 'succeeded', reason: null, outputs: { answer: 'The operation ran.' } });
    expect(done.steps.find((s: any) => s.tool === tool)).toMatchObject({ state: 'succeeded', attempt: 2 });
    const all = (await api(d, 'GET', `/approvals?runId=${body.id}`, 'viewer')).body.approvals as any[];
    expect(all.map((a) => [a.kind, a.status])).toEqual([['tool', 'consumed']]);
    expect(seen).toContain('"ok":true');
    expect(llm.remaining()).toBe(0);
  }, 240_000);
});

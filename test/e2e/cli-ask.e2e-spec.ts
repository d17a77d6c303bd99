import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCli, type CliIo } from '../../src/cli/cli.js';
import { configYaml, startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';
import { startScriptedLlm, type ScriptedLlm } from '../llm-sim/scripted-llm.js';

function fakeIo(cwd: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), env, cwd, onSignal: () => undefined };
  return { io, text: () => out.join(''), errText: () => err.join('') };
}

const cli = (args: string[], f: ReturnType<typeof fakeIo>) => runCli(['node', 'steward', ...args], f.io);

function project(llm: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'steward-cli-ask-'));
  writeFileSync(join(dir, 'steward.yaml'), `environments:\n  lab: { kind: demo }\n${llm}`);
  return dir;
}

beforeAll(async () => {
  await import('../../src/cli/commands/run.local.js');
}, 120_000);

describe('steward ask', () => {
  let llm: ScriptedLlm;
  let d: TestDaemon;
  beforeAll(async () => {
    llm = await startScriptedLlm();
    d = await startTestDaemon(configYaml(`environments:\n  lab: { kind: demo }\nllm: { provider: openai-compatible, baseUrl: "${llm.url}", model: m, maxRetries: 0 }\n`));
  });
  afterAll(async () => {
    await d.close();
    await llm.close();
  });

  it('in-process: the agent answers with the tools, --follow prints the model calls; exit 0', async () => {
    llm.push({ toolCalls: [{ name: 'demo__util__noop', args: {} }] }, { content: 'All quiet.' });
    const f = fakeIo(project(`llm: { provider: openai-compatible, baseUrl: "${llm.url}", model: m, maxRetries: 0 }\n`));
    expect(await cli(['ask', 'anything happening?', '--env', 'lab', '--tool', 'demo.util.*', '--follow'], f)).toBe(0);
    expect(f.text()).toMatch(/agent +model call 1/);
    expect(f.text()).toMatch(/model proposes demo\.util\.noop/);
    expect(f.text()).toMatch(/demo\.util\.noop ok \(not shown to the model\)/);
    expect(f.text()).toMatch(/run run_[0-9a-z]+ succeeded\noutputs: \{.*"answer":"All quiet\."/);
  });

  it('without a model, or with an unknown environment: exit 2 with the reason', async () => {
    let f = fakeIo(project(''));
    expect(await cli(['ask', 'hi', '--env', 'lab'], f)).toBe(2);
    expect(f.errText()).toContain('no language model is configured');
    f = fakeIo(project(`llm: { provider: openai-compatible, baseUrl: "${llm.url}", model: m }\n`));
    expect(await cli(['ask', 'hi', '--env', 'nowhere'], f)).toBe(2);
    expect(f.errText()).toContain('no environment "nowhere" is configured');
  });

  it('clears LangSmith tracing switches so no trace leaves the machine', async () => {
    process.env.LANGSMITH_TRACING = 'true';
    process.env.LANGCHAIN_TRACING_V2 = 'true';
    expect(await cli(['--version'], fakeIo(tmpdir()))).toBe(0);
    expect(process.env.LANGSMITH_TRACING).toBeUndefined();
    expect(process.env.LANGCHAIN_TRACING_V2).toBeUndefined();
  });

  it('--server: starts the run on the daemon and follows it to the answer', async () => {
    llm.push({ content: 'Hello from the daemon.', chunkSize: 3, chunkDelayMs: 30 });
    const f = fakeIo(tmpdir(), { STEWARD_TOKEN: TOKENS.operator });
    expect(await cli(['ask', 'hello', '--server', d.url, '--env', 'lab', '--no-share', '--follow'], f)).toBe(0);
    // The streamed text is one line however many agent.delta events carried it.
    expect(f.text()).toMatch(/agent +model writes: Hello from the daemon\.\n/);
    expect(f.text()).toContain('answer: Hello from the daemon.');
    expect(f.text()).toMatch(/run run_[0-9a-z]+ succeeded/);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCli, type CliIo } from '../../src/cli/cli.js';
import { until } from '../helpers/wait.js';

/** A command line in this process: what it printed so far, and its exit code once it ends. */
function cli(args: string[], cwd: string) {
  const out: string[] = [];
  const signals: Partial<Record<'SIGINT' | 'SIGTERM', () => void>> = {};
  const io: CliIo = { out: (s) => void out.push(s), err: (s) => void out.push(s), env: { ...process.env, NO_COLOR: '1' }, cwd, onSignal: (sig, h) => void (signals[sig] = h) };
  let exited: number | undefined;
  const done = runCli(['node', 'steward', ...args], io).then((code) => (exited = code));
  /** Polls for `re` in the output; fails at once, with the output, when the command ended without printing it. */
  const printed = (what: string, re: RegExp, timeoutMs: number) =>
    until(what, () => {
      const m = re.exec(out.join(''));
      if (m) return m;
      if (exited !== undefined) throw new Error(`steward ${args[0]} exited ${exited} before ${what}:\n${out.join('')}`);
      return undefined;
    }, timeoutMs, 100);
  return { text: () => out.join(''), done, printed, signal: (sig: 'SIGINT' | 'SIGTERM') => signals[sig]?.() };
}

/**
 * `steward sandbox` with no model configured runs discover-database with its demo model: the issue's
 * `steward run discover-database -e db=sandbox-db --follow` builds a catalog and findings on sandbox-db, asks one
 * question, and resumes when it is answered (`steward answer`). All of it in this process over real HTTP: the
 * sandbox (simulators, the demo database, the demo model, the daemon) and the CLI commands.
 */
describe('the sandbox with its demo model', () => {
  let cwd: string;
  let sandbox: ReturnType<typeof cli>;
  let url = '';
  let modelUrl = '';
  const remote = (role = 'operator') => ['--server', url, '--token-file', join(cwd, `sb/${role}.token`)];

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'steward-sandbox-demo-'));
    sandbox = cli(['sandbox', '--dir', 'sb', '--port', '0'], cwd);
    await sandbox.printed('the sandbox is up', /Ctrl-C stops/, 120_000);
    url = /daemon\s+(http:\/\/\S+)/.exec(sandbox.text())![1]!;
    modelUrl = /model\s+steward-demo at (http:\/\/\S+)/.exec(sandbox.text())![1]!;
  }, 150_000);

  afterAll(async () => {
    sandbox?.signal('SIGINT');
    await sandbox?.done;
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  }, 60_000);

  it('writes the demo model into steward.yaml and says it is a demo', () => {
    const yaml = readFileSync(join(cwd, 'sb/steward.yaml'), 'utf8');
    expect(yaml).toContain(`llm:\n  provider: openai-compatible\n  baseUrl: "${modelUrl}"\n  model: steward-demo`);
    expect(sandbox.text()).toMatch(/DEMO model: a script, not a language model/);
    expect(sandbox.text()).toContain('llm.yaml');
  });

  it('runs discover-database on sandbox-db: a catalog, one question answered mid-run, findings', async () => {
    const run = cli(['run', 'discover-database', '-e', 'db=sandbox-db', '--follow', ...remote()], cwd);
    const asked = await run.printed('the question', /waiting for an answer to question (q_[0-9a-z]+): ([^\n]*)/, 120_000);
    expect(asked[2]).toMatch(/shop\.order_items has no foreign keys, but .*product_id .*shop\.products\.id/);
    const answer = cli(['answer', asked[1]!, 'Yes: every order line names an existing order and product; declare the foreign keys.', ...remote()], cwd);
    expect(await answer.done).toBe(0);
    expect(await run.done).toBe(0);
    const text = run.text();
    expect(text).toMatch(/run run_\S+ succeeded/);
    expect(text.match(/waiting for an answer to question/g)).toHaveLength(1);
    expect(text).toContain('steward-demo');
    const runId = /run (run_\S+) succeeded/.exec(text)![1]!;

    const res = await fetch(`${url}/runs/${runId}`, { headers: { authorization: `Bearer ${readFileSync(join(cwd, 'sb/operator.token'), 'utf8').trim()}` } });
    const view = (await res.json()) as { outputs: { rounds: number; answers: string[]; findings: number }; steps: { key: string; state: string; output: unknown }[] };
    expect(view.outputs).toMatchObject({ rounds: 2, answers: [expect.stringMatching(/^Yes: every order line/)] });
    expect(view.outputs.findings).toBeGreaterThan(0);
    const step = (key: string) => view.steps.find((s) => s.key === key);
    const answerOf = (key: string) => (step(key)?.output as { output?: unknown } | undefined)?.output;
    expect(answerOf('rounds[0].plan')).toMatchObject({ done: false, tasks: expect.arrayContaining([{ expert: 'structural', target: 'shop.order_items', why: expect.any(String) }]) });
    expect(answerOf('rounds[1].plan')).toEqual({ tasks: [], done: true });
    for (const key of ['rounds[0].structural', 'rounds[0].statistical', 'rounds[0].semantic']) expect(step(key)).toMatchObject({ state: 'succeeded' });
    const writes = view.steps.filter((s) => /^rounds\[0\]\.write\[\d+\]\.upsert$/.test(s.key));
    expect(writes.length).toBe(3);
    for (const w of writes) expect(w).toMatchObject({ state: 'succeeded' });
    const structural = answerOf('rounds[0].structural') as { catalog: { id: string; declared?: boolean }[]; questions: string[] };
    expect(structural.catalog).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'relation:shop.order_items.product_id->shop.products.id', declared: false })]));
    // Privacy: no sampled value of the demo shop (an email, a status) in anything the experts wrote.
    const written = JSON.stringify(['structural', 'statistical', 'semantic'].map((e) => answerOf(`rounds[0].${e}`)));
    expect(written).not.toMatch(/@example\.com|shipped|cancelled|Customer \d/);
  }, 240_000);

  it('answers an ad-hoc question saying what it is', async () => {
    const ask = cli(['ask', 'Which dashboards are there?', '-e', 'sandbox-source', '--follow', ...remote()], cwd);
    expect(await ask.done).toBe(0);
    expect(ask.text()).toMatch(/model proposes sisense\.dashboard\.list/);
    expect(ask.text()).toMatch(/answer: I called sisense\.dashboard\.list answered with \d+ item\(s\) \(its result was not shown to me: privacy mode\).*steward-demo/);
  }, 120_000);

  it('stops the demo model with the rest on Ctrl-C', async () => {
    expect((await fetch(`${modelUrl}/models`)).status).toBe(200);
    sandbox.signal('SIGINT');
    expect(await sandbox.done).toBe(0);
    await expect(fetch(`${modelUrl}/models`)).rejects.toThrow();
  }, 60_000);
});

/**
 * A run's end is final, on every store backend (PGlite always; PostgreSQL when STEWARD_TEST_PG_URL is set): what an
 * execution still has in hand when a cancellation ends the run — a pending approval the gate just asked for, a result
 * that came back — is not recorded over the end. The run stays ended, its steps stay closed, no event follows
 * run.finished, and no approval is asked for a run that ended. The runner, approvals and the in-doubt rules are the
 * real ones on a real store; only the MCP engine (the call's far side) is scripted.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import type { AgentRuntime } from '../../src/agent/agent.runtime.js';
import { ApprovalService } from '../../src/approvals/approval.service.js';
import type { StewardConfig } from '../../src/config/config.types.js';
import { Redactor } from '../../src/logging/redactor.js';
import type { EngineClient, EngineCall } from '../../src/mcp/engine.client.js';
import type { ParsedPlaybook } from '../../src/playbooks/playbook.types.js';
import type { PluginCatalogue } from '../../src/plugins/plugin.catalogue.js';
import type { LoadedTool } from '../../src/plugins/plugin.types.js';
import type { ToolInvoker } from '../../src/plugins/tool.invoker.js';
import { EnvLimits } from '../../src/runs/env-limits.js';
import { InDoubtSteps } from '../../src/runs/in-doubt.js';
import { RunEventsService } from '../../src/runs/run-events.service.js';
import { RunRepository } from '../../src/runs/run.repository.js';
import { closeRun, Runner } from '../../src/runs/runner.js';
import { openStore } from '../../src/store/store.factory.js';
import type { Store } from '../../src/store/store.types.js';
import { PG_URL, pgliteLeg, postgresLeg, type Leg } from './harness.js';

const silent = pino({ level: 'silent' });
const TOOL = { id: 'demo.notes.write', plugin: 'demo', title: 'Write a note', effect: 'write', idempotent: false, supportsPlan: false, environments: ['target'], kinds: ['demo'] } as unknown as LoadedTool;
const config = { environments: { lab: { kind: 'demo' } }, plugins: { dirs: [] } } as unknown as StewardConfig;
const PLAYBOOK = {
  id: 'p',
  environments: [{ name: 'target', kind: 'demo' }],
  steps: [{ kind: 'tool', id: 'write', path: 'steps[0]', tool: TOOL.id, env: { target: 'target' }, with: { render: () => ({ key: 'k', text: 't' }) }, continueOnError: false }],
  outputs: {},
} as unknown as ParsedPlaybook;

function suite(leg: Leg): void {
  let store: Store;
  beforeAll(() => leg.setup(), 60_000);
  afterAll(() => leg.teardown(), 60_000);
  afterEach(async () => store?.close());

  /** A runner on a fresh store whose engine answers `answer` after the run was cancelled under it. */
  const setup = async (answer: (call: EngineCall) => CallToolResult) => {
    const t = await leg.fresh();
    store = await openStore(t.config, { baseDir: t.baseDir, logger: silent });
    const events = new RunEventsService(new EventEmitter2(), new Redactor());
    const approvals = new ApprovalService(store, config, {} as ToolInvoker, events, new EventEmitter2(), silent);
    const repo = new RunRepository();
    const catalogue = { require: () => TOOL, get: () => TOOL } as unknown as PluginCatalogue;
    const inDoubt = new InDoubtSteps({ store, approvals, invoker: { catalogue, prepare: (_id: string, input: unknown) => ({ input }) } as unknown as ToolInvoker, repo, events });
    const run = await repo.insert(store, { kind: 'playbook', playbook: 'p', inputs: {}, environments: { target: 'lab' }, dryRun: false, requestedBy: 'ann' });
    // What RunsService.cancel does, in its one transaction.
    const cancel = () =>
      store.transaction(async (tx) => {
        await repo.lock(tx, run.id);
        await repo.setState(tx, run.id, 'cancelled', 'cancelled by bob');
        await closeRun(tx, run.id, { repo, approvals, inDoubt }, undefined, 'the run was cancelled', (type, data, key) => events.append(tx, run.id, type, data, key));
        await events.append(tx, run.id, 'run.finished', { state: 'cancelled', reason: 'cancelled by bob' });
      });
    const engine = {
      call: async (c: EngineCall) => {
        await cancel();
        return answer(c);
      },
    } as unknown as EngineClient;
    const runner = new Runner({
      agent: {} as AgentRuntime, events, approvals, logger: silent, engine, catalogue, repo, inDoubt, store,
      limits: new EnvLimits(config.environments, { read: 4, write: 2 }),
      approval: async (id) => (await approvals.get(id)).approval,
    });
    const execute = () => runner.execute(run, PLAYBOOK, new AbortController().signal);
    const after = async () => ({
      run: (await repo.get(store, run.id))!,
      steps: await repo.steps(store, run.id),
      events: (await store.query<{ type: string }>('SELECT type FROM run_events WHERE run_id = $1 ORDER BY seq', [run.id])).rows.map((e) => e.type),
      approvals: (await store.query<{ status: string }>('SELECT status FROM approvals WHERE run_id = $1', [run.id])).rows,
    });
    return { run, approvals, execute, after };
  };

  it('cancelled as the step parks for an approval: the run stays cancelled, its step closed, nothing after run.finished', async () => {
    const { execute, after } = await setup(() => ({ isError: true, content: [{ type: 'text', text: 'APPROVAL_PENDING' }], _meta: { 'steward/approval': { id: 'apr_late', status: 'pending' } } }));
    expect(await execute()).toBe('cancelled');
    const now = await after();
    expect(now.run.state).toBe('cancelled');
    expect(now.steps.map((s) => [s.step_key, s.state])).toEqual([['write', 'cancelled']]);
    expect(now.events.at(-1)).toBe('run.finished');
  });

  it('cancelled while the call was in flight and its answer comes back: what the cancellation recorded stands', async () => {
    const { execute, after } = await setup(() => ({ content: [{ type: 'text', text: '{"key":"k","revision":1}' }] }));
    expect(await execute()).toBe('cancelled');
    const now = await after();
    expect(now.run.state).toBe('cancelled');
    expect(now.steps.map((s) => s.state)).toEqual(['cancelled']);
    expect(now.events.filter((e) => e === 'step.succeeded')).toEqual([]);
    expect(now.events.at(-1)).toBe('run.finished');
  });

  it('the gate asks no approval for a run that ended (a call planned while the run was cancelled)', async () => {
    const { run, approvals, execute, after } = await setup(() => ({ content: [{ type: 'text', text: '{}' }] }));
    await execute();
    const late = await approvals.check({ tool: TOOL, input: { key: 'k', text: 't' }, environments: { target: 'lab' }, mode: 'execute', caller: { principal: { name: 'steward-engine', role: 'admin' }, channel: 'engine', runId: run.id, stepId: 'write' } });
    expect(late).toMatchObject({ action: 'deny', code: 'RUN_FINISHED' });
    expect((await after()).approvals).toEqual([]);
  });
}

describe('a run\'s end is final (PGlite)', () => suite(pgliteLeg()));
(PG_URL ? describe : describe.skip)('a run\'s end is final (PostgreSQL)', () => suite(postgresLeg(PG_URL)));

import { describe, expect, it } from '@jest/globals';
import { StewardError } from '../common/errors.js';
import { definePlugin, defineTool, ToolError, type ProgressUpdate, type ToolContext } from './plugin-api.js';
import { hostForDefinition } from './test-host.js';
import { ToolInvoker } from './tool.invoker.js';

const obj = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', additionalProperties: false, required, properties });
const base = { effect: 'read' as const, idempotent: true, environments: [] as string[], examples: [{ title: 'Example', input: {} }] };

const calls: string[] = [];
const plugin = definePlugin((api) => {
  api.register(
    defineTool<{ dashboards: string[]; limit: number }>({
      ...base,
      id: 'acme.util.export',
      title: 'Export',
      description: 'Echoes dashboards.',
      inputSchema: obj({ dashboards: { type: 'array', items: { type: 'string' } }, limit: { type: 'integer', default: 10 } }, ['dashboards']),
      outputSchema: obj({ dashboards: { type: 'array' }, limit: { type: 'integer' } }, ['dashboards']),
      examples: [{ title: 'Two', input: { dashboards: ['a', 'b'], limit: 2 } }],
      handler: (input) => {
        input.dashboards.push('mutated');
        return input;
      },
    }),
    defineTool({ ...base, id: 'acme.util.boom', title: 'Boom', description: 'Throws.', inputSchema: obj({}), handler: () => Promise.reject(new Error('database exploded at 10.0.0.1')) }),
    defineTool({ ...base, id: 'acme.util.refuse', title: 'Refuse', description: 'ToolError.', inputSchema: obj({}), handler: () => { throw new ToolError('NOT_ALLOWED', 'the dashboard is locked', { dashboard: 'd1' }); } }),
    defineTool({ ...base, id: 'acme.util.liar', title: 'Liar', description: 'Bad output.', inputSchema: obj({}), outputSchema: obj({ count: { type: 'integer' } }, ['count']), handler: () => ({ count: 'three' }) }),
    defineTool({ ...base, id: 'acme.util.cyclic', title: 'Cyclic', description: 'Unserialisable output.', inputSchema: obj({}), handler: () => { const o: Record<string, unknown> = {}; o.self = o; return o; } }),
    defineTool({ ...base, id: 'acme.util.wait', title: 'Wait', description: 'Waits for the signal.', inputSchema: obj({}), handler: (_i, ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))) ) }),
    defineTool({ ...base, id: 'acme.util.deaf', title: 'Deaf', description: 'Ignores the signal.', inputSchema: obj({}), handler: () => new Promise(() => undefined) }),
    defineTool({
      ...base,
      id: 'acme.util.ctx',
      title: 'Context',
      description: 'Describes its context.',
      inputSchema: obj({}),
      handler: (_i, ctx: ToolContext) => {
        ctx.progress({ progress: 1, total: 2, message: 'half' });
        return { keys: Object.keys(ctx).sort(), settings: ctx.settings, frozen: Object.isFrozen(ctx.settings), runId: ctx.runId, stepId: ctx.stepId };
      },
    }),
    defineTool({
      ...base,
      id: 'acme.notes.write',
      title: 'Write',
      description: 'Writes with a plan.',
      effect: 'write',
      idempotent: false,
      environments: ['target'],
      inputSchema: obj({ key: { type: 'string' } }, ['key']),
      examples: [{ title: 'Write', input: { key: 'k' } }],
      plan: ({ key }, ctx) => ({ summary: `write ${key} in ${ctx.environments.target.name}`, changes: [{ action: 'create', target: `note ${key}` }] }),
      handler: ({ key }, ctx) => {
        calls.push(`write ${key}`);
        return { env: ctx.environments.target };
      },
    }),
    defineTool({ ...base, id: 'acme.notes.blind', title: 'Blind', description: 'No plan.', effect: 'destructive', environments: ['target'], inputSchema: obj({}), handler: () => calls.push('blind') }),
    defineTool({ ...base, id: 'acme.notes.badplan', title: 'Bad plan', description: 'Malformed plan.', effect: 'write', inputSchema: obj({}), plan: () => ({ summary: 'x', changes: [{ action: 'explode', target: '' }] }) as never, handler: () => ({}) }),
    defineTool({ ...base, id: 'acme.sync.copy', title: 'Copy', description: 'Two roles.', effect: 'write', environments: ['source', 'target'], inputSchema: obj({}), handler: (_i, ctx) => ({ from: ctx.environments.source.name, to: ctx.environments.target.name }) }),
  );
});

const environments = {
  prod: { kind: 'acme', url: 'https://prod.example.com', token: 'secret-token', tls: { verify: false }, options: { site: 'eu' }, policy: { approvers: 2 } },
  stage: { kind: 'acme' },
  pg: { kind: 'postgres' },
};
const host = (opts: { maxInputBytes?: number } = {}) =>
  hostForDefinition(
    { id: 'acme', kinds: ['acme'], modules: ['util', 'notes', 'sync'].map((id) => ({ id, description: id })), settings: { type: 'object', properties: { level: { type: 'integer', default: 3 } } } },
    plugin,
    { environments, ...opts },
  );

describe('ToolInvoker.invoke: before the tool runs', () => {
  it('an unknown tool is a protocol error (thrown TOOL_NOT_FOUND), not a result', async () => {
    const { invoker } = await host();
    await expect(invoker.invoke('acme.util.nope', {})).rejects.toMatchObject({ code: 'TOOL_NOT_FOUND', status: 404, message: 'no tool "acme.util.nope" in plugin "acme"' });
    await expect(invoker.invoke('nope', {})).rejects.toThrow('no tool "nope" (tool ids look like <plugin>.<module>.<name>)');
    await expect(invoker.invoke('other.util.x', {})).rejects.toThrow('no tool "other.util.x": no plugin "other" is installed');
  });

  it('wrong types name the failing JSON path', async () => {
    const { invoker } = await host();
    const r = await invoker.invoke('acme.util.export', { dashboards: ['a', 7], limit: 'ten' });
    expect(r).toMatchObject({
      ok: false,
      mode: 'execute',
      error: {
        code: 'TOOL_INPUT_INVALID',
        message: 'input for acme.util.export is invalid: input.dashboards[1]: must be a string; input.limit: must be an integer',
        errors: [
          { path: 'input.dashboards[1]', message: 'must be a string' },
          { path: 'input.limit', message: 'must be an integer' },
        ],
      },
    });
  });

  it('extra properties are rejected when the schema says so; missing required ones too', async () => {
    const { invoker } = await host();
    expect(await invoker.invoke('acme.util.export', { dashboards: [], colour: 'red' })).toMatchObject({
      error: { code: 'TOOL_INPUT_INVALID', errors: [{ path: 'input.colour', message: 'unknown key (allowed: dashboards, limit)' }] },
    });
    expect(await invoker.invoke('acme.util.export', {})).toMatchObject({ error: { code: 'TOOL_INPUT_INVALID', errors: [{ path: 'input.dashboards', message: 'is required' }] } });
    expect(await invoker.invoke('acme.util.export', [1])).toMatchObject({ error: { code: 'TOOL_INPUT_INVALID', errors: [{ path: 'input', message: 'must be an object' }] } });
  });

  it('a payload over the size cap is rejected before validation', async () => {
    const { invoker } = await host({ maxInputBytes: 1024 });
    const r = await invoker.invoke('acme.util.export', { dashboards: ['x'.repeat(2000)] });
    expect(r).toMatchObject({ ok: false, error: { code: 'TOOL_INPUT_TOO_LARGE', message: 'input for acme.util.export is 2019 bytes as JSON; the limit is 1024' } });
  });

  it('the default cap is 1 MiB', async () => {
    const { invoker } = await host();
    expect(await invoker.invoke('acme.util.export', { dashboards: ['x'.repeat(1024 * 1024)] })).toMatchObject({ error: { code: 'TOOL_INPUT_TOO_LARGE' } });
  });

  it('input that is not JSON is invalid', async () => {
    const { invoker } = await host();
    expect(await invoker.invoke('acme.util.export', { dashboards: [], big: 1n })).toMatchObject({ error: { code: 'TOOL_INPUT_INVALID', message: expect.stringContaining('is not JSON') } });
  });

  it('checks environments: every role given, no unknown role, configured, of a kind the plugin serves', async () => {
    const { invoker } = await host();
    expect(await invoker.invoke('acme.sync.copy', {}, { environments: { target: 'nowhere', extra: 'prod' } })).toMatchObject({
      ok: false,
      error: {
        code: 'TOOL_ENVIRONMENT_INVALID',
        errors: [
          { path: 'environments.source', message: 'is required (the environment to use for this role)' },
          { path: 'environments.target', message: '"nowhere" is not a configured environment (known: prod, stage, pg)' },
          { path: 'environments.extra', message: 'unknown role (acme.sync.copy takes: source, target)' },
        ],
      },
    });
    expect(await invoker.invoke('acme.notes.write', { key: 'k' }, { environments: { target: 'pg' } })).toMatchObject({
      error: { code: 'TOOL_ENVIRONMENT_INVALID', errors: [{ path: 'environments.target', message: '"pg" is of kind postgres; acme.notes.write works on: acme' }] },
    });
    expect(await invoker.invoke('acme.sync.copy', {}, { environments: { source: 'stage', target: 'prod' } })).toMatchObject({ ok: true, output: { from: 'stage', to: 'prod' } });
  });

  it('prepare() throws the same checks as StewardErrors, for a gate to call before an approval', async () => {
    const { invoker } = await host();
    expect(() => invoker.prepare('acme.util.export', { dashboards: 1 })).toThrow(StewardError);
    expect(() => invoker.prepare('acme.util.export', { dashboards: 1 })).toThrow(expect.objectContaining({ code: 'TOOL_INPUT_INVALID', status: 400 }));
    expect(() => invoker.prepare('acme.notes.write', { key: 'k' })).toThrow(expect.objectContaining({ code: 'TOOL_ENVIRONMENT_INVALID' }));
    const call = invoker.prepare('acme.util.export', { dashboards: [] });
    expect(call.input).toEqual({ dashboards: [], limit: 10 });
  });
});

describe('ToolInvoker.invoke: running the tool', () => {
  it('passes a validated copy with defaults filled; the caller\'s object is never touched', async () => {
    const { invoker } = await host();
    const input = { dashboards: ['a'] };
    expect(await invoker.invoke('acme.util.export', input)).toMatchObject({ ok: true, mode: 'execute', output: { dashboards: ['a', 'mutated'], limit: 10 } });
    expect(input).toEqual({ dashboards: ['a'] });
  });

  it('ctx carries exactly environments, logger, metrics, signal, progress, run/step ids and frozen settings', async () => {
    const { invoker } = await host();
    const progress: ProgressUpdate[] = [];
    const r = await invoker.invoke('acme.util.ctx', {}, { runId: 'run-1', stepId: 'export', progress: (p) => progress.push(p) });
    expect(r).toMatchObject({
      ok: true,
      output: { keys: ['environments', 'logger', 'metrics', 'progress', 'runId', 'settings', 'signal', 'stepId'], settings: { level: 3 }, frozen: true, runId: 'run-1', stepId: 'export' },
    });
    expect(progress).toEqual([{ progress: 1, total: 2, message: 'half' }]);
  });

  it('environments reach the tool as frozen copies without policy', async () => {
    const { invoker } = await host();
    const r = await invoker.invoke('acme.notes.write', { key: 'k' }, { environments: { target: 'prod' } });
    expect(r).toMatchObject({
      ok: true,
      output: { env: { name: 'prod', kind: 'acme', url: 'https://prod.example.com', token: 'secret-token', tls: { verify: false }, options: { site: 'eu' } } },
    });
    expect(JSON.stringify(r)).not.toContain('approvers');
  });

  it('an unexpected exception becomes TOOL_FAILED with its message only (the stack goes to the log)', async () => {
    const { invoker, logs } = await host();
    const r = await invoker.invoke('acme.util.boom', {});
    expect(r).toEqual({ ok: false, mode: 'execute', durationMs: expect.any(Number), error: { code: 'TOOL_FAILED', message: 'database exploded at 10.0.0.1' } });
    expect(logs).toContainEqual(expect.objectContaining({ level: 40, plugin: 'acme', tool: 'acme.util.boom', msg: 'tool threw an unexpected error', err: expect.objectContaining({ stack: expect.any(String) }) }));
  });

  it('failure messages pass through the redactor when one is given', async () => {
    const { catalogue, logger } = await host();
    const invoker = new ToolInvoker(catalogue, { environments, logger, redact: (text) => text.replaceAll('10.0.0.1', '[redacted]') });
    expect(await invoker.invoke('acme.util.boom', {})).toMatchObject({ error: { code: 'TOOL_FAILED', message: 'database exploded at [redacted]' } });
  });

  it('a ToolError keeps its code and detail', async () => {
    const { invoker } = await host();
    expect(await invoker.invoke('acme.util.refuse', {})).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED', message: 'the dashboard is locked', detail: { dashboard: 'd1' } } });
  });

  it('output that does not match the outputSchema is TOOL_OUTPUT_INVALID; output that is not JSON too', async () => {
    const { invoker } = await host();
    expect(await invoker.invoke('acme.util.liar', {})).toMatchObject({
      ok: false,
      error: { code: 'TOOL_OUTPUT_INVALID', message: 'the output of acme.util.liar does not match its outputSchema: output.count: must be an integer' },
    });
    expect(await invoker.invoke('acme.util.cyclic', {})).toMatchObject({ ok: false, error: { code: 'TOOL_OUTPUT_INVALID', message: expect.stringContaining('is not JSON') } });
  });
});

describe('ToolInvoker.invoke: plan mode', () => {
  it('calls plan and never the handler; derives wouldChange', async () => {
    const { invoker } = await host();
    calls.length = 0;
    const r = await invoker.invoke('acme.notes.write', { key: 'k' }, { mode: 'plan', environments: { target: 'prod' } });
    expect(r).toMatchObject({ ok: true, mode: 'plan', plan: { summary: 'write k in prod', changes: [{ action: 'create', target: 'note k' }], wouldChange: true, wouldFail: false } });
    expect(calls).toEqual([]);
  });

  it('a tool without a plan answers plan: null (unknown) and is not run', async () => {
    const { invoker } = await host();
    calls.length = 0;
    expect(await invoker.invoke('acme.notes.blind', {}, { mode: 'plan', environments: { target: 'prod' } })).toMatchObject({ ok: true, mode: 'plan', plan: null });
    expect(calls).toEqual([]);
  });

  it('a malformed plan is TOOL_OUTPUT_INVALID', async () => {
    const { invoker } = await host();
    expect(await invoker.invoke('acme.notes.badplan', {}, { mode: 'plan' })).toMatchObject({
      ok: false,
      mode: 'plan',
      error: { code: 'TOOL_OUTPUT_INVALID', message: expect.stringContaining('plan.changes[0].action: must be one of: "create", "update", "delete", "skip", "fail"') },
    });
  });

  it('plan mode still validates input and environments', async () => {
    const { invoker } = await host();
    expect(await invoker.invoke('acme.notes.write', {}, { mode: 'plan', environments: { target: 'prod' } })).toMatchObject({ ok: false, mode: 'plan', error: { code: 'TOOL_INPUT_INVALID' } });
  });
});

describe('ToolInvoker.invoke: cancellation', () => {
  it('an already aborted signal is CANCELLED without running the tool', async () => {
    const { invoker } = await host();
    calls.length = 0;
    const r = await invoker.invoke('acme.notes.write', { key: 'k' }, { environments: { target: 'prod' }, signal: AbortSignal.abort() });
    expect(r).toMatchObject({ ok: false, error: { code: 'CANCELLED', message: 'the tool call was cancelled' } });
    expect(calls).toEqual([]);
  });

  it('aborting mid-call is CANCELLED with the reason, whether or not the tool honours the signal', async () => {
    const { invoker } = await host();
    for (const id of ['acme.util.wait', 'acme.util.deaf']) {
      const controller = new AbortController();
      const call = invoker.invoke(id, {}, { signal: controller.signal });
      setTimeout(() => controller.abort('run cancelled by alice'), 5);
      expect(await call).toMatchObject({ ok: false, error: { code: 'CANCELLED', message: 'the tool call was cancelled: run cancelled by alice' } });
    }
  });

  it('a timeout signal is TIMEOUT', async () => {
    const { invoker } = await host();
    expect(await invoker.invoke('acme.util.deaf', {}, { signal: AbortSignal.timeout(10) })).toMatchObject({ ok: false, error: { code: 'TIMEOUT', message: 'the tool call timed out' } });
  });
});

import { describe, expect, it } from '@jest/globals';
import { createTestHost, type TestHost } from '../../src/plugins/test-host.js';
import type { ProgressUpdate } from '../../src/plugins/plugin-api.js';

const environments = {
  dev: { kind: 'demo' },
  prod: { kind: 'demo' },
  warehouse: { kind: 'postgres' },
};
const host = (settings: Record<string, unknown> = {}): Promise<TestHost> => createTestHost({ builtinDir: new URL('.', import.meta.url).pathname, environments, config: { demo: { settings } } });

describe('demo plugin (in-process)', () => {
  it('loads with every tool and the default settings', async () => {
    const { catalogue } = await host();
    expect(catalogue.plugin('demo')).toMatchObject({ status: 'loaded', version: '0.1.0', kinds: ['demo'] });
    expect(catalogue.tools().map((t) => t.id)).toEqual([
      'demo.notes.copy',
      'demo.notes.delete',
      'demo.notes.list',
      'demo.notes.write',
      'demo.util.echo',
      'demo.util.noop',
      'demo.util.slow',
      'demo.util.stall',
    ]);
  });

  it('runs every example of every tool against a demo environment', async () => {
    const { catalogue, invoker } = await host();
    for (const tool of catalogue.tools()) {
      const envs = Object.fromEntries(tool.environments.map((role) => [role, role === 'source' ? 'dev' : 'prod']));
      for (const example of tool.examples) {
        const r = await invoker.invoke(tool.id, example.input, { environments: envs });
        expect({ tool: tool.id, example: example.title, ok: r.ok }).toEqual({ tool: tool.id, example: example.title, ok: true });
      }
    }
  });

  it('echo fills defaults and validates its output', async () => {
    const { invoker } = await host();
    expect(await invoker.invoke('demo.util.echo', { message: 'hi' })).toMatchObject({ ok: true, output: { message: 'hi' } });
    expect(await invoker.invoke('demo.util.echo', { message: 'hi', uppercase: true })).toMatchObject({ ok: true, output: { message: 'HI' } });
  });

  it('notes: plan previews without writing, execute writes, state is per environment and per plugin instance', async () => {
    const { invoker } = await host();
    const target = { environments: { target: 'prod' } };
    const plan = await invoker.invoke('demo.notes.write', { key: 'a', text: 'one' }, { ...target, mode: 'plan' });
    expect(plan).toMatchObject({ ok: true, plan: { wouldChange: true, wouldFail: false, changes: [{ action: 'create', target: 'note a' }] } });
    expect(await invoker.invoke('demo.notes.list', {}, target)).toMatchObject({ output: { notes: [] } });

    expect(await invoker.invoke('demo.notes.write', { key: 'a', text: 'one' }, target)).toMatchObject({ ok: true, output: { key: 'a', revision: 1, created: true } });
    expect(await invoker.invoke('demo.notes.write', { key: 'a', text: 'two' }, target)).toMatchObject({ ok: true, output: { revision: 2, created: false } });
    expect(await invoker.invoke('demo.notes.list', {}, { environments: { target: 'dev' } })).toMatchObject({ output: { notes: [] } });

    const other = await host();
    expect(await other.invoker.invoke('demo.notes.list', {}, target)).toMatchObject({ output: { notes: [] } });
  });

  it('notes.write reports NOTEBOOK_FULL as a tool error, and its plan says it would fail', async () => {
    const { invoker } = await host({ maxNotes: 1 });
    const target = { environments: { target: 'prod' } };
    await invoker.invoke('demo.notes.write', { key: 'a', text: 'x' }, target);
    expect(await invoker.invoke('demo.notes.write', { key: 'b', text: 'x' }, { ...target, mode: 'plan' })).toMatchObject({ ok: true, plan: { wouldFail: true, wouldChange: false } });
    expect(await invoker.invoke('demo.notes.write', { key: 'b', text: 'x' }, target)).toMatchObject({
      ok: false,
      error: { code: 'NOTEBOOK_FULL', message: 'the notebook of prod holds its maximum of 1 notes', detail: { maxNotes: 1 } },
    });
  });

  it('notes.delete is destructive and idempotent; its plan skips a missing note', async () => {
    const { invoker } = await host();
    const target = { environments: { target: 'prod' } };
    await invoker.invoke('demo.notes.write', { key: 'a', text: 'x' }, target);
    expect(await invoker.invoke('demo.notes.delete', { key: 'a' }, { ...target, mode: 'plan' })).toMatchObject({ plan: { wouldChange: true, changes: [{ action: 'delete' }] } });
    expect(await invoker.invoke('demo.notes.delete', { key: 'a' }, target)).toMatchObject({ output: { deleted: true } });
    expect(await invoker.invoke('demo.notes.delete', { key: 'a' }, target)).toMatchObject({ output: { deleted: false } });
    expect(await invoker.invoke('demo.notes.delete', { key: 'a' }, { ...target, mode: 'plan' })).toMatchObject({ plan: { wouldChange: false, changes: [{ action: 'skip' }] } });
  });

  it('notes.copy takes source and target, plans per note and skips unchanged notes', async () => {
    const { invoker } = await host();
    const roles = { environments: { source: 'dev', target: 'prod' } };
    await invoker.invoke('demo.notes.write', { key: 'a', text: 'x' }, { environments: { target: 'dev' } });
    await invoker.invoke('demo.notes.write', { key: 'b', text: 'y' }, { environments: { target: 'dev' } });
    await invoker.invoke('demo.notes.write', { key: 'b', text: 'old' }, { environments: { target: 'prod' } });
    const plan = await invoker.invoke('demo.notes.copy', {}, { ...roles, mode: 'plan' });
    expect(plan).toMatchObject({ ok: true, plan: { summary: 'copy 2 of 2 notes to prod', changes: [{ action: 'create', target: 'note a' }, { action: 'update', target: 'note b' }] } });
    expect(await invoker.invoke('demo.notes.copy', {}, roles)).toMatchObject({ ok: true, output: { created: 1, updated: 1, unchanged: 0 } });
    expect(await invoker.invoke('demo.notes.copy', {}, roles)).toMatchObject({ ok: true, output: { created: 0, updated: 0, unchanged: 2 } });
    expect(await invoker.invoke('demo.notes.copy', {}, { environments: { source: 'dev', target: 'dev' } })).toMatchObject({ ok: false, error: { code: 'SAME_ENVIRONMENT' } });
  });

  it('notes tools refuse an environment of another kind', async () => {
    const { invoker } = await host();
    expect(await invoker.invoke('demo.notes.list', {}, { environments: { target: 'warehouse' } })).toMatchObject({
      ok: false,
      error: { code: 'TOOL_ENVIRONMENT_INVALID', errors: [{ path: 'environments.target', message: '"warehouse" is of kind postgres; demo.notes.list works on: demo' }] },
    });
  });

  it('slow reports progress each step and stops when cancelled', async () => {
    const { invoker } = await host();
    const seen: ProgressUpdate[] = [];
    expect(await invoker.invoke('demo.util.slow', { steps: 3, intervalMs: 1 }, { progress: (p) => seen.push(p) })).toMatchObject({ ok: true, output: { steps: 3 } });
    expect(seen).toEqual([1, 2, 3].map((n) => ({ progress: n, total: 3, message: `step ${n} of 3` })));

    const controller = new AbortController();
    const started = Date.now();
    const call = invoker.invoke('demo.util.slow', { steps: 1000, intervalMs: 50 }, { signal: controller.signal, progress: () => controller.abort() });
    expect(await call).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

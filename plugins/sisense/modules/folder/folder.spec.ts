import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createTestHost, type TestHost } from '../../../../src/plugins/test-host.js';
import type { ToolResult } from '../../../../src/plugins/tool.result.js';
import { startSisenseSim, type SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';

const target = { environments: { target: 'src' } };
const output = (r: ToolResult) => {
  if (!r.ok || r.mode !== 'execute') throw new Error(`expected an output, got ${JSON.stringify(r)}`);
  return r.output as Record<string, any>;
};

describe('sisense.folder', () => {
  let sim: SisenseSim;
  let host: TestHost;
  const run = (id: string, input: object) => host.invoker.invoke(`sisense.folder.${id}`, input, target);
  const plan = async (id: string, input: object) => {
    const before = sim.snapshot();
    const r = await host.invoker.invoke(`sisense.folder.${id}`, input, { ...target, mode: 'plan' });
    expect(sim.snapshot()).toBe(before);
    if (!r.ok || r.mode !== 'plan' || !r.plan) throw new Error(`expected a plan, got ${JSON.stringify(r)}`);
    return r.plan;
  };
  const paths = async () => output(await run('list', {})).folders.map((f: { path: string }) => f.path);
  const folder = (name: string) => sim.state.folders.find((f) => f.name === name);
  beforeEach(async () => {
    sim = await startSisenseSim({ seed: 'source' });
    host = await createTestHost({ environments: { src: { kind: 'sisense', url: sim.url, token: sim.token } } });
  });
  afterEach(() => sim.close());

  it('list: flat with paths and dashboard counts, or a tree with dashboards', async () => {
    const flat = output(await run('list', {}));
    expect(flat.folders.map((f: { path: string; dashboards: number }) => [f.path, f.dashboards])).toEqual([
      ['Archive', 0],
      ['Finance', 1],
      ['Sales', 1],
      ['Sales/Deep Dives', 1],
    ]);
    expect(flat.folders[3]).toMatchObject({ name: 'Deep Dives', parentId: folder('Sales')?.oid, ownerId: expect.any(String) });
    const tree = output(await run('list', { structure: 'tree' }));
    expect(tree.tree.find((n: { name: string }) => n.name === 'Sales')).toMatchObject({
      path: 'Sales',
      dashboards: [{ title: 'Sales Deep Dive' }],
      folders: [{ name: 'Deep Dives', path: 'Sales/Deep Dives', dashboards: [{ title: '_drill Order Detail' }], folders: [] }],
    });
    expect(tree.rootDashboards.map((d: { title: string }) => d.title).sort()).toEqual(['ECommerce Overview', 'Empty Dashboard', 'Orphaned Report']);
  });

  it('create: plans, creates (at the root or in a parent), then skips an existing one', async () => {
    expect(await plan('create', { name: 'Quarterly', parent: 'Finance' })).toMatchObject({ changes: [{ action: 'create', target: 'folder "Finance/Quarterly"' }] });
    const made = output(await run('create', { name: 'Quarterly', parent: 'Finance' }));
    expect(made).toEqual({ created: true, folder: { oid: expect.any(String), name: 'Quarterly', path: 'Finance/Quarterly' } });
    expect(folder('Quarterly')?.parentId).toBe(folder('Finance')?.oid);
    expect(output(await run('create', { name: 'Quarterly', parent: 'Finance' }))).toEqual({ ...made, created: false });
    expect(await plan('create', { name: 'Quarterly', parent: 'Finance' })).toMatchObject({ wouldChange: false });
    expect(output(await run('create', { name: 'Ops' }))).toMatchObject({ created: true, folder: { path: 'Ops' } });
    expect(await plan('create', { name: 'X', parent: 'Nowhere' })).toMatchObject({ wouldFail: true });
    expect(await run('create', { name: 'a/b' })).toMatchObject({ ok: false, error: { code: 'TOOL_INPUT_INVALID' } });
  });

  it('update: renames, moves (with its contents), refuses cycles and name clashes, skips no-ops', async () => {
    expect(await plan('update', { folder: 'Archive', name: 'Old Reports' })).toMatchObject({ changes: [{ action: 'update', detail: 'rename "Archive" → "Old Reports"' }] });
    expect(output(await run('update', { folder: 'Archive', name: 'Old Reports' }))).toMatchObject({ changed: true, folder: { name: 'Old Reports', path: 'Old Reports' } });
    expect(output(await run('update', { folder: 'Sales/Deep Dives', parent: 'Finance' }))).toMatchObject({ changed: true, folder: { path: 'Finance/Deep Dives' } });
    expect(await paths()).toEqual(['Finance', 'Finance/Deep Dives', 'Old Reports', 'Sales']);
    expect(output(await run('update', { folder: 'Finance/Deep Dives', parent: null }))).toMatchObject({ folder: { path: 'Deep Dives' } });
    const before = sim.snapshot();
    expect(await run('update', { folder: 'Finance', parent: 'Finance' })).toMatchObject({ ok: false, error: { code: 'FOLDER_CYCLE' } });
    expect(await run('update', { folder: 'Finance', name: 'Sales' })).toMatchObject({ ok: false, error: { code: 'FOLDER_EXISTS' } });
    expect(await plan('update', { folder: 'Finance', name: 'Finance' })).toMatchObject({ wouldChange: false, changes: [{ action: 'skip' }] });
    expect(await run('update', { folder: 'Finance' })).toMatchObject({ ok: false, error: { code: 'TOOL_INPUT_INVALID' } });
    expect(sim.snapshot()).toBe(before);
  });

  it('a folder name used twice is AMBIGUOUS, listing the paths; a path picks one', async () => {
    await run('create', { name: 'Deep Dives', parent: 'Finance' });
    expect(await run('delete', { folder: 'Deep Dives' })).toMatchObject({ ok: false, error: { code: 'AMBIGUOUS', detail: { candidates: [{ name: 'Sales/Deep Dives' }, { name: 'Finance/Deep Dives' }] } } });
    expect(output(await run('delete', { folder: 'Finance/Deep Dives' }))).toMatchObject({ deleted: true, folders: ['Finance/Deep Dives'], dashboards: [] });
  });

  it('delete: the plan lists every folder and dashboard that goes; then they are gone; then it skips', async () => {
    const p = await plan('delete', { folder: 'Sales' });
    expect(p.changes.map((c) => [c.action, c.target.replace(/ [0-9a-f]{24} /, ' ')])).toEqual([
      ['delete', 'folder "Sales"'],
      ['delete', 'folder "Sales/Deep Dives"'],
      ['delete', 'dashboard "_drill Order Detail"'],
      ['delete', 'dashboard "Sales Deep Dive"'],
    ]);
    expect(output(await run('delete', { folder: 'Sales' }))).toMatchObject({ deleted: true, folders: ['Sales', 'Sales/Deep Dives'], dashboards: [{ title: '_drill Order Detail' }, { title: 'Sales Deep Dive' }] });
    expect(await paths()).toEqual(['Archive', 'Finance']);
    expect(sim.state.dashboards.map((d) => d.title)).not.toContain('Sales Deep Dive');
    expect(await plan('delete', { folder: 'Sales' })).toMatchObject({ wouldChange: false, changes: [{ action: 'skip', detail: 'no such folder' }] });
    expect(output(await run('delete', { folder: 'Sales' }))).toEqual({ deleted: false, folders: [], dashboards: [] });
  });
});

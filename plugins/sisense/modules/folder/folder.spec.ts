import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { TestHost } from '../../../../src/plugins/test-host.js';
import { startSisenseSim, type SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import { hostOn, outputOf as output, planOf, target } from '../../sisense.test-kit.js';

describe('sisense.folder', () => {
  let sim: SisenseSim;
  let host: TestHost;
  const run = (id: string, input: object) => host.invoker.invoke(`sisense.folder.${id}`, input, target);
  const plan = (id: string, input: object) => planOf(host, sim, `sisense.folder.${id}`, input);
  const paths = async () => output(await run('list', {})).folders.map((f: { path: string }) => f.path);
  const folder = (name: string) => sim.state.folders.find((f) => f.name === name);
  beforeEach(async () => {
    sim = await startSisenseSim({ seed: 'source' });
    host = await hostOn(sim);
  });
  afterEach(() => sim.close());

  /** Folder paths and dashboard counts, as the seed holds them. */
  const expectedPaths = () => {
    const byOid = new Map(sim.state.folders.map((f) => [f.oid, f]));
    const pathOf = (f: { name: string; parentId: string | null }): string => (f.parentId && byOid.has(f.parentId) ? `${pathOf(byOid.get(f.parentId)!)}/${f.name}` : f.name);
    return sim.state.folders.map((f) => ({ oid: f.oid, path: pathOf(f) })).sort((a, b) => a.path.localeCompare(b.path));
  };
  const inFolder = (oid: string) => sim.state.dashboards.filter((d) => d.parentFolder === oid).map((d) => d.title).sort((a, b) => a.localeCompare(b));

  it('list: flat with paths and dashboard counts, or a tree with dashboards', async () => {
    const flat = output(await run('list', {}));
    expect(flat.folders.map((f: { path: string; dashboards: number }) => [f.path, f.dashboards])).toEqual(expectedPaths().map((f) => [f.path, inFolder(f.oid).length]));
    expect(flat.folders.find((f: { path: string }) => f.path === 'Sales/Deep Dives')).toMatchObject({ name: 'Deep Dives', parentId: folder('Sales')?.oid, ownerId: expect.any(String) });
    const tree = output(await run('list', { structure: 'tree' }));
    const sales = tree.tree.find((n: { name: string }) => n.name === 'Sales');
    expect(sales).toMatchObject({ path: 'Sales', folders: [{ name: 'Deep Dives', path: 'Sales/Deep Dives', folders: [{ name: 'Regional', path: 'Sales/Deep Dives/Regional' }] }] });
    expect(sales.dashboards.map((d: { title: string }) => d.title).sort((a: string, b: string) => a.localeCompare(b))).toEqual(inFolder(folder('Sales')!.oid));
    const known = new Set(sim.state.folders.map((f) => f.oid));
    const atRoot = sim.state.dashboards.filter((d) => !d.parentFolder || !known.has(d.parentFolder as string)).map((d) => d.title).sort();
    expect(tree.rootDashboards.map((d: { title: string }) => d.title).sort()).toEqual(atRoot);
  });

  it('create: plans, creates (at the root or in a parent), then skips an existing one', async () => {
    expect(await plan('create', { name: 'Yearly', parent: 'Finance' })).toMatchObject({ changes: [{ action: 'create', target: 'folder "Finance/Yearly"' }] });
    const made = output(await run('create', { name: 'Yearly', parent: 'Finance' }));
    expect(made).toEqual({ created: true, folder: { oid: expect.any(String), name: 'Yearly', path: 'Finance/Yearly' } });
    expect(folder('Yearly')?.parentId).toBe(folder('Finance')?.oid);
    expect(output(await run('create', { name: 'Yearly', parent: 'Finance' }))).toEqual({ ...made, created: false });
    expect(await plan('create', { name: 'Yearly', parent: 'Finance' })).toMatchObject({ wouldChange: false });
    expect(output(await run('create', { name: 'Ops' }))).toMatchObject({ created: true, folder: { path: 'Ops' } });
    expect(await plan('create', { name: 'X', parent: 'Nowhere' })).toMatchObject({ wouldFail: true });
    expect(await run('create', { name: 'a/b' })).toMatchObject({ ok: false, error: { code: 'TOOL_INPUT_INVALID' } });
  });

  it('update: renames, moves (with its contents), refuses cycles and name clashes, skips no-ops', async () => {
    expect(await plan('update', { folder: 'Archive', name: 'Old Reports' })).toMatchObject({ changes: [{ action: 'update', detail: 'rename "Archive" → "Old Reports"' }] });
    expect(output(await run('update', { folder: 'Archive', name: 'Old Reports' }))).toMatchObject({ changed: true, folder: { name: 'Old Reports', path: 'Old Reports' } });
    expect(output(await run('update', { folder: 'Sales/Deep Dives', parent: 'Finance' }))).toMatchObject({ changed: true, folder: { path: 'Finance/Deep Dives' } });
    expect(await paths()).toEqual(expect.arrayContaining(['Finance', 'Finance/Deep Dives', 'Finance/Deep Dives/Regional', 'Old Reports', 'Sales']));
    expect(await paths()).not.toContain('Sales/Deep Dives');
    expect(await run('update', { folder: 'Finance/Deep Dives', parent: null })).toMatchObject({ ok: false, error: { code: 'TOOL_INPUT_INVALID', message: expect.stringContaining('parent: must be a string') } });
    expect(output(await run('update', { folder: 'Finance/Deep Dives', parent: '/' }))).toMatchObject({ folder: { path: 'Deep Dives' } });
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
    const doomedFolders = expectedPaths().filter((f) => f.path === 'Sales' || f.path.startsWith('Sales/'));
    const doomed = sim.state.dashboards.filter((d) => doomedFolders.some((f) => f.oid === d.parentFolder)).map((d) => d.title).sort((a, b) => a.localeCompare(b));
    expect(doomed.length).toBeGreaterThan(0);
    const p = await plan('delete', { folder: 'Sales' });
    expect(p.changes.map((c) => [c.action, c.target.replace(/ [0-9a-f]{24} /, ' ')])).toEqual([
      ...doomedFolders.map((f) => ['delete', `folder "${f.path}"`]),
      ...doomed.map((t) => ['delete', `dashboard "${t}"`]),
    ]);
    expect(output(await run('delete', { folder: 'Sales' }))).toMatchObject({ deleted: true, folders: doomedFolders.map((f) => f.path), dashboards: doomed.map((title) => ({ title })) });
    expect((await paths()).filter((x: string) => x === 'Sales' || x.startsWith('Sales/'))).toEqual([]);
    expect(sim.state.dashboards.map((d) => d.title)).not.toContain('Sales Deep Dive');
    expect(await plan('delete', { folder: 'Sales' })).toMatchObject({ wouldChange: false, changes: [{ action: 'skip', detail: 'no such folder' }] });
    expect(output(await run('delete', { folder: 'Sales' }))).toEqual({ deleted: false, folders: [], dashboards: [] });
  });
});

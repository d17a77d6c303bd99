import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { TestHost } from '../../../../src/plugins/test-host.js';
import { PLANTED } from '../../../../test/sisense-sim/seed/planted.js';
import { startSisenseSim, type SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import { hostOn, outputOf as output, target } from '../../sisense.test-kit.js';

describe('sisense.folder: owner, ancestors, navver, root folders', () => {
  let sim: SisenseSim;
  let host: TestHost;
  const run = (id: string, input: object) => host.invoker.invoke(`sisense.folder.${id}`, input, target);
  const folder = (name: string) => sim.state.folders.find((f) => f.name === name)!;
  const user = (email: string) => sim.state.users.find((u) => u.email === email)!;
  beforeEach(async () => {
    sim = await startSisenseSim({ seed: 'source' });
    host = await hostOn(sim, { maxRetries: 0 });
  });
  afterEach(() => sim.close());

  it('owner: one folder, or the whole tree below it; read back; an inactive user is refused', async () => {
    const dana = user('dana.designer@acme.test');
    const planned = await host.invoker.invoke('sisense.folder.owner', { folder: 'Sales', owner: dana.email, subfolders: true }, { ...target, mode: 'plan' });
    expect(planned).toMatchObject({ ok: true, plan: { changes: expect.arrayContaining([expect.objectContaining({ target: expect.stringContaining('"Sales/Deep Dives/Regional"') })]) } });
    const r = output(await run('owner', { folder: 'Sales', owner: dana.email, subfolders: true }));
    expect(r.folders.map((f: { path: string }) => f.path)).toEqual(['Sales', 'Sales/Deep Dives', 'Sales/Deep Dives/Regional']);
    for (const name of ['Sales', 'Deep Dives', 'Regional']) expect(folder(name).owner).toBe(dana._id);
    expect(folder('Finance').owner).not.toBe(dana._id);
    expect(output(await run('owner', { folder: 'Sales', owner: dana.email }))).toMatchObject({ changed: 0, unchanged: 1 });
    expect(await run('owner', { folder: 'Finance', owner: PLANTED.users.inactive })).toMatchObject({ ok: false, error: { code: 'OWNER_REFUSED' } });
  });

  it('ancestors: root first, depth', async () => {
    expect(output(await run('ancestors', { folder: 'Regional' }))).toMatchObject({ folder: { path: 'Sales/Deep Dives/Regional' }, depth: 2, ancestors: [{ name: 'Sales', path: 'Sales' }, { name: 'Deep Dives', path: 'Sales/Deep Dives' }] });
    expect(output(await run('ancestors', { folder: 'Finance' }))).toMatchObject({ depth: 0, ancestors: [] });
  });

  it('navver: the navigation tree the token user sees, flattened by path, each visible dashboard once', async () => {
    const admin = user('admin@acme.test');
    // Make the nested dashboards visible to the token's user (navver shows what this user is shown, not every dashboard).
    for (const title of Object.keys(PLANTED.dashboards.nested)) sim.state.dashboards.find((d) => d.title === title)!.owner = admin._id;
    const r = output(await run('navver', {}));
    const paths = r.folders.map((f: { path: string }) => f.path);
    for (const [title, chain] of Object.entries(PLANTED.dashboards.nested)) {
      const at = r.folders.find((f: { path: string }) => f.path === chain.join('/'));
      expect(at?.dashboards.map((d: { title: string }) => d.title)).toContain(title);
    }
    expect(paths).toEqual(expect.arrayContaining([...PLANTED.folders.roots]));
    expect(r.dashboards).toBe(sim.state.dashboards.filter((d) => sim.visibleTo(admin._id, d.oid)).length);
    expect(sim.requests.some((q) => q.path === '/api/v1/navver')).toBe(true);
  });

  it('create at the root and move to the root send no JSON null (Sisense refuses null in folder payloads)', async () => {
    const made = output(await host.invoker.invoke('sisense.folder.create', { name: 'Top Level' }, target));
    expect(made).toMatchObject({ folder: { path: 'Top Level' } });
    const moved = await run('update', { folder: 'Sales/Deep Dives', parent: '/' });
    expect(moved).toMatchObject({ ok: true, output: { changed: true, folder: { path: 'Deep Dives' } } });
    expect(folder('Deep Dives').parentId || null).toBeNull();
  });
});

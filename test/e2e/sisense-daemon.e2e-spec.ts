/**
 * The Sisense plugin end to end through the daemon: runs of the shipped playbooks (playbooks/sisense) started over
 * REST, followed by polling and SSE, their write steps approved by a second person, against simulated tenants
 * (test/sisense-sim). Each scenario gets a fresh target tenant; one source tenant serves them all and is only read.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { readSse, type SseMessage } from '../helpers/sse.js';
import { PLANTED } from '../sisense-sim/seed/planted.js';
import { startSisenseSim, type SisenseSim } from '../sisense-sim/sisense-sim.js';
import type { JsonObject, SimDashboard } from '../sisense-sim/sim.types.js';

const TERMINAL = ['succeeded', 'failed', 'cancelled', 'rejected', 'expired'];
/** A token the `bad` environment sends: must never show up in anything the daemon says or logs. */
const WRONG_TOKEN = 'wrong-sisense-token-7f3a9c1e5b2d4a60';
const CLIENT = '{ maxRetries: 1, retryBaseMs: 5, retryMaxMs: 10 }';
const envYaml = (sim: SisenseSim, token = sim.token) => `{ kind: sisense, url: "${sim.url}", token: "${token}", options: ${CLIENT} }`;
/** The target has no "Draft Targets" CSV connection (the draft model's): its dataset goes to "Sample Brand". */
const DRAFT_CONNECTION = { 'Draft Targets': 'Sample Brand' };

/** Run, step, approval and report views: plain JSON. */
type Json = any;

interface Driven {
  run: Json;
  approvals: Json[];
}

describe('sisense through the daemon: shipped playbooks over REST + SSE with approvals, a source and a target tenant per scenario', () => {
  let src: SisenseSim;
  /** One fresh target per scenario. */
  const dst: Record<'actions' | 'models' | 'fault' | 'dry' | 'copy', SisenseSim> = {} as never;
  let d: TestDaemon;
  let srcBefore: string;
  /** Run ids the "fixed after this suite found them" tests look at again. */
  const ran: Record<string, string> = {};

  beforeAll(async () => {
    src = await startSisenseSim({ seed: 'source' });
    srcBefore = src.snapshot();
    for (const name of ['actions', 'models', 'fault', 'dry', 'copy'] as const) dst[name] = await startSisenseSim({ seed: 'target' });
    const environments = [
      `  src: ${envYaml(src)}`,
      ...Object.entries(dst).map(([name, sim]) => `  dst-${name}: ${envYaml(sim)}`),
      `  bad: ${envYaml(src, WRONG_TOKEN)}`,
    ];
    d = await startTestDaemon(configYaml(`environments:\n${environments.join('\n')}\n`));
  }, 60000);

  afterAll(async () => {
    await d?.close();
    await Promise.all([src?.close(), ...Object.values(dst).map((s) => s.close())]);
  });

  // ---- helpers over the API --------------------------------------------------------------------------------------

  const getJson = async (path: string): Promise<Json> => (await request(d.url).get(path).set('Authorization', bearer('viewer')).expect(200)).body;

  async function start(playbook: string, inputs: object, environments: Record<string, string>, dryRun = false): Promise<string> {
    const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook, inputs, environments, ...(dryRun && { dryRun }) });
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 202, body: { state: 'queued' } });
    return res.body.id as string;
  }

  /** Polls the run; every approval it waits for is approved by the approver (the operator asked for the run). */
  async function drive(id: string, timeoutMs = 60000): Promise<Driven> {
    const approvals: Json[] = [];
    const until = Date.now() + timeoutMs;
    for (;;) {
      const run = await getJson(`/runs/${id}`);
      if (TERMINAL.includes(run.state)) return { run, approvals };
      if (run.state === 'awaiting_approval') {
        for (const a of (await getJson(`/approvals?runId=${id}&status=pending`)).approvals) {
          approvals.push(a);
          const decided = await request(d.url).post(`/approvals/${a.id}`).set('Authorization', bearer('approver')).send({ decision: 'approve', comment: `looked at ${a.stepKey}` });
          expect(decided.status).toBe(200);
        }
      }
      if (Date.now() > until) throw new Error(`run ${id} is still ${run.state} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Starts the SSE stream of a run before driving it, so the whole run is seen live; resolves at run.finished. */
  function follow(id: string): Promise<SseMessage[]> {
    return readSse(`${d.url}/runs/${id}/events`, { Authorization: bearer('viewer') }, { until: (m) => m.event === 'run.finished', timeoutMs: 60000 }).then((r) => r.messages);
  }

  const report = (id: string): Promise<Json> => getJson(`/runs/${id}/report`);
  const markdown = async (id: string): Promise<string> => {
    const res = await request(d.url).get(`/runs/${id}/report?format=md`).set('Authorization', bearer('viewer')).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/markdown/);
    return res.text;
  };
  const step = (run: Json, key: string): Json => run.steps.find((s: Json) => s.key === key);
  const resultsOf = (s: Json): Record<string, Json> => Object.fromEntries((s.output.results as Json[]).map((r) => [`${r.kind}:${r.asset}`, r]));

  // ---- helpers over the simulators' state --------------------------------------------------------------------------

  const dashboards = (sim: SisenseSim, title: string) => sim.state.dashboards.filter((x) => x.title === title);
  const dashboard = (sim: SisenseSim, title: string) => {
    const all = dashboards(sim, title);
    expect({ title, count: all.length }).toEqual({ title, count: 1 });
    return all[0];
  };
  const emailOf = (sim: SisenseSim, id: unknown) => sim.state.users.find((u) => u._id === id)?.email ?? `?${String(id)}`;
  const groupNameOf = (sim: SisenseSim, id: unknown) => sim.state.groups.find((g) => g._id === id)?.name ?? `?${String(id)}`;
  const userId = (sim: SisenseSim, email: string) => sim.state.users.find((u) => u.email === email)!._id;
  const groupId = (sim: SisenseSim, name: string) => sim.state.groups.find((g) => g.name === name)!._id;
  const model = (sim: SisenseSim, title: string) => sim.state.datamodels.find((m) => m.title === title)!;
  const connectionOid = (sim: SisenseSim, name: string) => sim.state.connections.find((c) => c.name === name)!.oid;
  /** A dashboard's shares by email / group name (ids differ per tenant), the owner's entry marked. */
  const namedShares = (sim: SisenseSim, x: SimDashboard) =>
    (x.shares as Array<{ shareId: string; type: string; rule?: string }>).map((s) => `${s.type} ${s.type === 'group' ? groupNameOf(sim, s.shareId) : emailOf(sim, s.shareId)} ${s.rule ?? 'owner'}`).sort();
  const folderPath = (sim: SisenseSim, oid: unknown): string => {
    const f = sim.state.folders.find((x) => x.oid === oid);
    return f ? [folderPath(sim, f.parentId), f.name].filter(Boolean).join('/') : '';
  };
  /** What must survive a migration: title, owner, shares, folder, widgets (by title) and data source. */
  const essentials = (sim: SisenseSim, x: SimDashboard) => ({
    title: x.title,
    owner: emailOf(sim, x.owner),
    shares: namedShares(sim, x),
    folder: folderPath(sim, x.parentFolder),
    widgets: (sim.state.widgets[x.oid] ?? []).map((w) => w.title),
    datasource: (x.datasource as { title: string }).title,
  });
  const jumpTargets = (sim: SisenseSim, x: SimDashboard) =>
    (sim.state.widgets[x.oid] ?? []).flatMap((w) => ((w.drillToDashboardConfig as { dashboardIds?: Array<{ id: string }> } | undefined)?.dashboardIds ?? []).map((j) => j.id));
  const writes = (sim: SisenseSim) => sim.requests.filter((r) => r.method !== 'GET');

  // ---- the scenarios -----------------------------------------------------------------------------------------------

  it('well-check of the source: every planted problem is a finding with its severity; read-only, no approval; stable fingerprints', async () => {
    const id = await start('sisense-wellcheck', {}, { target: 'src' });
    const [events, { run, approvals }] = await Promise.all([follow(id), drive(id)]);
    expect(run.state).toBe('succeeded');
    expect(approvals).toEqual([]);
    expect(run.steps.map((s: Json) => [s.key, s.state])).toEqual([['dashboards', 'succeeded'], ['datamodels', 'succeeded'], ['access', 'succeeded'], ['findings', 'succeeded']]);

    const oid = (title: string) => src.state.dashboards.find((x) => x.title === title)!.oid;
    const m = PLANTED.datamodels.retail;
    const planted = [
      `warning datamodel.island-table ${PLANTED.islandTable.model}/${PLANTED.islandTable.table}`,
      `error datamodel.many-to-many ${PLANTED.manyToMany.model}/${PLANTED.manyToMany.left[0]}-${PLANTED.manyToMany.right[0]}`,
      `warning datamodel.custom-table-union ${PLANTED.customUnionTable.model}/${PLANTED.customUnionTable.table}`,
      `warning datamodel.import-query ${PLANTED.importQuery.model}/${PLANTED.importQuery.table}`,
      ...PLANTED.unusedColumns.map((c) => `info datamodel.unused-column ${c.model}/${c.table}.${c.column}`),
      `warning datamodel.rls-datatype ${PLANTED.rlsTextColumn.model}/${PLANTED.rlsTextColumn.table}.${PLANTED.rlsTextColumn.column}`,
      `warning datamodel.never-built ${PLANTED.datamodels.unbuilt}`,
      `warning dashboard.empty ${oid(PLANTED.dashboards.empty)}`,
      `error dashboard.datasource-missing ${oid(PLANTED.dashboards.brokenDatasource)}`,
      `warning dashboard.scripts ${oid(PLANTED.dashboards.plugins)}`,
      `info dashboard.structure ${oid(PLANTED.dashboards.plugins)}`,
      `warning access.inactive-owner ${oid(PLANTED.dashboards.inactiveOwner)}`,
      `warning access.inactive-recipient ${oid('Finance KPIs')}/user:${PLANTED.users.inactive}`,
    ];
    const r = await report(id);
    // A run finding carries the tool's check id in `check` (e.g. datamodel.island-table) and the tool's asset in `asset`.
    const found = (r.findings as Json[]).map((f) => `${f.severity} ${f.check} ${f.asset}`);
    expect(found).toEqual(expect.arrayContaining(planted));
    for (const f of r.findings as Json[]) expect(f).toMatchObject({ check: expect.stringMatching(/^(dashboard|datamodel|access)\.[a-z-]+$/), environment: 'src', fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(found.filter((f) => f.includes('dashboard.unreadable'))).toEqual([]);
    expect(new Set((r.findings as Json[]).map((f) => f.fingerprint)).size).toBe(r.findings.length);
    expect(r.findings.find((f: Json) => f.check === 'dashboard.datasource-missing').message).toBe(`dashboard "${PLANTED.dashboards.brokenDatasource}" uses "Legacy Cube", which the deployment does not have`);
    expect(r.findings.find((f: Json) => f.check === 'datamodel.many-to-many' && f.asset === `${m}/Orders-Promotions`).message).toMatch(/many-to-many/);
    expect(r.summary).toMatchObject({ steps: 4, succeeded: 4, failed: 0, findings: r.findings.length });
    // The errors: the missing model, the many-to-many join, and the jump to a dashboard that does not exist (a commented-out jump is none).
    expect(found.filter((f) => f.startsWith('error ')).sort()).toEqual([`error dashboard.datasource-missing ${oid(PLANTED.dashboards.brokenDatasource)}`, `error dashboard.jump-target-missing ${oid('Campaign Tracker 04')}`, `error datamodel.many-to-many ${m}/Orders-Promotions`]);
    expect(r.summary.findingsBySeverity).toMatchObject({ error: 3 });
    expect(run.outputs).toEqual({ dashboardsChecked: PLANTED.counts.dashboards, datamodelsChecked: 4, findings: r.findings.length, errors: r.summary.findingsBySeverity.error });

    // Live over SSE: one `finding` event per recorded finding, then run.finished.
    const live = events.filter((e) => e.event === 'finding').map((e) => e.data.data);
    expect(live.map((f) => f.fingerprint).sort()).toEqual((r.findings as Json[]).map((f) => f.fingerprint).sort());
    expect(events.at(-1)).toMatchObject({ event: 'run.finished', data: { data: { state: 'succeeded' } } });

    const md = await markdown(id);
    expect(md).toContain(`# Run ${id}: sisense-wellcheck — succeeded`);
    expect(md).toContain(`### error (${r.summary.findingsBySeverity.error})`);
    expect(md).toContain(`- dashboard.datasource-missing — ${oid(PLANTED.dashboards.brokenDatasource)}: dashboard "Orphaned Report" uses "Legacy Cube"`);

    // The same deployment checked again: the same fingerprints, nothing new, nothing resolved.
    const again = await start('sisense-wellcheck', {}, { target: 'src' });
    expect((await drive(again)).run.state).toBe('succeeded');
    const diff = await getJson(`/runs/${again}/findings-diff`);
    expect(diff).toMatchObject({ baselineRunId: id, complete: true, new: [], resolved: [] });
    expect(diff.open).toHaveLength(r.findings.length);
    const open = await getJson('/findings?playbook=sisense-wellcheck&environment=src&state=open');
    expect(open.findings.map((f: Json) => f.fingerprint).sort()).toEqual((r.findings as Json[]).map((f) => f.fingerprint).sort());

    expect(src.snapshot()).toBe(srcBefore);
    expect(writes(src)).toEqual([]);
  }, 60000);

  describe('migrate-dashboards: each action on one target', () => {
    const SELECTED = ['Sales Deep Dive', 'ECommerce Overview'];
    /** Sales Deep Dive jumps to "_drill Order Detail": the drill target comes along. */
    const MIGRATED = ['Sales Deep Dive', 'ECommerce Overview', '_drill Order Detail'];

    it('skip: four approvals showing their plans; groups, users, the missing model and the dashboards land with owners, shares and folders', async () => {
      const t = dst.actions;
      const clashBefore = JSON.stringify(model(t, 'Sample ECommerce'));
      const homeBefore = JSON.stringify(dashboard(t, 'Target Home'));
      const id = await start('sisense-migrate-dashboards', { dashboards: SELECTED }, { source: 'src', target: 'dst-actions' });
      ran.skip = id;
      const [events, { run, approvals }] = await Promise.all([follow(id), drive(id)]);
      expect(run).toMatchObject({ state: 'succeeded', requestedBy: 'operator' });

      // One approval per write step, in order, each previewing its dry-run plan.
      expect(approvals.map((a) => [a.stepKey, a.tool, a.requestedBy, a.environments])).toEqual(
        ['groups', 'users', 'datamodels', 'dashboards'].map((k) => [k, `sisense.migration.${k}`, 'operator', { source: 'src', target: 'dst-actions' }]),
      );
      expect(approvals.map((a) => a.plan.summary)).toEqual([
        'migrate groups: 2 create, 1 skip',
        'migrate users: 2 skip, 2 create',
        'migrate data models: 1 create, 1 skip',
        'migrate dashboards: 4 create',
      ]);
      expect(approvals[3].plan.changes).toEqual(
        expect.arrayContaining([{ action: 'create', target: 'folder "Sales/Deep Dives"' }, ...MIGRATED.map((title) => ({ action: 'create', target: `dashboard ${dashboard(src, title).oid} "${title}"` }))]),
      );

      // Per-asset results in each step's output.
      expect(resultsOf(step(run, 'groups'))).toMatchObject({
        'group:Data Team': { action: 'create', status: 'succeeded', targetId: groupId(t, 'Data Team') },
        'group:EMEA Analysts': { action: 'create', status: 'succeeded', targetId: groupId(t, 'EMEA Analysts') },
        'group:Sales': { action: 'skip', status: 'skipped', reason: 'already in the target' },
      });
      expect(resultsOf(step(run, 'users'))).toMatchObject({
        'user:admin@acme.test': { status: 'skipped' },
        'user:dana.designer@acme.test': { status: 'skipped' },
        'user:dora.data@acme.test': { action: 'create', status: 'succeeded', targetId: userId(t, 'dora.data@acme.test') },
        'user:vic.viewer@acme.test': { action: 'create', status: 'succeeded', targetId: userId(t, 'vic.viewer@acme.test') },
      });
      expect(resultsOf(step(run, 'datamodels'))).toMatchObject({
        'datamodel:Retail Sales': { action: 'create', status: 'succeeded', targetId: model(t, 'Retail Sales').oid },
        'datamodel:Sample ECommerce': { action: 'skip', status: 'skipped', reason: 'a data model with this title is in the target already', targetId: model(t, 'Sample ECommerce').oid },
      });
      const dashResults = resultsOf(step(run, 'dashboards'));
      for (const title of MIGRATED) expect(dashResults[`dashboard:${title}`]).toEqual({ kind: 'dashboard', asset: title, action: 'create', status: 'succeeded', sourceId: dashboard(src, title).oid, targetId: dashboard(src, title).oid });
      expect(dashResults['folder:Sales/Deep Dives']).toMatchObject({ action: 'create', status: 'succeeded' });
      expect(run.outputs).toEqual({
        dashboards: MIGRATED,
        datamodels: ['Retail Sales', 'Sample ECommerce'],
        users: ['admin@acme.test', 'dana.designer@acme.test', 'dora.data@acme.test', 'vic.viewer@acme.test'],
        groups: ['Data Team', 'EMEA Analysts', 'Sales'],
        notes: [],
        migrated: { succeeded: 4, skipped: 0, failed: 0 },
      });

      // The target: same oids, owners (by email), shares (by email / group name), folders, widgets, data source.
      for (const title of MIGRATED) {
        const there = dashboard(t, title);
        expect(there.oid).toBe(dashboard(src, title).oid);
        expect(essentials(t, there)).toEqual(essentials(src, dashboard(src, title)));
        expect(t.state.published[there.oid]).toBeDefined();
      }
      expect(jumpTargets(t, dashboard(t, 'Sales Deep Dive'))).toEqual([dashboard(t, '_drill Order Detail').oid]);
      // Users with their role and groups by name; the title clash left the target's own model alone.
      const vic = t.state.users.find((u) => u.email === 'vic.viewer@acme.test')!;
      expect(t.state.roles.find((r) => r._id === vic.roleId)!.name).toBe('consumer');
      expect(vic.groups.map((g) => groupNameOf(t, g))).toEqual(['Sales']);
      expect(JSON.stringify(model(t, 'Sample ECommerce'))).toBe(clashBefore);
      expect(JSON.stringify(dashboard(t, 'Target Home'))).toBe(homeBefore);
      expect(model(t, 'Retail Sales').datasets).toEqual([expect.objectContaining({ connection: expect.objectContaining({ oid: connectionOid(t, 'Warehouse (PostgreSQL)') }) })]);

      // The report: every step, every approval with its decision, every action done.
      const r = await report(id);
      expect(r.summary).toMatchObject({ steps: 5, succeeded: 5, failed: 0, skipped: 0 });
      expect(r.actions.done.map((a: Json) => a.key)).toEqual(['needs', 'groups', 'users', 'datamodels', 'dashboards']);
      expect(r.approvals.map((a: Json) => [a.stepKey, a.status, a.decisions.map((x: Json) => [x.by, x.decision])])).toEqual(
        ['groups', 'users', 'datamodels', 'dashboards'].map((k) => [k, 'consumed', [['approver', 'approve']]]),
      );
      const md = await markdown(id);
      expect(md).toContain(`# Run ${id}: sisense-migrate-dashboards — succeeded`);
      expect(md.match(/approve by \*\*approver\*\*/g)).toHaveLength(4);
      expect(md).toContain('- done: dashboards (sisense.migration.dashboards, write)');

      // SSE saw the approvals and the migration's progress as it happened.
      const names = events.map((e) => e.event);
      expect(names.filter((n) => n === 'approval.requested')).toHaveLength(4);
      expect(names.filter((n) => n === 'approval.decided')).toHaveLength(4);
      expect(events.filter((e) => e.event === 'step.progress' && e.data.stepKey === 'dashboards').map((e) => e.data.data.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^dashboards: batch \d of \d imported$/)]));
      expect(events.at(-1)).toMatchObject({ event: 'run.finished', data: { data: { state: 'succeeded' } } });
    }, 60000);

    it('overwrite: the dashboards changed in the target are replaced in place (title, owner, shares back); the clashing model overwritten keeps its oid', async () => {
      const t = dst.actions;
      const deep = dashboard(t, 'Sales Deep Dive');
      deep.title = 'Renamed in the target';
      deep.shares = [{ shareId: userId(t, 'admin@acme.test'), type: 'user' }];
      deep.owner = deep.userId = userId(t, 'admin@acme.test');
      t.state.widgets[deep.oid] = t.state.widgets[deep.oid].slice(0, 1);
      const clashOid = model(t, 'Sample ECommerce').oid;
      const counts = { dashboards: t.state.dashboards.length, models: t.state.datamodels.length };

      const id = await start('sisense-migrate-dashboards', { dashboards: SELECTED, action: 'overwrite', datamodelAction: 'overwrite' }, { source: 'src', target: 'dst-actions' });
      const { run, approvals } = await drive(id);
      expect(run.state).toBe('succeeded');
      const plans = Object.fromEntries(approvals.map((a) => [a.stepKey, a.plan]));
      expect(plans.dashboards.summary).toBe('migrate dashboards: 3 update');
      expect(plans.dashboards.changes).toContainEqual({ action: 'update', target: `dashboard ${deep.oid} "Sales Deep Dive"`, detail: 'overwrite' });
      expect(plans.datamodels.summary).toBe('migrate data models: 2 update');

      const results = resultsOf(step(run, 'dashboards'));
      for (const title of MIGRATED) expect(results[`dashboard:${title}`]).toMatchObject({ action: 'overwrite', status: 'succeeded', targetId: dashboard(src, title).oid });
      expect(resultsOf(step(run, 'datamodels'))).toMatchObject({
        'datamodel:Sample ECommerce': { action: 'overwrite', status: 'succeeded', targetId: clashOid },
        'datamodel:Retail Sales': { action: 'overwrite', status: 'succeeded' },
      });
      expect({ dashboards: t.state.dashboards.length, models: t.state.datamodels.length }).toEqual(counts);
      expect(dashboards(t, 'Renamed in the target')).toEqual([]);
      for (const title of MIGRATED) expect(essentials(t, dashboard(t, title))).toEqual(essentials(src, dashboard(src, title)));
      expect(dashboard(t, 'Sales Deep Dive').oid).toBe(deep.oid);
      // The overwritten model keeps the target's oid and now has the source's shares (by email / group name).
      const shares = (sim: SisenseSim, title: string) =>
        (model(sim, title).shares as Array<{ partyId: string; type: string; permission: string }>).map((s) => `${s.type} ${s.type === 'group' ? groupNameOf(sim, s.partyId) : emailOf(sim, s.partyId)} ${s.permission}`).sort();
      expect(model(t, 'Sample ECommerce').oid).toBe(clashOid);
      expect(shares(t, 'Sample ECommerce')).toEqual(shares(src, 'Sample ECommerce'));
    }, 60000);

    it('duplicate: copies beside the originals with their owners and shares; the copy jumps to the copied drill target', async () => {
      const t = dst.actions;
      const originals = new Set(t.state.dashboards.map((x) => x.oid));
      const id = await start('sisense-migrate-dashboards', { dashboards: ['Sales Deep Dive'], action: 'duplicate' }, { source: 'src', target: 'dst-actions' });
      const { run, approvals } = await drive(id);
      expect(run.state).toBe('succeeded');
      expect(approvals.find((a) => a.stepKey === 'dashboards').plan.summary).toBe('migrate dashboards: 2 create');
      const results = resultsOf(step(run, 'dashboards'));
      expect(results['dashboard:Sales Deep Dive']).toMatchObject({ action: 'duplicate', status: 'succeeded' });
      expect(results['dashboard:_drill Order Detail']).toMatchObject({ action: 'duplicate', status: 'succeeded' });
      // The groups, users and models were all there: skipped, written nothing.
      for (const key of ['groups', 'users', 'datamodels']) expect(step(run, key).output.summary).toMatchObject({ succeeded: 0, failed: 0 });

      for (const title of ['Sales Deep Dive', '_drill Order Detail']) {
        const all = dashboards(t, title);
        expect(all).toHaveLength(2);
        const copy = all.find((x) => !originals.has(x.oid))!;
        expect(copy.oid).toBe(results[`dashboard:${title}`].targetId);
        expect(essentials(t, copy)).toEqual(essentials(src, dashboard(src, title)));
      }
      const copy = t.state.dashboards.find((x) => x.oid === results['dashboard:Sales Deep Dive'].targetId)!;
      expect(jumpTargets(t, copy)).toEqual([results['dashboard:_drill Order Detail'].targetId]);
      const original = t.state.dashboards.find((x) => x.oid === dashboard(src, 'Sales Deep Dive').oid)!;
      expect(jumpTargets(t, original)).toEqual([dashboard(src, '_drill Order Detail').oid]);
    }, 60000);
  });

  it('migrate-everything: groups, users (existing ones updated), data models with mapped connections and a title clash duplicated, dashboards following the copy', async () => {
    const t = dst.models;
    // The target names its PostgreSQL connection differently: mapped by the input.
    const dwh = t.state.connections.find((c) => c.name === 'Warehouse (PostgreSQL)')!;
    dwh.name = 'DWH (PostgreSQL)';
    const connections = { 'Warehouse (PostgreSQL)': 'DWH (PostgreSQL)', ...DRAFT_CONNECTION };
    const clashBefore = JSON.stringify(model(t, 'Sample ECommerce'));

    const id = await start('sisense-migrate-everything', { action: 'duplicate', existingUsers: 'update', connections }, { source: 'src', target: 'dst-models' });
    const { run, approvals } = await drive(id);
    expect(run.state).toBe('succeeded');
    expect(approvals.map((a) => a.stepKey)).toEqual(['migrate']);
    const plan = approvals[0].plan;
    expect(plan.wouldFail).toBe(false);
    expect(plan.changes).toContainEqual({ action: 'create', target: `data model ${model(src, 'Sample ECommerce').oid} "Sample ECommerce"`, detail: 'duplicate; imported as "Sample ECommerce (copy)"' });

    const results = resultsOf(step(run, 'migrate'));
    // Groups: created by name, the target's own kept, system groups never migrated.
    for (const g of ['Finance', 'EMEA Analysts', 'Data Team']) expect(results[`group:${g}`]).toMatchObject({ action: 'create', status: 'succeeded', targetId: groupId(t, g) });
    expect(results['group:Sales']).toMatchObject({ action: 'skip', status: 'skipped', targetId: groupId(t, 'Sales') });
    expect(Object.keys(results).filter((k) => /^group:(Admins|Everyone|All users in system)$/.test(k))).toEqual([]);
    const groupNames = t.state.groups.map((g) => g.name);
    expect(groupNames.length).toBe(new Set(groupNames).size);
    // Users: created with role and groups by name; the inactive one left out; existing ones updated.
    expect(results['user:ian.inactive@acme.test']).toMatchObject({ action: 'skip', status: 'skipped', reason: expect.stringMatching(/inactive/) });
    expect(results['user:dana.designer@acme.test']).toMatchObject({ action: 'update', status: 'succeeded' });
    const access = (sim: SisenseSim, email: string) => {
      const u = sim.state.users.find((x) => x.email === email)!;
      return { role: sim.state.roles.find((r) => r._id === u.roleId)!.name, groups: u.groups.map((g) => groupNameOf(sim, g)).sort(), name: `${u.firstName} ${u.lastName}`, active: u.active };
    };
    for (const u of src.state.users.filter((x) => x.active)) expect({ email: u.email, ...access(t, u.email) }).toEqual({ email: u.email, ...access(src, u.email) });
    expect(t.state.users.some((u) => u.email === PLANTED.users.inactive)).toBe(false);

    // Data models: the clash duplicated beside the target's own (untouched), connections pointed at the target's.
    expect(results['datamodel:Sample ECommerce']).toMatchObject({ action: 'duplicate', status: 'succeeded', targetTitle: 'Sample ECommerce (copy)', targetId: model(t, 'Sample ECommerce (copy)').oid });
    expect(t.state.datamodels.map((x) => x.title).sort()).toEqual(['Live Sales', 'Retail Sales', 'Sample ECommerce', 'Sample ECommerce (copy)', 'Unbuilt Draft']);
    expect(JSON.stringify(model(t, 'Sample ECommerce'))).toBe(clashBefore);
    const connOids = (title: string) => (model(t, title).datasets as JsonObject[]).map((ds) => (ds.connection as { oid: string }).oid);
    expect(connOids('Retail Sales')).toEqual([dwh.oid]);
    expect(connOids('Unbuilt Draft')).toEqual([connectionOid(t, 'Sample Brand')]);
    expect(connOids('Live Sales')).toEqual([connectionOid(t, 'Snowflake Analytics')]);
    expect(connOids('Sample ECommerce (copy)')).toEqual(['Country', 'Commerce', 'Category', 'Brand'].map((n) => connectionOid(t, `Sample ${n}`)));
    // Data security follows, with the group as the target knows it.
    const rules = t.state.dataSecurity.filter((r) => r.elasticube === 'Retail Sales');
    expect(rules.flatMap((r) => (r.shares as Array<{ party: string | null; type: string }>).map((s) => (s.type === 'group' ? groupNameOf(t, s.party) : s.type))).sort()).toEqual(['EMEA Analysts', 'default']);

    // Dashboards: every source dashboard, with owner, shares and folder; those on the clashing model follow the copy.
    for (const x of src.state.dashboards) {
      const there = dashboard(t, x.title);
      expect(results[`dashboard:${x.title}`]).toMatchObject({ action: 'create', status: 'succeeded', targetId: x.oid });
      const want = essentials(src, x);
      expect(essentials(t, there)).toEqual(want.datasource === 'Sample ECommerce' ? { ...want, datasource: 'Sample ECommerce (copy)' } : want);
    }
    expect(t.state.widgets[dashboard(t, 'ECommerce Overview').oid].map((w) => (w.datasource as { title: string }).title)).toEqual(Array(8).fill('Sample ECommerce (copy)'));
    expect(run.outputs.summary).toEqual(step(run, 'migrate').output.summary);
    expect(run.outputs.summary.failed).toBe(0);

    // The read-only check afterwards: the one dashboard whose model exists nowhere is reported, nothing else.
    expect(step(run, 'verify').state).toBe('succeeded');
    const r = await report(id);
    expect(r.findings).toEqual([
      expect.objectContaining({
        check: 'sisense-migrate-everything/broken',
        severity: 'error',
        environment: 'dst-models,src',
        asset: `dashboard.datasource-missing ${dashboard(src, PLANTED.dashboards.brokenDatasource).oid}`,
        message: 'after the migration: dashboard "Orphaned Report" uses "Legacy Cube", which the deployment does not have',
      }),
    ]);
    expect(run.outputs.broken).toBe(1);
    expect(await markdown(id)).toMatch(/### error \(1\)\n\n- sisense-migrate-everything\/broken — dashboard\.datasource-missing [0-9a-f]{24}: after the migration: dashboard "Orphaned Report"/);
  }, 60000);

  it('a fault mid-migration: the failed dashboards are named, the others migrated, the step and the run fail, the report says so', async () => {
    const t = dst.fault;
    const finance = dashboard(src, 'Finance KPIs').oid;
    // The second bulk import (the level after the drill targets: Sales Deep Dive) fails, and Finance KPIs cannot be shared.
    t.faults.push({ method: 'POST', path: /import\/bulk/, status: 500, times: 1, after: 1 });
    t.faults.push({ method: 'POST', path: `/api/shares/dashboard/${finance}`, status: 500, times: 1 });

    const id = await start('sisense-migrate-everything', { connections: DRAFT_CONNECTION }, { source: 'src', target: 'dst-fault' });
    const [events, { run }] = await Promise.all([follow(id), drive(id)]);
    expect(run.state).toBe('failed');
    const migrate = step(run, 'migrate');
    expect(migrate).toMatchObject({ state: 'failed', error: { code: 'MIGRATION_PARTIAL' } });
    const message: string = migrate.error.message;
    expect(message).toMatch(/^2 of \d+ assets failed: /);
    expect(message).toContain('dashboard Sales Deep Dive: the bulk import failed: ');
    expect(message).toMatch(new RegExp(`dashboard Finance KPIs: imported as ${finance}, but sharing it failed: `));
    expect(run.reason).toBe(`step migrate failed: MIGRATION_PARTIAL: ${message}`);
    // The check after the migration never ran.
    expect(run.steps.map((s: Json) => s.key)).toEqual(['migrate']);

    // Everything before the fault was written: groups, users, models, the other dashboards.
    expect(t.state.dashboards.map((x) => x.title).sort()).toEqual(['ECommerce Overview', 'Empty Dashboard', 'Finance KPIs', 'Orphaned Report', 'Target Home', '_drill Order Detail']);
    expect(t.state.users.some((u) => u.email === 'fred.finance@acme.test')).toBe(true);
    expect(model(t, 'Retail Sales')).toBeDefined();
    // Finance KPIs is in, owned by its owner, but its share with Finance is missing: exactly what the message says.
    expect(namedShares(t, dashboard(t, 'Finance KPIs'))).not.toContain('group Finance view');
    expect(t.requests.filter((r) => r.status === 500).map((r) => `${r.method} ${r.path}`).sort()).toEqual([`POST /api/shares/dashboard/${finance}`, 'POST /api/v1/dashboards/import/bulk']);

    const r = await report(id);
    expect(r.run).toMatchObject({ state: 'failed', reason: run.reason });
    expect(r.summary).toMatchObject({ steps: 1, failed: 1 });
    expect(r.steps).toEqual([expect.objectContaining({ key: 'migrate', state: 'failed', error: expect.objectContaining({ code: 'MIGRATION_PARTIAL', message }) })]);
    expect(r.actions.failed.map((a: Json) => [a.key, a.tool])).toEqual([['migrate', 'sisense.migration.everything']]);
    ran.fault = id;
    const md = await markdown(id);
    expect(md).toContain(`# Run ${id}: sisense-migrate-everything — failed`);
    expect(md).toContain('| migrate | tool | failed (MIGRATION_PARTIAL) | sisense.migration.everything |');
    expect(md).toContain(`> ${run.reason}`);
    expect(events.find((e) => e.event === 'step.failed')).toMatchObject({ data: { data: { error: expect.objectContaining({ code: 'MIGRATION_PARTIAL', message }) } } });
    expect(events.at(-1)).toMatchObject({ event: 'run.finished', data: { data: { state: 'failed' } } });
  }, 60000);

  it('dry run: every write step only planned (migrate-everything: would_change), no approval asked, the target byte-for-byte unchanged', async () => {
    const t = dst.dry;
    const before = t.snapshot();

    const all = await start('sisense-migrate-everything', { connections: DRAFT_CONNECTION }, { source: 'src', target: 'dst-dry' }, true);
    const { run, approvals } = await drive(all);
    expect(run).toMatchObject({ state: 'succeeded', dryRun: true });
    expect(approvals).toEqual([]);
    const migrate = step(run, 'migrate');
    expect(migrate).toMatchObject({ state: 'succeeded', dryRun: 'would_change', output: null, plan: { wouldChange: true, wouldFail: false } });
    const creates = (migrate.plan.changes as Json[]).filter((c) => c.action === 'create').map((c) => c.target);
    for (const x of src.state.dashboards) expect(creates).toContain(`dashboard ${x.oid} "${x.title}"`);
    expect(creates).toEqual(expect.arrayContaining(['group "Finance"', 'user fred.finance@acme.test', `data model ${model(src, 'Retail Sales').oid} "Retail Sales"`]));
    const r = await report(all);
    expect(r.actions.done).toEqual([]);
    expect(r.actions.planned).toEqual([expect.objectContaining({ key: 'migrate', tool: 'sisense.migration.everything', outcome: 'would_change' })]);
    expect(await markdown(all)).toContain(`# Run ${all}: sisense-migrate-everything — succeeded (dry run)`);

    const some = await start('sisense-migrate-dashboards', { dashboards: ['Sales Deep Dive'] }, { source: 'src', target: 'dst-dry' }, true);
    const dry = await drive(some);
    expect(dry.run.state).toBe('succeeded');
    expect(dry.approvals).toEqual([]);
    expect(step(dry.run, 'needs')).toMatchObject({ state: 'succeeded', dryRun: null });
    expect(step(dry.run, 'groups')).toMatchObject({ state: 'succeeded', dryRun: 'would_change', output: null, plan: { summary: 'migrate groups: 2 create, 1 skip' } });
    // Every write step was asked for its plan and none ran (what the plans of the later steps say: see "fixed after this suite found them").
    for (const key of ['users', 'datamodels', 'dashboards']) expect(step(dry.run, key)).toMatchObject({ state: 'succeeded', dryRun: expect.stringMatching(/^(would_change|no_change)$/), output: null, plan: expect.any(Object) });
    ran.dryDashboards = some;

    expect(t.snapshot()).toBe(before);
    expect(writes(t)).toEqual([]);
  }, 60000);

  it('a wrong token: the run fails with SISENSE_UNAUTHORIZED, and the token appears in no report, event, approval or log line', async () => {
    const offboard = await start('sisense-offboard-user', { user: PLANTED.users.owner, transferTo: 'admin@acme.test' }, { target: 'bad' });
    const [events, { run }] = await Promise.all([follow(offboard), drive(offboard)]);
    expect(run.state).toBe('failed');
    expect(step(run, 'leaver')).toMatchObject({ state: 'failed', error: { code: 'SISENSE_UNAUTHORIZED', message: expect.stringContaining(`token rejected by ${src.url}`) } });
    expect(run.reason).toMatch(/^step leaver failed: SISENSE_UNAUTHORIZED: /);

    // A migration whose source refuses the token: the approval's preview says so; approved, the run fails the same way.
    const migrate = await start('sisense-migrate-everything', { connections: DRAFT_CONNECTION }, { source: 'bad', target: 'dst-dry' });
    const second = await drive(migrate);
    expect(second.run.state).toBe('failed');
    expect(step(second.run, 'migrate')).toMatchObject({ state: 'failed', error: { code: 'SISENSE_UNAUTHORIZED' } });
    expect(JSON.stringify(second.approvals)).toContain('SISENSE_UNAUTHORIZED');

    const seen = [
      JSON.stringify(run),
      JSON.stringify(second.run),
      JSON.stringify(events),
      JSON.stringify((await readSse(`${d.url}/runs/${migrate}/events`, { Authorization: bearer('viewer') })).messages),
      JSON.stringify(await report(offboard)),
      JSON.stringify(await report(migrate)),
      await markdown(offboard),
      await markdown(migrate),
      JSON.stringify(await getJson(`/approvals?runId=${migrate}`)),
      JSON.stringify((await request(d.url).get('/config').set('Authorization', bearer('admin')).expect(200)).body),
      d.logs.text,
    ];
    expect(seen.join('\n')).toContain('SISENSE_UNAUTHORIZED');
    for (const text of seen) expect(text).not.toContain(WRONG_TOKEN);
  }, 60000);

  it('no tenant token was ever logged or returned, and the source was only read', async () => {
    const tokens = [src, ...Object.values(dst)].flatMap((s) => Object.values(s.tokens));
    const config = JSON.stringify((await request(d.url).get('/config').set('Authorization', bearer('admin')).expect(200)).body);
    for (const token of tokens) {
      expect(d.logs.text).not.toContain(token);
      expect(config).not.toContain(token);
    }
    expect(src.snapshot()).toBe(srcBefore);
    expect(writes(src)).toEqual([]);
  });

  describe('fixed after this suite found them', () => {
    it('a failed step\'s error appears in full in the report\'s actions and in the Markdown (fixed: shared values were "[Circular]")', async () => {
      const r = await report(ran.fault);
      expect(r.steps[0].error.code).toBe('MIGRATION_PARTIAL');
      expect(r.actions.failed[0].error).toEqual(r.steps[0].error);
      expect(await markdown(ran.fault)).toMatch(/- failed: migrate \(sisense\.migration\.everything\): \S/);
    });

    it('a run that waited for approvals and succeeded has no leftover reason (fixed)', async () => {
      const run = await getJson(`/runs/${ran.skip}`);
      expect(run.state).toBe('succeeded');
      expect(run.reason).toBeNull();
    });

    it('a MIGRATION_PARTIAL keeps the per-asset results on the failed step (fixed: they were dropped)', async () => {
      const run = await getJson(`/runs/${ran.fault}`);
      const error = step(run, 'migrate').error;
      expect(error.code).toBe('MIGRATION_PARTIAL');
      expect(JSON.stringify(error.detail)).toContain('Sales Deep Dive');
    });

    it('migrate-dashboards with datamodelAction duplicate: the dashboards use the copy just imported, as migrate-everything does (fixed: they stayed on the target\'s own model)', async () => {
      const t = dst.copy;
      const id = await start('sisense-migrate-dashboards', { dashboards: ['ECommerce Overview'], datamodelAction: 'duplicate' }, { source: 'src', target: 'dst-copy' });
      const { run } = await drive(id);
      expect(run.state).toBe('succeeded');
      expect(resultsOf(step(run, 'datamodels'))['datamodel:Sample ECommerce']).toMatchObject({ action: 'duplicate', status: 'succeeded', targetTitle: 'Sample ECommerce (copy)' });
      expect((dashboard(t, 'ECommerce Overview').datasource as { title: string }).title).toBe('Sample ECommerce (copy)');
      // The target's own model is left as it was, beside the copy.
      expect(t.state.datamodels.map((m) => String(m.title)).filter((title) => title.startsWith('Sample ECommerce')).sort()).toEqual(['Sample ECommerce', 'Sample ECommerce (copy)']);
    }, 60000);

    it('a dry run of migrate-dashboards plans each step with what the earlier steps would create (fixed: later steps planned fake failures)', async () => {
      const run = await getJson(`/runs/${ran.dryDashboards}`);
      const outcome = (key: string) => [step(run, key).dryRun, step(run, key).plan.changes.filter((c: Json) => c.action === 'fail').map((c: Json) => c.detail)];
      for (const key of ['users', 'datamodels', 'dashboards']) expect([key, ...outcome(key)]).toEqual([key, 'would_change', []]);
    });
  });

});

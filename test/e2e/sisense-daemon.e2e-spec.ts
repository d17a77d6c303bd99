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
/** A user record without an email, added to the fixable source. */
const NO_EMAIL_ID = 'aaaaaaaaaaaaaaaaaaaaaaaa';

/** Run, step, approval and report views: plain JSON. */
type Json = any;

interface Driven {
  run: Json;
  approvals: Json[];
  /** Approvals the daemon refused to approve (APPROVAL_PLAN_FAILED): each was then rejected. */
  refused: Json[];
}

describe('sisense through the daemon: shipped playbooks over REST + SSE with approvals, a source and a target tenant per scenario', () => {
  let src: SisenseSim;
  /** A second source, which the migrate-everything scenario changes as an admin would after reading a failed plan. */
  let fixable: SisenseSim;
  /** A third source with a dashboard Sisense will not export (the well-check must say so, not skip it silently). */
  let unreadable: SisenseSim;
  /** A fourth source whose data security names a user it does not have (a dangling reference). */
  let dangling: SisenseSim;
  /** One fresh target per scenario. */
  const dst: Record<'actions' | 'models' | 'fault' | 'dry' | 'copy' | 'exclude' | 'knobs', SisenseSim> = {} as never;
  let d: TestDaemon;
  let srcBefore: string;
  /** Run ids the "fixed after this suite found them" tests look at again. */
  const ran: Record<string, string> = {};

  beforeAll(async () => {
    src = await startSisenseSim({ seed: 'source' });
    fixable = await startSisenseSim({ seed: 'source' });
    unreadable = await startSisenseSim({ seed: 'source' });
    dangling = await startSisenseSim({ seed: 'source' });
    srcBefore = src.snapshot();
    for (const name of ['actions', 'models', 'fault', 'dry', 'copy', 'exclude', 'knobs'] as const) dst[name] = await startSisenseSim({ seed: 'target' });
    const environments = [
      `  src: ${envYaml(src)}`,
      `  src-fixable: ${envYaml(fixable)}`,
      `  src-unreadable: ${envYaml(unreadable)}`,
      `  src-dangling: ${envYaml(dangling)}`,
      ...Object.entries(dst).map(([name, sim]) => `  dst-${name}: ${envYaml(sim)}`),
      `  bad: ${envYaml(src, WRONG_TOKEN)}`,
    ];
    d = await startTestDaemon(configYaml(`environments:\n${environments.join('\n')}\n`));
  }, 60000);

  afterAll(async () => {
    await d?.close();
    await Promise.all([src?.close(), fixable?.close(), unreadable?.close(), dangling?.close(), ...Object.values(dst).map((s) => s.close())]);
  });

  // ---- helpers over the API --------------------------------------------------------------------------------------

  const getJson = async (path: string): Promise<Json> => (await request(d.url).get(path).set('Authorization', bearer('viewer')).expect(200)).body;

  /**
   * The migration playbooks are approved once (policy.approval.scope: run; test/e2e/approve-once.e2e-spec.ts); these
   * scenarios look at each write step's own approval and plan, so their runs ask step by step (approveOnce: false).
   */
  async function start(playbook: string, inputs: object, environments: Record<string, string>, dryRun = false): Promise<string> {
    const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook, inputs, environments, ...(dryRun ? { dryRun } : { approveOnce: false }) });
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 202, body: { state: 'queued' } });
    return res.body.id as string;
  }

  /** Polls the run; every approval it waits for is approved by the approver (the operator asked for the run). */
  async function drive(id: string, timeoutMs = 90000): Promise<Driven> {
    const approvals: Json[] = [];
    const refused: Json[] = [];
    const until = Date.now() + timeoutMs;
    for (;;) {
      const run = await getJson(`/runs/${id}`);
      if (TERMINAL.includes(run.state)) return { run, approvals, refused };
      if (run.state === 'awaiting_approval') {
        for (const a of (await getJson(`/approvals?runId=${id}&status=pending`)).approvals) {
          approvals.push(a);
          const decided = await request(d.url).post(`/approvals/${a.id}`).set('Authorization', bearer('approver')).send({ decision: 'approve', comment: `looked at ${a.stepKey}` });
          if (decided.status === 409 && decided.body?.code === 'APPROVAL_PLAN_FAILED') {
            refused.push({ ...a, refusal: decided.body });
            const rejected = await request(d.url).post(`/approvals/${a.id}`).set('Authorization', bearer('approver')).send({ decision: 'reject', comment: 'the plan says it would fail' });
            expect(rejected.status).toBe(200);
            continue;
          }
          if (decided.status !== 200) throw new Error(`approving ${a.id} (${a.stepKey}): ${decided.status} ${JSON.stringify(decided.body)}`);
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
    // No false positives: the unused columns are exactly the planted ones (columns used only in dashboard filters,
    // cascading levels, formula contexts or widget filter panels count as used), each saying what it rests on.
    // Besides the planted two, the seed has six columns no dashboard touches (the island table's key, three Sample ECommerce
    // columns, and the never-used draft model): the whole list, not "contains".
    const reallyUnused = ['Retail Sales/Stores.StoreId', 'Sample ECommerce/Commerce.Age Range', 'Sample ECommerce/Commerce.Condition', 'Sample ECommerce/Commerce.Cost', 'Unbuilt Draft/Targets.Region', 'Unbuilt Draft/Targets.Target'];
    expect(found.filter((f) => f.includes('datamodel.unused-column ')).sort()).toEqual(
      [...PLANTED.unusedColumns.map((c) => `${c.model}/${c.table}.${c.column}`), ...reallyUnused].map((a) => `info datamodel.unused-column ${a}`).sort(),
    );
    expect(r.findings.find((f: Json) => f.check === 'datamodel.unused-column').message).toContain(`${PLANTED.counts.dashboards} dashboards read`);
    expect(found.filter((f) => f.includes('unused-columns-incomplete'))).toEqual([]);
    // Every join of a built model was checked with the documented probe: none "could not be checked".
    expect(found.filter((f) => f.includes('many-to-many-unchecked') && !f.endsWith(PLANTED.datamodels.unbuilt))).toEqual([]);
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

  it('well-check with a dashboard Sisense will not export: a warning finding names it, and the unused-column check says on how many dashboards it rests', async () => {
    // A copy of "ECommerce Overview" under a malformed id: an export naming it is refused (api.md §1.2, §1.13).
    const copy = JSON.parse(JSON.stringify(dashboard(unreadable, PLANTED.dashboards.overview))) as SimDashboard;
    Object.assign(copy, { _id: 'broken-id', oid: 'broken-dashboard-id', title: 'Broken Import' });
    unreadable.state.dashboards.push(copy);
    const id = await start('sisense-wellcheck', {}, { target: 'src-unreadable' });
    const { run } = await drive(id);
    expect(run.state).toBe('succeeded');
    const r = await report(id);
    const of = (check: string) => (r.findings as Json[]).filter((f) => f.check === check);
    expect(of('dashboard.unreadable')).toEqual([expect.objectContaining({ severity: 'warning', asset: 'broken-dashboard-id', message: expect.stringContaining('"Broken Import" could not be read') })]);
    // The other dashboards were all read; the unused-column findings say one dashboard could not be read.
    expect(run.outputs.dashboardsChecked).toBe(PLANTED.counts.dashboards + 1);
    expect(of('datamodel.unused-columns-incomplete')).toEqual(expect.arrayContaining([expect.objectContaining({ severity: 'warning', asset: PLANTED.datamodels.retail })]));
    const planted = PLANTED.unusedColumns[0];
    expect(of('datamodel.unused-column').find((f) => f.asset === `${planted.model}/${planted.table}.${planted.column}`).message).toContain('1 could not be read');
  }, 60000);

  /** What a migrated dashboard must look like in the target: as in the source, by email / group name / path. */
  const sameAsSource = (sim: SisenseSim, from: SisenseSim, title: string, target: SimDashboard = dashboard(sim, title)) => {
    const there = target;
    const here = dashboard(from, title);
    expect(essentials(sim, there)).toEqual(essentials(from, here));
    // Republished after its shares were given: the same people can open it (inactive users never can), of those migrated.
    const migrated = (email: string) => sim.state.users.some((u) => u.email === email);
    expect({ title, recipients: sim.recipients(there.oid) }).toEqual({ title, recipients: from.recipients(here.oid).filter(migrated) });
  };
  const excluded = {
    'group:Admins': 'a system group: every deployment has its own',
    'group:EMEA Partners': 'of another tenant ("emea"): only the system tenant is migrated',
    'user:sam.super@acme.test': 'a super user (Sys. Admin): every deployment has its own',
    'user:tina.tenant@emea.acme.test': 'of another tenant ("emea"): only the system tenant is migrated',
    'user:no.first.name@acme.test': 'no first name: Sisense requires one',
  };

  describe('migrate-dashboards: each action on one target', () => {
    const SELECTED = ['Sales Deep Dive', 'ECommerce Overview', 'Quarterly Report Q1'];
    /** Sales Deep Dive jumps to "_drill Order Detail": the drill target comes along. ECommerce Overview's title is the target's under another oid. */
    const MIGRATED = ['Sales Deep Dive', 'Quarterly Report Q1', '_drill Order Detail'];

    it('skip: four approvals showing their plans; owners, shares (visible after republish), folders by path; a title conflict reported; a second run writes nothing', async () => {
      const t = dst.actions;
      const clashBefore = JSON.stringify(model(t, 'Sample ECommerce'));
      const homeBefore = JSON.stringify(dashboard(t, 'Target Home'));
      const theirs = JSON.stringify(dashboard(t, 'ECommerce Overview'));
      const id = await start('sisense-migrate-dashboards', { dashboards: SELECTED }, { source: 'src', target: 'dst-actions' });
      ran.skip = id;
      const [events, { run, approvals, refused }] = await Promise.all([follow(id), drive(id)]);
      expect(refused).toEqual([]);
      expect(run).toMatchObject({ state: 'succeeded', requestedBy: 'operator' });

      // One approval per write step, in order, each previewing its dry-run plan, none failing.
      expect(approvals.map((a) => [a.stepKey, a.tool, a.requestedBy, a.environments, a.plan.wouldFail ?? false])).toEqual(
        ['groups', 'users', 'datamodels', 'dashboards'].map((k) => [k, `sisense.migration.${k}`, 'operator', { source: 'src', target: 'dst-actions' }, false]),
      );
      expect(approvals[3].plan.changes).toEqual(
        expect.arrayContaining([
          { action: 'create', kind: 'folder', target: 'folder "Finance"' },
          { action: 'create', kind: 'folder', target: 'folder "Sales/Deep Dives"' },
          ...MIGRATED.map((title) => ({ action: 'create', kind: 'dashboard', target: `dashboard ${dashboard(src, title).oid} "${title}"` })),
          expect.objectContaining({ action: 'skip', target: `dashboard ${dashboard(src, 'ECommerce Overview').oid} "ECommerce Overview"`, detail: expect.stringMatching(/^title conflict/) }),
        ]),
      );

      // Per-asset results in each step's output.
      expect(resultsOf(step(run, 'groups'))).toMatchObject({
        'group:EMEA Analysts': { action: 'create', status: 'succeeded', targetId: groupId(t, 'EMEA Analysts') },
        'group:Sales': { action: 'skip', status: 'skipped', reason: 'already in the target' },
      });
      expect(resultsOf(step(run, 'users'))).toMatchObject({
        'user:admin@acme.test': { status: 'skipped', reason: 'a super user (Sys. Admin): every deployment has its own' },
        'user:dana.designer@acme.test': { status: 'skipped', reason: expect.stringMatching(/^already in the target/) },
        'user:vic.viewer@acme.test': { action: 'create', status: 'succeeded', targetId: userId(t, 'vic.viewer@acme.test') },
        'user:fred.finance@acme.test': { action: 'create', status: 'succeeded', targetId: userId(t, 'fred.finance@acme.test') },
      });
      expect(resultsOf(step(run, 'datamodels'))).toMatchObject({
        'datamodel:Retail Sales': { action: 'create', status: 'succeeded', targetId: model(t, 'Retail Sales').oid },
        'datamodel:Sample ECommerce': { action: 'skip', status: 'skipped', reason: expect.stringMatching(/^a data model with this title is in the target already, but .*: action overwrite replaces it/), targetId: model(t, 'Sample ECommerce').oid },
      });
      const dashResults = resultsOf(step(run, 'dashboards'));
      for (const title of MIGRATED) expect(dashResults[`dashboard:${title}`]).toMatchObject({ kind: 'dashboard', asset: title, action: 'create', status: 'succeeded', sourceId: dashboard(src, title).oid, targetId: dashboard(src, title).oid });
      expect(dashResults['dashboard:ECommerce Overview']).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^title conflict: the target has "ECommerce Overview" under another oid/) });
      // Root folders are created without a parent (the strict simulator refuses `parentId: null`, as Sisense does).
      expect(dashResults['folder:Finance']).toMatchObject({ action: 'create', status: 'succeeded' });
      expect(dashResults['folder:Finance/Quarterly']).toMatchObject({ action: 'create', status: 'succeeded' });
      expect(run.outputs.migrated).toEqual({ succeeded: 6, skipped: 1, failed: 0 });

      // The target: same oids, owners (by email), shares (by email / group name), folders, widgets, data source; visible to the same people.
      for (const title of MIGRATED) {
        expect(dashboard(t, title).oid).toBe(dashboard(src, title).oid);
        sameAsSource(t, src, title);
      }
      expect(t.recipients(dashboard(t, 'Sales Deep Dive').oid)).toContain('vic.viewer@acme.test');
      expect(jumpTargets(t, dashboard(t, 'Sales Deep Dive'))).toEqual([dashboard(t, '_drill Order Detail').oid]);
      // The title conflict left the target's own dashboard alone, and made no second one; so with the clashing model.
      expect(JSON.stringify(dashboard(t, 'ECommerce Overview'))).toBe(theirs);
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
      expect(md).toContain('- done: dashboards (sisense.migration.dashboards, write)');

      // SSE saw the approvals and the migration's progress as it happened.
      const names = events.map((e) => e.event);
      expect(names.filter((n) => n === 'approval.requested')).toHaveLength(4);
      expect(events.filter((e) => e.event === 'step.progress' && e.data.stepKey === 'dashboards').map((e) => e.data.data.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^dashboards: /)]));
      expect(events.at(-1)).toMatchObject({ event: 'run.finished', data: { data: { state: 'succeeded' } } });

      // Run again: everything is compared and found as it should be; nothing is written.
      const written = writes(t).length;
      const again = await drive(await start('sisense-migrate-dashboards', { dashboards: SELECTED }, { source: 'src', target: 'dst-actions' }));
      expect(again.run.state).toBe('succeeded');
      expect(step(again.run, 'dashboards').output.summary).toEqual({ succeeded: 0, skipped: 4, failed: 0 });
      expect(resultsOf(step(again.run, 'dashboards'))['dashboard:Sales Deep Dive']).toMatchObject({ status: 'skipped', reason: 'in the target already (same oid), with its owner, folder and shares' });
      expect(writes(t).length).toBe(written);
    }, 120000);

    it('overwrite: the dashboards changed in the target are replaced in place (title, owner, shares back, republished); the title conflict replaces the target\'s dashboard of that title', async () => {
      const t = dst.actions;
      const deep = dashboard(t, 'Sales Deep Dive');
      deep.title = 'Renamed in the target';
      deep.shares = [{ shareId: userId(t, 'admin@acme.test'), type: 'user' }];
      deep.owner = deep.userId = userId(t, 'admin@acme.test');
      t.state.widgets[deep.oid] = t.state.widgets[deep.oid].slice(0, 1);
      const theirs = dashboard(t, 'ECommerce Overview').oid;
      const clashOid = model(t, 'Sample ECommerce').oid;
      const counts = { dashboards: t.state.dashboards.length, models: t.state.datamodels.length };

      const id = await start('sisense-migrate-dashboards', { dashboards: SELECTED, action: 'overwrite', datamodelAction: 'overwrite' }, { source: 'src', target: 'dst-actions' });
      const { run, approvals, refused } = await drive(id);
      expect(refused).toEqual([]);
      expect(run.state).toBe('succeeded');
      const plans = Object.fromEntries(approvals.map((a) => [a.stepKey, a.plan]));
      expect(plans.dashboards.summary).toBe('migrate dashboards: 4 update');
      // An overwrite replaces the document, and says so field by field (with owner, folder, shares where they differ).
      expect(plans.dashboards.changes).toContainEqual({ action: 'update', kind: 'dashboard', target: `dashboard ${deep.oid} "Sales Deep Dive"`, detail: 'overwrite', fields: expect.arrayContaining([{ field: 'content', before: `the target's (${deep.oid})`, after: "the source's" }]) });
      expect(plans.datamodels.summary).toBe('migrate data models: 2 update');

      const results = resultsOf(step(run, 'dashboards'));
      for (const title of MIGRATED) expect(results[`dashboard:${title}`]).toMatchObject({ action: 'overwrite', status: 'succeeded', targetId: dashboard(src, title).oid });
      expect(results['dashboard:ECommerce Overview']).toMatchObject({ action: 'overwrite', status: 'succeeded', targetId: theirs });
      expect({ dashboards: t.state.dashboards.length, models: t.state.datamodels.length }).toEqual(counts);
      expect(dashboards(t, 'Renamed in the target')).toEqual([]);
      for (const title of MIGRATED) sameAsSource(t, src, title);
      expect(dashboard(t, 'Sales Deep Dive').oid).toBe(deep.oid);
      // The conflict: the target's "ECommerce Overview" keeps its oid and now holds the source's dashboard.
      expect(dashboard(t, 'ECommerce Overview').oid).toBe(theirs);
      expect(t.state.widgets[theirs].map((w) => w.title)).toEqual(src.state.widgets[dashboard(src, 'ECommerce Overview').oid].map((w) => w.title));
      // The overwritten model keeps the target's oid and now has the source's shares (by email / group name).
      const shares = (sim: SisenseSim, title: string) =>
        (model(sim, title).shares as Array<{ partyId: string; type: string; permission: string }>).map((s) => `${s.type} ${s.type === 'group' ? groupNameOf(sim, s.partyId) : emailOf(sim, s.partyId)} ${s.permission}`).sort();
      expect(model(t, 'Sample ECommerce').oid).toBe(clashOid);
      expect(shares(t, 'Sample ECommerce')).toEqual(shares(src, 'Sample ECommerce'));
    }, 120000);

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
      for (const key of ['groups', 'users', 'datamodels']) expect(step(run, key).output?.summary ?? { succeeded: 0, failed: 0 }).toMatchObject({ succeeded: 0, failed: 0 });

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
    }, 120000);
  });

  it('migrate-everything: a plan that would fail cannot be approved; once the admin fixes the source, every asset lands as a Sisense admin expects, exclusions with reasons; a second run converges', async () => {
    const t = dst.models;
    // The target names its PostgreSQL connection differently: mapped by the input.
    const dwh = t.state.connections.find((c) => c.name === 'Warehouse (PostgreSQL)')!;
    dwh.name = 'DWH (PostgreSQL)';
    const connections = { 'Warehouse (PostgreSQL)': 'DWH (PostgreSQL)', ...DRAFT_CONNECTION };
    const clashBefore = JSON.stringify(model(t, 'Sample ECommerce'));
    const untouched = t.snapshot();
    const { email: _email, ...vic } = fixable.state.users.find((u) => u.email === 'vic.viewer@acme.test')!;
    fixable.state.users.push({ ...vic, _id: NO_EMAIL_ID, userName: 'no-email', groups: [] } as unknown as SisenseSim['state']['users'][number]);

    // 1. As the source is: two dashboards cannot get their owner (an inactive user, a super user). The approval shows why and cannot be approved.
    const first = await drive(await start('sisense-migrate-everything', { existingUsers: 'update', connections }, { source: 'src-fixable', target: 'dst-models' }));
    expect(first.refused.map((a) => a.stepKey)).toEqual(['migrate']);
    const refusal: string = first.refused[0].refusal.detail;
    expect(refusal).toContain('"Irene Pipeline": its owner irene.inactive@acme.test is inactive');
    expect(refusal).toContain('"Super Admin Console": the target lacks user sam.super@acme.test (the owner)');
    expect(first.run.state).not.toBe('succeeded');
    expect(t.snapshot()).toBe(untouched);

    // 2. The admin gives both dashboards another owner in the source, and runs it again.
    const reown = (title: string, email: string) => {
      const x = dashboard(fixable, title);
      const to = userId(fixable, email);
      const from = x.owner;
      x.owner = x.userId = to;
      x.shares = (x.shares as Array<{ shareId: string; type: string; rule?: string }>).filter((s) => s.shareId !== to).map((s) => (s.shareId === from ? { ...s, shareId: to } : s));
      fixable.state.publishedShares[x.oid] = JSON.parse(JSON.stringify(x.shares));
    };
    reown('Irene Pipeline', 'dana.designer@acme.test');
    reown('Super Admin Console', 'alex.admin@acme.test');
    const id = await start('sisense-migrate-everything', { existingUsers: 'update', connections }, { source: 'src-fixable', target: 'dst-models' });
    const { run, approvals, refused } = await drive(id);
    expect(refused).toEqual([]);
    expect(approvals.map((a) => a.stepKey)).toEqual(['migrate']);
    expect(run.state).toBe('succeeded');
    const results = resultsOf(step(run, 'migrate'));

    // Never migrated, each with its reason.
    for (const [key, reason] of Object.entries(excluded)) expect({ key, ...results[key] }).toMatchObject({ key, status: 'skipped', reason });
    // A user record with no email (Sisense can hold one, e.g. from a directory sync) is never migrated, with the reason.
    expect(results[`user:user ${NO_EMAIL_ID}`]).toMatchObject({ status: 'skipped', reason: 'no email: users are matched by email', sourceId: NO_EMAIL_ID });
    expect(t.state.users.some((u) => u.userName === 'no-email')).toBe(false);
    expect(t.state.groups.map((g) => g.name)).not.toContain('EMEA Partners');
    for (const email of ['sam.super@acme.test', 'tina.tenant@emea.acme.test', 'no.first.name@acme.test']) expect(t.state.users.some((u) => u.email === email)).toBe(false);
    // Groups and users by name and email; inactive users created inactive; an existing user updated.
    for (const g of ['Finance', 'EMEA Analysts', 'Data Team', 'Marketing']) expect(results[`group:${g}`]).toMatchObject({ action: 'create', status: 'succeeded', targetId: groupId(t, g) });
    expect(results['user:dana.designer@acme.test']).toMatchObject({ action: 'update', status: 'succeeded' });
    for (const email of PLANTED.users.inactiveAll) {
      expect(results[`user:${email}`]).toMatchObject({ action: 'create', status: 'succeeded', reason: 'inactive in the source: created inactive' });
      expect(t.state.users.find((u) => u.email === email)!.active).toBe(false);
    }
    const access = (sim: SisenseSim, email: string) => {
      const u = sim.state.users.find((x) => x.email === email)!;
      return { role: sim.state.roles.find((r) => r._id === u.roleId)!.name, groups: u.groups.map((g) => groupNameOf(sim, g)).sort(), name: `${u.firstName} ${u.lastName}`, active: u.active };
    };
    for (const email of ['dana.designer@acme.test', 'vic.viewer@acme.test', 'fred.finance@acme.test', 'dora.data@acme.test', 'ian.inactive@acme.test']) expect({ email, ...access(t, email) }).toEqual({ email, ...access(fixable, email) });

    // Data models: the clash left alone (skip), connections pointed at the target's, data security with its parties.
    expect(results['datamodel:Sample ECommerce']).toMatchObject({ action: 'skip', status: 'skipped' });
    expect(JSON.stringify(model(t, 'Sample ECommerce'))).toBe(clashBefore);
    const connOids = (title: string) => (model(t, title).datasets as JsonObject[]).map((ds) => (ds.connection as { oid: string }).oid);
    expect(connOids('Retail Sales')).toEqual([dwh.oid]);
    expect(connOids('Unbuilt Draft')).toEqual([connectionOid(t, 'Sample Brand')]);
    const partiesOf = (sim: SisenseSim, cube: string) =>
      sim.state.dataSecurity.filter((r) => r.elasticube === cube).flatMap((r) => (r.shares as Array<{ party: string | null; type: string }>).map((s) => `${r.column} ${s.type === 'group' ? groupNameOf(sim, s.party) : s.type === 'user' ? emailOf(sim, s.party) : s.type}`)).sort();
    for (const cube of ['Retail Sales', 'Live Sales']) expect(partiesOf(t, cube)).toEqual(partiesOf(fixable, cube));
    expect(model(t, 'Live Sales').lastPublishTime).toEqual(expect.any(String));

    // Dashboards: every one but the two title conflicts, with owner, shares, folder by path, visible to the same people.
    for (const title of PLANTED.target.titleClashes) {
      expect(results[`dashboard:${title}`]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^title conflict/) });
      expect(dashboards(t, title)).toHaveLength(1);
    }
    const clashes: readonly string[] = PLANTED.target.titleClashes;
    for (const x of fixable.state.dashboards.filter((y) => !clashes.includes(y.title))) {
      expect({ title: x.title, ...results[`dashboard:${x.title}`] }).toMatchObject({ title: x.title, action: 'create', status: 'succeeded', targetId: x.oid });
      const there = dashboard(t, x.title);
      const want = essentials(fixable, x);
      // Shares with inactive users are not kept (Sisense drops them): the result says so.
      const inactive = (line: string) => PLANTED.users.inactiveAll.some((e) => line.includes(e));
      expect(essentials(t, there)).toEqual({ ...want, shares: want.shares.filter((l) => !inactive(l)) });
      // The same people can open it, but for those never migrated (no.first.name@ sees Marketing's dashboards in the source).
      const migrated = (email: string) => t.state.users.some((u) => u.email === email);
      expect({ title: x.title, recipients: t.recipients(there.oid) }).toEqual({ title: x.title, recipients: fixable.recipients(x.oid).filter(migrated) });
    }
    expect(results['dashboard:Finance KPIs'].reason).toMatch(/share with ian\.inactive@acme\.test not kept/);
    expect(fixable.folderPath(dashboard(fixable, 'Regional Performance').oid)).toEqual(t.folderPath(dashboard(t, 'Regional Performance').oid));
    expect(run.outputs.summary).toEqual(step(run, 'migrate').output.summary);
    expect(run.outputs.summary.failed).toBe(0);
    ran.everything = id;

    // 3. Run again: compared, nothing to repair, nothing written.
    const written = writes(t).length;
    const again = await drive(await start('sisense-migrate-everything', { existingUsers: 'update', connections }, { source: 'src-fixable', target: 'dst-models' }));
    expect(again.run.state).toBe('succeeded');
    expect(step(again.run, 'migrate').output.summary).toMatchObject({ succeeded: 0, failed: 0 });
    expect(writes(t).length).toBe(written);
  }, 180000);

  it('migrate-everything with the failing assets excluded: the refusal says how to exclude them; with exclude the plan is approved and runs; the excluded ones are reported skipped, "excluded by input", and are not in the target', async () => {
    const t = dst.exclude;
    const failing = [PLANTED.dashboards.inactiveOwner, PLANTED.dashboards.superOwned];
    const untouched = t.snapshot();

    // A role the target lacks is reported on the user (role mapping by name), in the plan the approval shows.
    const roles = t.state.roles;
    t.state.roles = roles.filter((x) => x.name !== 'dataDesigner');
    const noRole = await drive(await start('sisense-migrate-everything', { connections: DRAFT_CONNECTION, exclude: failing }, { source: 'src', target: 'dst-exclude' }));
    expect(noRole.refused.map((a) => a.stepKey)).toEqual(['migrate']);
    expect(noRole.refused[0].plan.changes).toContainEqual({ action: 'fail', kind: 'user', target: 'user dora.data@acme.test', detail: 'the target lacks role "dataDesigner" (to migrate the rest without it: exclude "dora.data@acme.test")', reason: 'the target lacks role "dataDesigner" (to migrate the rest without it: exclude "dora.data@acme.test")' });
    t.state.roles = roles;
    expect(t.snapshot()).toBe(untouched);

    // The source as it is: the plan fails for the two dashboards; the refusal tells the admin how to leave them out.
    const first = await drive(await start('sisense-migrate-everything', { connections: DRAFT_CONNECTION }, { source: 'src', target: 'dst-exclude' }));
    expect(first.refused.map((a) => a.stepKey)).toEqual(['migrate']);
    const refusal: string = first.refused[0].refusal.detail;
    for (const title of failing) expect(refusal).toContain(`(to migrate the rest without it: exclude "${title}")`);
    expect(first.refused[0].plan.summary).toMatch(/\(2 would fail: fix them, or leave them out with the exclude input to migrate the rest\)$/);
    expect(t.snapshot()).toBe(untouched);

    // The same migration with the two excluded: the plan shows them skipped, the approval is granted, the run succeeds.
    const id = await start('sisense-migrate-everything', { connections: DRAFT_CONNECTION, exclude: failing }, { source: 'src', target: 'dst-exclude' });
    const { run, approvals, refused } = await drive(id);
    expect(refused).toEqual([]);
    expect(approvals.map((a) => [a.stepKey, a.plan.wouldFail ?? false])).toEqual([['migrate', false]]);
    for (const title of failing) expect(approvals[0].plan.changes).toContainEqual({ action: 'skip', kind: 'dashboard', target: `dashboard ${dashboard(src, title).oid} "${title}"`, detail: 'excluded by input', reason: 'excluded by input' });
    expect(run.state).toBe('succeeded');
    const results = resultsOf(step(run, 'migrate'));
    for (const title of failing) {
      expect(results[`dashboard:${title}`]).toMatchObject({ action: 'skip', status: 'skipped', reason: 'excluded by input', sourceId: dashboard(src, title).oid });
      expect(dashboards(t, title)).toEqual([]);
    }
    expect(run.outputs.summary.failed).toBe(0);
    // The rest landed as an admin expects (a sample: owner, shares, folder, recipients as in the source).
    for (const title of ['Sales Deep Dive', 'Quarterly Report Q1', 'Finance KPIs']) expect(results[`dashboard:${title}`]).toMatchObject({ status: 'succeeded' });
    sameAsSource(t, src, 'Sales Deep Dive');
    sameAsSource(t, src, 'Quarterly Report Q1');
    // The step's results name exactly the excluded ones as excluded; the run's report lists no failed asset.
    expect((step(run, 'migrate').output.results as Json[]).filter((x) => x.reason === 'excluded by input').map((x) => x.asset).sort()).toEqual([...failing].sort());
    expect((await report(id)).failedAssets).toEqual([]);
    expect(await markdown(id)).not.toContain('Failed assets');
    expect(src.snapshot()).toBe(srcBefore);
  }, 180000);

  it('migrate-dashboards with includeInactiveUsers false and build true: a commented-out jump is no dependency, inactive users are left out with the reason (shares with them noted, not failed), the models are built and published', async () => {
    const t = dst.knobs;
    const id = await start('sisense-migrate-dashboards', { dashboards: ['Regional Performance', 'Finance KPIs'], includeInactiveUsers: false, build: true }, { source: 'src', target: 'dst-knobs' });
    const { run, refused } = await drive(id);
    expect(refused).toEqual([]);
    expect(run.state).toBe('succeeded');
    // The jump named only in commented-out script is not followed; the live one is.
    const needed = (step(run, 'needs').output.dashboards as Json[]).map((x) => x.title);
    expect(needed).toEqual(expect.arrayContaining(['Regional Performance', 'Finance KPIs', PLANTED.dashboards.scriptJumpTarget]));
    expect(needed).not.toContain(PLANTED.dashboards.commentedJumpTarget);
    expect(dashboards(t, PLANTED.dashboards.commentedJumpTarget)).toEqual([]);
    // Ian (inactive, shared Finance KPIs) is left out with the reason; the dashboard is migrated, the share noted.
    expect(resultsOf(step(run, 'users'))['user:ian.inactive@acme.test']).toMatchObject({ action: 'skip', status: 'skipped', reason: 'inactive in the source (includeInactive is false)' });
    expect(t.state.users.some((u) => u.email === 'ian.inactive@acme.test')).toBe(false);
    const dash = resultsOf(step(run, 'dashboards'));
    expect(dash['dashboard:Finance KPIs']).toMatchObject({ status: 'succeeded', reason: expect.stringContaining('share with ian.inactive@acme.test not kept') });
    sameAsSource(t, src, 'Regional Performance');
    expect(t.recipients(dashboard(t, 'Finance KPIs').oid)).toEqual(src.recipients(dashboard(src, 'Finance KPIs').oid));
    // build: the extract model holds data (a successful build), the live one is published.
    expect(resultsOf(step(run, 'datamodels'))).toMatchObject({ [`datamodel:${PLANTED.datamodels.retail}`]: { status: 'succeeded' }, [`datamodel:${PLANTED.datamodels.live}`]: { status: 'succeeded' } });
    expect(model(t, PLANTED.datamodels.retail).lastSuccessfulBuildTime).toEqual(expect.any(String));
    expect(model(t, PLANTED.datamodels.live).lastPublishTime).toEqual(expect.any(String));
  }, 120000);

  it('a data security rule naming a party the source does not know fails its data model (not "succeeded" without it): the plan says so, the dry run fails, nothing is written', async () => {
    const t = dst.dry;
    const before = t.snapshot();
    const rule = dangling.state.dataSecurity.find((r) => r.elasticube === PLANTED.datamodels.retail)!;
    const ghost = 'bbbbbbbbbbbbbbbbbbbbbbbb';
    (rule.shares as JsonObject[]).push({ party: ghost, type: 'user', partyName: null });
    const id = await start('sisense-migrate-dashboards', { dashboards: ['Sales Deep Dive'] }, { source: 'src-dangling', target: 'dst-dry' }, true);
    const { run, approvals } = await drive(id);
    expect(approvals).toEqual([]);
    expect(run).toMatchObject({ state: 'failed', dryRun: true });
    const plan = step(run, 'datamodels').plan;
    expect(plan).toMatchObject({ wouldFail: true });
    expect(plan.changes).toContainEqual({
      action: 'fail', kind: 'datamodel', target: `data model ${model(dangling, PLANTED.datamodels.retail).oid} "${PLANTED.datamodels.retail}"`,
      detail: expect.stringContaining(`user ${ghost} (unknown in the source)`), reason: expect.stringContaining(`user ${ghost} (unknown in the source)`),
    });
    expect((await report(id)).failedAssets).toEqual(expect.arrayContaining([expect.objectContaining({ step: 'datamodels', asset: expect.stringContaining(PLANTED.datamodels.retail) })]));
    expect(t.snapshot()).toBe(before);
  }, 60000);

  it('migrate-dashboards dry run with a group excluded: the later steps plan without it (the same exclude reaches every step), so what needs it fails in the plan, not after the approval', async () => {
    const t = dst.dry;
    const before = t.snapshot();
    const id = await start('sisense-migrate-dashboards', { dashboards: ['Sales Deep Dive'], exclude: ['group:EMEA Analysts'] }, { source: 'src', target: 'dst-dry' }, true);
    const { run, approvals } = await drive(id);
    expect(approvals).toEqual([]);
    expect(run).toMatchObject({ state: 'failed', dryRun: true });
    expect(step(run, 'groups').plan.changes).toContainEqual({ action: 'skip', kind: 'group', target: 'group "EMEA Analysts"', detail: 'excluded by input', reason: 'excluded by input' });
    // The dry run stops at the first step whose plan fails: a user in the excluded group cannot get it.
    const fails = (run.steps as Json[]).flatMap((x) => ((x.plan?.changes ?? []) as Json[]).filter((c) => c.action === 'fail').map((c) => `${x.key}: ${c.target}: ${c.detail}`));
    expect(fails.length).toBeGreaterThan(0);
    for (const f of fails) expect(f).toContain('group "EMEA Analysts"');
    expect(t.snapshot()).toBe(before);
  }, 60000);

  it('a fault on any write: each dashboard ends with its own outcome and reason, the others are migrated, the step and run fail; a re-run repairs them', async () => {
    const t = dst.fault;
    const q1 = dashboard(src, 'Quarterly Report Q1').oid;
    const budget = dashboard(src, 'Fred Budget').oid;
    // The second bulk import (the level after the drill target: Sales Deep Dive) fails, Q1 cannot be shared, Fred Budget's publish is reset.
    t.faults.push({ method: 'POST', path: /import\/bulk/, status: 500, times: 1, after: 1 });
    t.faults.push({ method: 'POST', path: `/api/shares/dashboard/${q1}`, status: 500, times: 1 });
    t.faults.push({ method: 'POST', path: `/api/v1/dashboards/${budget}/publish`, drop: true, times: 1 });

    const id = await start('sisense-migrate-dashboards', { dashboards: ['Sales Deep Dive', 'Quarterly Report Q1', 'Fred Budget'] }, { source: 'src', target: 'dst-fault' });
    const [events, { run }] = await Promise.all([follow(id), drive(id)]);
    ran.fault = id;
    expect(run.state).toBe('failed');
    const failed = step(run, 'dashboards');
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'MIGRATION_PARTIAL' } });
    const message: string = failed.error.message;
    expect(message).toMatch(/^3 of \d+ assets failed: /);
    const results = Object.fromEntries((failed.error.detail.results as Json[]).map((r) => [r.asset, r]));
    expect(results['Sales Deep Dive'].reason).toMatch(/^the bulk import failed: .*500/);
    expect(results['Quarterly Report Q1'].reason).toMatch(new RegExp(`^imported as ${q1}, but sharing it failed: .*500`));
    expect(results['Fred Budget'].reason).toMatch(new RegExp(`^imported as ${budget}, but republishing it failed: `));
    expect(results['_drill Order Detail']).toMatchObject({ status: 'succeeded' });
    expect(run.reason).toBe(`step dashboards failed: MIGRATION_PARTIAL: ${message}`);
    expect(dashboards(t, 'Sales Deep Dive')).toEqual([]);
    sameAsSource(t, src, '_drill Order Detail');

    const r = await report(id);
    expect(r.run).toMatchObject({ state: 'failed', reason: run.reason });
    expect(r.actions.failed.map((a: Json) => [a.key, a.tool])).toEqual([['dashboards', 'sisense.migration.dashboards']]);
    const md = await markdown(id);
    expect(md).toContain(`# Run ${id}: sisense-migrate-dashboards — failed`);
    for (const title of ['Sales Deep Dive', 'Quarterly Report Q1', 'Fred Budget']) expect(md).toContain(title);
    expect(events.at(-1)).toMatchObject({ event: 'run.finished', data: { data: { state: 'failed' } } });

    // The faults pass; the same playbook again: the half-migrated ones are repaired (never "skipped"), the missing one imported.
    const again = await drive(await start('sisense-migrate-dashboards', { dashboards: ['Sales Deep Dive', 'Quarterly Report Q1', 'Fred Budget'] }, { source: 'src', target: 'dst-fault' }));
    expect(again.run.state).toBe('succeeded');
    const fixed = resultsOf(step(again.run, 'dashboards'));
    expect(fixed['dashboard:Sales Deep Dive']).toMatchObject({ action: 'create', status: 'succeeded' });
    expect(fixed['dashboard:Quarterly Report Q1']).toMatchObject({ action: 'update', status: 'succeeded', reason: expect.stringMatching(/^in the target already \(same oid\): repaired its/) });
    // A reset publish may or may not have been applied: compared, it is republished only if its recipients lack it.
    expect(fixed['dashboard:Fred Budget'].reason).toMatch(/^in the target already \(same oid\)/);
    expect(fixed['dashboard:Fred Budget'].status).not.toBe('failed');
    for (const title of ['Sales Deep Dive', 'Quarterly Report Q1', 'Fred Budget', '_drill Order Detail']) sameAsSource(t, src, title);
  }, 120000);

  it('dry run: nothing written, no approval asked; a plan that would fail makes the dry run fail, with the reasons', async () => {
    const t = dst.dry;
    const before = t.snapshot();

    const all = await start('sisense-migrate-everything', { connections: DRAFT_CONNECTION }, { source: 'src', target: 'dst-dry' }, true);
    const { run, approvals } = await drive(all);
    expect(run).toMatchObject({ state: 'failed', dryRun: true });
    expect(approvals).toEqual([]);
    const migrate = step(run, 'migrate');
    expect(migrate.plan).toMatchObject({ wouldFail: true });
    const fails = (migrate.plan.changes as Json[]).filter((c) => c.action === 'fail').map((c) => c.target);
    expect(fails).toEqual(expect.arrayContaining([`dashboard ${dashboard(src, 'Irene Pipeline').oid} "Irene Pipeline"`, `dashboard ${dashboard(src, 'Super Admin Console').oid} "Super Admin Console"`]));
    const creates = (migrate.plan.changes as Json[]).filter((c) => c.action === 'create').map((c) => c.target);
    expect(creates).toEqual(expect.arrayContaining(['group "Finance"', 'user fred.finance@acme.test', `data model ${model(src, 'Retail Sales').oid} "Retail Sales"`, `dashboard ${dashboard(src, 'Sales Deep Dive').oid} "Sales Deep Dive"`]));
    expect(await markdown(all)).toContain('Irene Pipeline');

    const some = await start('sisense-migrate-dashboards', { dashboards: ['Sales Deep Dive'] }, { source: 'src', target: 'dst-dry' }, true);
    const dry = await drive(some);
    expect(dry.run.state).toBe('succeeded');
    expect(dry.approvals).toEqual([]);
    expect(step(dry.run, 'needs')).toMatchObject({ state: 'succeeded', dryRun: null });
    for (const key of ['groups', 'users', 'datamodels', 'dashboards']) expect(step(dry.run, key)).toMatchObject({ state: 'succeeded', dryRun: expect.stringMatching(/^(would_change|no_change)$/), output: null, plan: expect.any(Object) });
    ran.dryDashboards = some;

    expect(t.snapshot()).toBe(before);
    expect(writes(t)).toEqual([]);
  }, 120000);

  it('a wrong token: the run fails with SISENSE_UNAUTHORIZED, and the token appears in no report, event, approval or log line', async () => {
    const offboard = await start('sisense-offboard-user', { user: PLANTED.users.owner, transferTo: 'admin@acme.test' }, { target: 'bad' });
    const [events, { run }] = await Promise.all([follow(offboard), drive(offboard)]);
    expect(run.state).toBe('failed');
    expect(step(run, 'leaver')).toMatchObject({ state: 'failed', error: { code: 'SISENSE_UNAUTHORIZED', message: expect.stringContaining(`token rejected by ${src.url}`) } });
    expect(run.reason).toMatch(/^step leaver failed: SISENSE_UNAUTHORIZED: /);

    // A migration whose source refuses the token: the approval's preview says so; approved, the run fails the same way.
    const migrate = await start('sisense-migrate-everything', { connections: DRAFT_CONNECTION }, { source: 'bad', target: 'dst-dry' });
    const second = await drive(migrate);
    // Its dry run failed, so the approval cannot be approved: rejected, the run never writes.
    expect(second.run.state).not.toBe('succeeded');
    expect(second.refused.map((a) => a.stepKey)).toEqual(['migrate']);
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
      const failedStep = r.steps.find((x: Json) => x.key === 'dashboards');
      expect(failedStep.error.code).toBe('MIGRATION_PARTIAL');
      expect(r.actions.failed[0].error).toEqual(failedStep.error);
      expect(await markdown(ran.fault)).toMatch(/- failed: dashboards \(sisense\.migration\.dashboards\): \S/);
    });

    it('a run that waited for approvals and succeeded has no leftover reason (fixed)', async () => {
      const run = await getJson(`/runs/${ran.skip}`);
      expect(run.state).toBe('succeeded');
      expect(run.reason).toBeNull();
    });

    it('a MIGRATION_PARTIAL keeps the per-asset results on the failed step (fixed: they were dropped)', async () => {
      const run = await getJson(`/runs/${ran.fault}`);
      const error = step(run, 'dashboards').error;
      expect(error.code).toBe('MIGRATION_PARTIAL');
      expect(JSON.stringify(error.detail)).toContain('Sales Deep Dive');
    });

    it('migrate-dashboards with datamodelAction duplicate: the dashboards use the copy just imported, as migrate-everything does (fixed: they stayed on the target\'s own model)', async () => {
      const t = dst.copy;
      const id = await start('sisense-migrate-dashboards', { dashboards: ['Admin Scratchpad'], datamodelAction: 'duplicate' }, { source: 'src', target: 'dst-copy' });
      const { run } = await drive(id);
      expect(run.state).toBe('succeeded');
      expect(resultsOf(step(run, 'datamodels'))['datamodel:Sample ECommerce']).toMatchObject({ action: 'duplicate', status: 'succeeded', targetTitle: 'Sample ECommerce (copy)' });
      expect((dashboard(t, 'Admin Scratchpad').datasource as { title: string }).title).toBe('Sample ECommerce (copy)');
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

// Migration throughput on the strict simulator: sisense.migration.dashboards (or, with --tool everything,
// sisense.migration.everything; action overwrite) moving 500 dashboards between two simulated Sisense tenants that
// add 50 ms of latency to every request, called in-process through createTestHost (the real plugin loader, invoker
// and Sisense plugin from dist/; the simulator compiled from test/sisense-sim to dist/sim). As in the daemon, the plan (the approval's preview) runs first, then the migration;
// the migration reuses the plan's reads, and what is timed is the migration after the approval.
//
// Each dashboard has 3 widgets, and most have an owner other than the importing admin, a folder and shares, so the
// migration bulk-imports them (10 a request), then per dashboard puts it in its folder, asks whether its owner can
// own it, gives it its owner, its whole share list, republishes it and reads it back: about 7 requests a dashboard,
// 6 of them one after the other (the dependency chain of one dashboard).
//
// Figures: requests (both tenants, from sim.requests), wall time, the floor = the larger of (requests × latency ÷
// concurrency cap: the plugin setting migrationConcurrency, 8 by default) and (the longest chain of requests that must
// follow each other × latency), the ratio to it, the speed-up over the same migration one request at a time
// (migrationConcurrency 1), and CPU in this process per dashboard. Targets: wall ≤ 1.5× the floor at the cap, and
// ≥ 5× faster than sequential.
//
// `node bench/sisense-migration.bench.js [--dashboards 500] [--cap 8] [--sequential-subset N] [--tool everything]`: the sequential
// baseline runs the whole migration one request at a time (≈ 75 s, nearly all of it waiting); with
// --sequential-subset it migrates N dashboards instead and extrapolates by request count (it says so).
// Needs `npm run build` first (npm run bench does it); compiles the simulator itself (a few seconds).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LATENCY_MS = 50;
const TARGET_FLOOR_RATIO = 1.5;
const TARGET_SPEEDUP = 5;

const { values: args } = parseArgs({
  options: { dashboards: { type: 'string', default: '500' }, cap: { type: 'string', default: '8' }, 'sequential-subset': { type: 'string' }, tool: { type: 'string', default: 'dashboards' } },
});
const N = Number(args.dashboards);
const CAP = Number(args.cap);
const SUBSET = args['sequential-subset'] === undefined ? undefined : Number(args['sequential-subset']);
/** `dashboards` (sisense.migration.dashboards) or `everything` (sisense.migration.everything: groups, users, models, dashboards). */
const TOOL = `sisense.migration.${args.tool}`;

/** The simulator is test code (not in dist/src): compiled the way `npm run sim` does, to dist/sim. */
function compileSimulator() {
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  const r = spawnSync(
    process.execPath,
    [tsc, '--ignoreConfig', '--outDir', 'dist/sim', '--rootDir', '.', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--types', 'node', '--skipLibCheck', '--strict', 'test/sisense-sim/main.ts'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  // tsc emits despite type errors (noEmitOnError is off): a type error in the simulator is reported, not fatal.
  if (r.status !== 0 && !existsSync(new URL('../dist/sim/test/sisense-sim/sisense-sim.js', import.meta.url))) throw new Error(`compiling the simulator failed:\n${r.stdout}${r.stderr}`);
  if (r.status !== 0) console.log(`(the simulator compiled with type errors:\n${r.stdout.trim()})\n`);
}

compileSimulator();
const sim = (p) => new URL(`../dist/sim/test/sisense-sim/${p}`, import.meta.url).href;
const { startSisenseSim } = await import(sim('sisense-sim.js'));
const { addDashboard, jaql } = await import(sim('seed/seed.dashboards.js'));
const { ecommerceModel } = await import(sim('seed/seed.models.js'));
const { createTestHost } = await import(new URL('../dist/src/plugins/test-host.js', import.meta.url).href);

// ---- the tenants ---------------------------------------------------------------------------------------------------

const PEOPLE = [
  ['admin@acme.test', 'Ada', 'Admin', 'super', ['Admins']],
  ['dana.designer@acme.test', 'Dana', 'Designer', 'contributor', ['Sales']],
  ['fred.finance@acme.test', 'Fred', 'Finance', 'contributor', ['Finance']],
  ['mia.marketing@acme.test', 'Mia', 'Marketing', 'contributor', ['Marketing']],
  ['vic.viewer@acme.test', 'Vic', 'Viewer', 'consumer', ['Sales', 'Marketing']],
];

/** Users, groups and the "Sample ECommerce" model: the same names in both tenants (ids differ), so nothing is missing. */
function people(b) {
  for (const g of ['Sales', 'Finance', 'Marketing']) b.group(g);
  const users = PEOPLE.map(([email, firstName, lastName, role, groups]) => b.user({ email, firstName, lastName, role, groups }));
  ecommerceModel(b, users[0], [{ party: users[0], permission: 'w' }]);
  return users;
}

/** The source: `n` dashboards, owners in turn (one in four is the admin's), three in four in a folder, most shared. */
const sourceSeed = (n) => (b) => {
  const users = people(b);
  const sales = b.folder('Sales', users[1]);
  const folders = [undefined, sales, b.folder('Deep Dives', users[1], sales), b.folder('Finance', users[2])];
  const groups = ['Sales', 'Finance', 'Marketing'].map((g) => b.groupNamed(g));
  const datasource = { title: 'Sample ECommerce', live: false };
  // A viewer cannot own a dashboard (can_be_owned says no): the owners are the others.
  const owners = users.slice(0, 4);
  for (let i = 0; i < n; i++) {
    const owner = owners[i % owners.length];
    const other = users[(i + 1) % users.length] === owner ? users[(i + 2) % users.length] : users[(i + 1) % users.length];
    const shares = i % 10 === 9 ? [] : [{ to: groups[i % 3], rule: 'view' }, { to: other, rule: i % 2 ? 'edit' : 'view' }];
    addDashboard(b, {
      title: `Dashboard ${String(i).padStart(4, '0')}`,
      owner,
      datasource,
      folder: folders[i % folders.length],
      shares,
      widgets: [
        { title: 'Revenue', type: 'indicator', subtype: 'indicator/numeric', panels: [['value', [jaql('Commerce.Revenue', 'Revenue', { agg: 'sum' })]]] },
        { title: 'By category', type: 'chart/column', subtype: 'column/classic', panels: [['categories', [jaql('Category.Category', 'Category')]], ['values', [jaql('Commerce.Revenue', 'Revenue', { agg: 'sum' })]], ['break by', []]] },
        { title: 'By brand', type: 'tablewidget', subtype: '', panels: [['columns', [jaql('Brand.Brand', 'Brand'), jaql('Commerce.Quantity', 'Quantity', { agg: 'sum' })]]] },
      ],
    });
  }
  return { admin: b.token('admin', users[0]) };
};

const targetSeed = (b) => ({ admin: b.token('admin', people(b)[0]) });

// ---- one migration ---------------------------------------------------------------------------------------------------

/** Stamps every request the simulator logs with the time it arrived (ms since `t0.at`). */
function stamp(s, t0) {
  s.requests.push = function (...entries) {
    for (const e of entries) e.at = performance.now() - t0.at;
    return Array.prototype.push.apply(this, entries);
  };
}

async function migrate(n, concurrency) {
  const [src, dst] = await Promise.all([startSisenseSim({ seed: sourceSeed(n), tenant: 'bench-source' }), startSisenseSim({ seed: targetSeed, tenant: 'bench-target' })]);
  const t0 = { at: performance.now() };
  stamp(src, t0);
  stamp(dst, t0);
  src.latencyMs = dst.latencyMs = LATENCY_MS;
  const host = await createTestHost({
    environments: { src: { kind: 'sisense', url: src.url, token: src.token }, dst: { kind: 'sisense', url: dst.url, token: dst.token } },
    config: { sisense: { settings: { migrationConcurrency: concurrency } } },
  });
  try {
    globalThis.gc?.();
    const roles = { environments: { source: 'src', target: 'dst' } };
    const p0 = performance.now();
    const plan = await host.invoker.invoke(TOOL, { action: 'overwrite' }, { ...roles, mode: 'plan' });
    if (!plan.ok || plan.plan.wouldFail) throw new Error(`the plan failed: ${JSON.stringify(plan).slice(0, 2000)}`);
    const planWall = performance.now() - p0;
    const planRequests = src.requests.length + dst.requests.length;
    src.requests.length = 0;
    dst.requests.length = 0;
    t0.at = performance.now();
    const cpu0 = process.cpuUsage();
    const r = await host.invoker.invoke(TOOL, { action: 'overwrite' }, roles);
    const wall = performance.now() - t0.at;
    const cpu = process.cpuUsage(cpu0);
    if (!r.ok) throw new Error(`the migration failed: ${JSON.stringify(r.error).slice(0, 2000)}`);
    const { summary, results } = r.output;
    const dashboards = results.filter((x) => x.kind === 'dashboard' && x.status === 'succeeded').length;
    if (dashboards !== n || summary.failed) throw new Error(`expected ${n} dashboards migrated, got ${JSON.stringify(summary)}`);
    check(src, dst);
    const all = [...src.requests, ...dst.requests];
    if (all.some((q) => q.status >= 400 || q.status === 0)) throw new Error('some request failed');
    return { n, concurrency, wall, planWall, planRequests, cpuMs: (cpu.user + cpu.system) / 1000, requests: all.length, src: src.requests, dst: dst.requests };
  } finally {
    await host.catalogue.dispose();
    await Promise.all([src.close(), dst.close()]);
  }
}

/** Spot checks that the migration did its job: owners, shares and folders by name. */
function check(src, dst) {
  const email = (s, id) => s.state.users.find((u) => u._id === id)?.email;
  const group = (s, id) => s.state.groups.find((g) => g._id === id)?.name;
  const folder = (s, oid) => s.state.folders.find((f) => f.oid === oid)?.name ?? '';
  const shares = (s, d) => d.shares.map((x) => `${x.type}:${x.type === 'group' ? group(s, x.shareId) : email(s, x.shareId)}:${x.rule ?? 'owner'}`).sort().join(',');
  for (const d of src.state.dashboards) {
    const there = dst.state.dashboards.find((x) => x.oid === d.oid);
    const want = [d.title, email(src, d.owner), shares(src, d), folder(src, d.parentFolder)];
    const got = there && [there.title, email(dst, there.owner), shares(dst, there), folder(dst, there.parentFolder)];
    if (JSON.stringify(want) !== JSON.stringify(got)) throw new Error(`dashboard ${d.oid}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
}

// ---- figures -----------------------------------------------------------------------------------------------------------

const KINDS = [
  ['listings and read-backs', (q) => q.method === 'GET' && !q.path.endsWith('/export') && !q.path.endsWith('/can_be_owned')],
  ['exports', (q) => q.method === 'GET' && q.path.endsWith('/export')],
  ['bulk imports', (q) => q.path.endsWith('/import/bulk')],
  ['folders created', (q) => q.method === 'POST' && q.path === '/api/v1/folders'],
  ['folder moves', (q) => q.method === 'PATCH'],
  ['can_be_owned', (q) => q.path.endsWith('/can_be_owned')],
  ['owner changes', (q) => q.path.endsWith('/change_owner')],
  ['share writes', (q) => q.method === 'POST' && q.path.startsWith('/api/shares/')],
  ['publishes', (q) => q.path.endsWith('/publish')],
];

/** The longest chain of requests that must follow each other: import, folders (2 levels, first time), folder move with can_be_owned, owner, shares, publish, read back. */
const CHAIN = 8;

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

function describeRun(m) {
  const floor = Math.max((m.requests * LATENCY_MS) / m.concurrency, CHAIN * LATENCY_MS);
  console.log(`  the plan (approval preview) before it: ${s(m.planWall)} for ${m.planRequests} requests; its reads are reused by the migration`);
  const all = [...m.src, ...m.dst];
  const firstWrite = Math.min(...all.filter((q) => q.method !== 'GET').map((q) => q.at), m.wall);
  const reads = all.filter((q) => q.at < firstWrite).length;
  console.log(`  requests: ${m.requests} (source ${m.src.length}, target ${m.dst.length}); ${KINDS.map(([k, f]) => `${k} ${all.filter(f).length}`).join(', ')}`);
  console.log(`  wall ${s(m.wall)}; floor max(${m.requests} × ${LATENCY_MS} ms ÷ ${m.concurrency}, ${CHAIN} × ${LATENCY_MS} ms) = ${s(floor)}; ratio ${(m.wall / floor).toFixed(2)}×; CPU in this process ${s(m.cpuMs)} (${(m.cpuMs / m.n).toFixed(1)} ms a dashboard)`);
  console.log(
    `  reading until the first write: ${s(firstWrite)} for ${reads} requests (${((reads * LATENCY_MS) / firstWrite).toFixed(1)} in flight on average); ` +
      `writing: ${s(m.wall - firstWrite)} for ${m.requests - reads} requests (${(((m.requests - reads) * LATENCY_MS) / (m.wall - firstWrite)).toFixed(1)} in flight on average)`,
  );
  console.log(`  most requests arriving within ${LATENCY_MS} ms of each other (≈ most in flight): ${mostInFlight(all)}, with the cap at ${m.concurrency}`);
  return floor;
}

/**
 * Every request takes at least the latency, so requests arriving less than that apart were in flight together: the
 * largest such group is a lower bound of the most requests in flight at once.
 */
function mostInFlight(requests) {
  const at = requests.map((q) => q.at).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < at.length; j++) {
    while (at[j] - at[i] >= LATENCY_MS) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

console.log(`node ${process.version}; ${cpus().length} cores; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`${TOOL}, action overwrite: ${N} dashboards, ${LATENCY_MS} ms latency per request on both tenants\n`);

console.log(`at the cap (migrationConcurrency ${CAP}):`);
const capped = await migrate(N, CAP);
const floor = describeRun(capped);

const seqN = SUBSET ?? N;
console.log(`\none request at a time (migrationConcurrency 1), ${seqN === N ? 'the same migration' : `${seqN} dashboards, extrapolated to ${N} by request count`}:`);
const seq = await migrate(seqN, 1);
describeRun(seq);
const seqWall = seqN === N ? seq.wall : (seq.wall / seq.requests) * capped.requests;
if (seqN !== N) console.log(`  extrapolated: ${s(seq.wall)} ÷ ${seq.requests} requests × ${capped.requests} requests = ${s(seqWall)}`);

const ratio = capped.wall / floor;
const speedup = seqWall / capped.wall;
console.log('');
console.log(`requests ${capped.requests}; wall ${s(capped.wall)}; floor ${s(floor)}; ratio to floor ${ratio.toFixed(2)}× (target ≤ ${TARGET_FLOOR_RATIO}×): ${ratio <= TARGET_FLOOR_RATIO ? 'met' : 'MISSED'}; CPU ${(capped.cpuMs / capped.n).toFixed(1)} ms a dashboard`);
console.log(`sequential ${s(seqWall)}${seqN === N ? '' : ' (extrapolated)'}; speed-up ${speedup.toFixed(1)}× (target ≥ ${TARGET_SPEEDUP}×): ${speedup >= TARGET_SPEEDUP ? 'met' : 'MISSED'}`);
process.exitCode = ratio <= TARGET_FLOOR_RATIO && speedup >= TARGET_SPEEDUP ? 0 : 1;

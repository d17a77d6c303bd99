// Runs: throughput of a 5-step read-only playbook (test/fixtures/playbooks-demo demo-read: echo, echo, noop,
// notes.list, a check) and the memory of runs parked at an approval.
//   1. embedded store (PGlite): N runs submitted over loopback HTTP (POST /runs, keep-alive, 32 requests in flight),
//      and N more started through RunsService.start directly (no HTTP), each measured as runs/s = N / (wall time from
//      the first submit to the last run.finished), with per-run latency (submit → run.finished) and CPU time per run;
//   2. the same on PostgreSQL when STEWARD_TEST_PG_URL is set (a fresh database, dropped after; `eval "$(bash
//      .ci/postgres.sh)"` starts one); the PostgreSQL server's own CPU is not in the CPU column;
//   3. RSS and heap with 1,000 demo-write runs parked at awaiting_approval (embedded store; PostgreSQL too when set).
// Targets: ≥ 100 runs/s on the embedded store; < 300 MB RSS with 1,000 waiting runs.
// A daemon per leg: startDaemon from dist/ with logging warn, runs.maxConcurrent = MAX_CONCURRENT and the lab
// environment's read concurrency raised to match (the defaults, 8 and 5, would measure the limits, not the engine).
// Bounded: each leg stops at its run count or its time budget, whichever comes first; every address is 127.0.0.1.
// Needs `npm run build` first (npm run bench does it). Env: BENCH_RUNS (default 1000), BENCH_MAX_CONCURRENT (64).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const dist = (p) => new URL(`../dist/src/${p}`, import.meta.url).href;
const { startDaemon } = await import(dist('daemon.js'));
const { fromText } = await import(dist('config/config.loader.js'));
const { RunsService } = await import(dist('runs/runs.service.js'));
const { RunEventsService } = await import(dist('runs/run-events.service.js'));

const FIXTURES = new URL('../test/fixtures/playbooks-demo', import.meta.url).pathname;
const N = Number(process.env.BENCH_RUNS ?? 1000);
const MAX_CONCURRENT = Number(process.env.BENCH_MAX_CONCURRENT ?? 64);
const IN_FLIGHT = 32;
const WAITING = 1000;
const LEG_BUDGET_MS = 120_000;
const WARMUP = 50;
const TOKEN = `bench-operator-${randomBytes(8).toString('hex')}`;
const WHO = { name: 'bench', role: 'operator' };
const gc = globalThis.gc ?? (() => undefined);

async function openDaemon(storeYaml) {
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-runs-'));
  const yaml = [
    'logging: { level: warn, format: json }',
    `auth: { tokens: [ { name: bench, token: ${TOKEN}, role: operator } ] }`,
    storeYaml,
    `environments: { lab: { kind: demo, concurrency: { read: ${Math.min(MAX_CONCURRENT, 256)}, write: 8 } } }`,
    `playbooks: { dirs: [${FIXTURES}] }`,
    `runs: { maxConcurrent: ${MAX_CONCURRENT} }`,
  ].join('\n');
  const loaded = fromText(join(dir, 'steward.yaml'), yaml, dir, {});
  const daemon = await startDaemon({ loaded, port: 0, host: '127.0.0.1', logDestination: { write: (s) => process.stderr.write(s) } });
  return { daemon, dir };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

function post(url, path, body) {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(`${url}${path}`, {
      method: 'POST',
      agent,
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
    });
    req.setTimeout(30_000, () => req.destroy(new Error('POST timed out')));
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => (res.statusCode === 202 ? resolve(JSON.parse(text)) : reject(new Error(`POST ${path}: ${res.statusCode} ${text}`))));
    });
    req.end(payload);
  });
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

/**
 * Starts `n` runs (at most IN_FLIGHT submissions outstanding) and waits until each one reaches `until` (run.finished,
 * or parking at an approval). Resolves with timings; stops at the budget.
 */
async function drive(daemon, n, { via, playbook, inputs = () => ({}), until = 'finished' }) {
  const events = daemon.app.get(RunEventsService);
  const runs = daemon.app.get(RunsService);
  const submitted = new Map(); // run id → submit time
  const reached = new Map(); // run id → time it got there
  const states = {};
  let wake;
  const unsubscribe = events.subscribe((e) => {
    const done = until === 'finished' ? e.type === 'run.finished' : e.type === 'run.state' && e.data.to === 'awaiting_approval';
    const unexpected = until !== 'finished' && e.type === 'run.finished';
    if (!done && !unexpected) return;
    reached.set(e.runId, performance.now());
    const state = e.type === 'run.finished' ? e.data.state : 'awaiting_approval';
    states[state] = (states[state] ?? 0) + 1;
    wake?.();
  });
  const deadline = Date.now() + LEG_BUDGET_MS;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  let errors = 0;
  const submitter = async () => {
    while (next < n && Date.now() < deadline) {
      const i = next++;
      const started = performance.now();
      const body = { playbook, environments: { target: 'lab' }, inputs: inputs(i) };
      try {
        const id = via === 'http' ? (await post(daemon.url, '/runs', body)).id : (await runs.start(body, WHO)).id;
        submitted.set(id, started);
      } catch (e) {
        if (errors++ === 0) console.error(`  submit failed: ${e.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, submitter));
  const submitMs = performance.now() - t0;
  while (reached.size < submitted.size && Date.now() < deadline) {
    await new Promise((r) => {
      wake = r;
      setTimeout(r, 200);
    });
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  unsubscribe();
  const latencies = [...submitted].filter(([id]) => reached.has(id)).map(([id, at]) => reached.get(id) - at).sort((a, b) => a - b);
  return {
    n: submitted.size,
    completed: latencies.length,
    errors,
    states,
    submitMs,
    wallMs,
    perSecond: (latencies.length / wallMs) * 1000,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    cpuMsPerRun: (cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length),
    timedOut: Date.now() >= deadline,
  };
}

const fmt = (r) =>
  `${String(r.completed).padStart(5)}/${r.n} runs in ${(r.wallMs / 1000).toFixed(2)} s = ${r.perSecond.toFixed(1).padStart(6)} runs/s; ` +
  `latency p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms; CPU ${r.cpuMsPerRun.toFixed(2)} ms/run; ${JSON.stringify(r.states)}` +
  `${r.errors ? `; ${r.errors} submit errors` : ''}${r.timedOut ? ' (TIME BUDGET HIT)' : ''}`;

async function throughputLeg(name, storeYaml) {
  const { daemon, dir } = await openDaemon(storeYaml);
  const results = {};
  try {
    await drive(daemon, WARMUP, { via: 'direct', playbook: 'demo-read' });
    for (const via of ['http', 'direct']) {
      gc();
      const r = await drive(daemon, N, { via, playbook: 'demo-read' });
      console.log(`${name.padEnd(8)} ${via === 'http' ? 'POST /runs ' : 'RunsService'}  ${fmt(r)}`);
      results[via] = r;
    }
  } finally {
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

async function memoryLeg(name, storeYaml) {
  const { daemon, dir } = await openDaemon(storeYaml);
  try {
    await drive(daemon, WARMUP, { via: 'direct', playbook: 'demo-read' });
    gc();
    const before = process.memoryUsage();
    const r = await drive(daemon, WAITING, { via: 'direct', playbook: 'demo-write', inputs: (i) => ({ key: `note-${i}` }), until: 'parked' });
    gc();
    await new Promise((res) => setTimeout(res, 500));
    gc();
    const after = process.memoryUsage();
    const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;
    console.log(
      `${name.padEnd(8)} ${r.states.awaiting_approval ?? 0} runs awaiting approval (parked in ${(r.wallMs / 1000).toFixed(1)} s): ` +
        `RSS ${mb(after.rss)} (before ${mb(before.rss)}), heap used ${mb(after.heapUsed)} (before ${mb(before.heapUsed)}), external ${mb(after.external)}, ` +
        `array buffers ${mb(after.arrayBuffers)}${r.timedOut ? ' (TIME BUDGET HIT)' : ''}`,
    );
    return { rss: after.rss, rssBefore: before.rss, heapUsed: after.heapUsed, waiting: r.states.awaiting_approval ?? 0 };
  } finally {
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withPostgres(fn) {
  const adminUrl = process.env.STEWARD_TEST_PG_URL;
  if (!adminUrl) return undefined;
  const db = `steward_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${db}`);
    const u = new URL(adminUrl);
    u.pathname = `/${db}`;
    return await fn(`store: { url: "${u}", poolSize: 10 }`);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

/** The memory leg in a process of its own: RSS never shrinks, so a process that ran the throughput legs would lie. */
function memoryChild(kind) {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--memory', kind], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', timeout: LEG_BUDGET_MS + 60_000 });
  process.stdout.write(r.stdout ?? '');
  const m = /^RESULT (\{.*\})$/m.exec(r.stdout ?? '');
  return m ? JSON.parse(m[1]) : { rss: Infinity, waiting: 0 };
}

const memoryMode = process.argv.indexOf('--memory');
if (memoryMode >= 0) {
  const kind = process.argv[memoryMode + 1];
  const result = kind === 'postgres' ? await withPostgres((store) => memoryLeg('postgres', store)) : await memoryLeg('pglite', 'store: { path: data }');
  console.log(`RESULT ${JSON.stringify(result ?? {})}`);
  process.exit(0);
}

console.log(`node ${process.version}; ${cpus().length} cores; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`${N} runs of demo-read per row; runs.maxConcurrent ${MAX_CONCURRENT}; lab read concurrency ${Math.min(MAX_CONCURRENT, 256)}; ${IN_FLIGHT} submissions in flight\n`);
const embedded = await throughputLeg('pglite', 'store: { path: data }');
const postgres = await withPostgres((store) => throughputLeg('postgres', store));
if (!postgres) console.log('postgres (skipped: STEWARD_TEST_PG_URL is not set)');
agent.destroy();
console.log('');
const mem = memoryChild('pglite');
if (process.env.STEWARD_TEST_PG_URL) memoryChild('postgres');

const best = Math.max(embedded.http.perSecond, embedded.direct.perSecond);
console.log('');
console.log(`embedded: ${embedded.http.perSecond.toFixed(1)} runs/s over HTTP, ${embedded.direct.perSecond.toFixed(1)} direct, ${embedded.direct.cpuMsPerRun.toFixed(1)} ms CPU/run (target ≥ 100 runs/s, i.e. ≤ 10 ms CPU/run on one core): ${best >= 100 ? 'met' : 'MISSED'}`);
if (postgres) console.log(`postgres: ${postgres.http.perSecond.toFixed(1)} runs/s over HTTP, ${postgres.direct.perSecond.toFixed(1)} direct`);
console.log(`RSS with ${mem.waiting} waiting runs: ${(mem.rss / 1048576).toFixed(0)} MB (target < 300 MB): ${mem.rss < 300 * 1048576 && mem.waiting === WAITING ? 'met' : 'MISSED'}`);
process.exit(0);

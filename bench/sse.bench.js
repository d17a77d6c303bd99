// SSE fan-out: one run followed by 1,000 concurrent subscribers of GET /runs/{id}/events on loopback.
// The run is demo-gate (test/fixtures/playbooks-demo): it parks at its approval step while the subscribers connect
// and catch up, then it is approved and its slow step reports progress (about 10 events a second, throttled by the
// runner) until it finishes, which ends every stream.
// Latency of one delivery = the time a subscriber read the event − the time the daemon published it. The daemon
// (this process: startDaemon from dist/, embedded store, logging warn) stamps each event on its bus before the fan-out
// runs (a listener prepended on EventEmitter2); the subscribers live in a child process (raw http.request readers,
// one socket each, only the `id:` lines parsed) and stamp each chunk as it arrives. Both stamps are wall-clock
// (performance.timeOrigin + performance.now()), so they compare across the two processes. Only live events count
// (those published after the approval); the replay each subscriber gets on connecting is checked, not timed.
// Target: p99 < 100 ms at 1,000 subscribers.
// Bounded: connecting, catching up and the run each have a time budget; every address is 127.0.0.1.
// Needs `npm run build` first (npm run bench does it). Env: BENCH_SUBSCRIBERS (default 1000), BENCH_STEPS (100).
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const STEPS = Number(process.env.BENCH_STEPS ?? 100);
const CONNECT_BUDGET_MS = 60_000;
const RUN_BUDGET_MS = 120_000;
const now = () => performance.timeOrigin + performance.now();

if (process.argv[2] === '--subscribers') await subscribers(process.argv[3], process.argv[4], process.argv[5], Number(process.argv[6]));
else await main();

async function main() {
  const dist = (p) => new URL(`../dist/src/${p}`, import.meta.url).href;
  const { startDaemon } = await import(dist('daemon.js'));
  const { fromText } = await import(dist('config/config.loader.js'));
  const { EventEmitter2 } = await import('@nestjs/event-emitter');
  const fixtures = new URL('../test/fixtures/playbooks-demo', import.meta.url).pathname;
  const tokens = { viewer: `v-${randomBytes(12).toString('hex')}`, operator: `o-${randomBytes(12).toString('hex')}`, approver: `a-${randomBytes(12).toString('hex')}` };
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-sse-'));
  const yaml = [
    'logging: { level: warn, format: json }',
    `auth: { tokens: [ ${Object.entries(tokens).map(([role, token]) => `{ name: ${role}, token: ${token}, role: ${role} }`).join(', ')} ] }`,
    'store: { path: data }',
    'environments: { lab: { kind: demo } }',
    `playbooks: { dirs: [${fixtures}] }`,
  ].join('\n');
  const daemon = await startDaemon({ loaded: fromText(join(dir, 'steward.yaml'), yaml, dir, {}), port: 0, host: '127.0.0.1', logDestination: { write: (s) => process.stderr.write(s) } });
  console.log(`node ${process.version}; ${cpus().length} cores; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  let child;
  try {
    const run = await api(daemon.url, 'POST', '/runs', tokens.operator, { playbook: 'demo-gate', environments: { target: 'lab' }, inputs: { steps: STEPS } });
    const published = new Map(); // seq → publish time
    const types = new Map(); // seq → event type
    daemon.app.get(EventEmitter2).prependListener('run.event', (e) => {
      if (e.runId !== run.id) return;
      published.set(e.seq, now());
      types.set(e.seq, e.type);
    });
    await until(async () => (await api(daemon.url, 'GET', `/runs/${run.id}`, tokens.viewer)).state === 'awaiting_approval', 20_000, 'the run to park');
    const parkedAt = (await api(daemon.url, 'GET', `/runs/${run.id}`, tokens.viewer)).lastEventId;

    child = fork(fileURLToPath(import.meta.url), ['--subscribers', daemon.url, run.id, tokens.viewer, String(parkedAt)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const message = (type) => new Promise((resolve, reject) => {
      const onMessage = (m) => m.type === type && (child.off('message', onMessage), resolve(m));
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`subscriber process exited (${code}) before "${type}"`)));
    });
    const caughtUp = await message('caught-up');
    console.log(`${caughtUp.connected}/${SUBSCRIBERS} subscribers connected and replayed ${parkedAt} events in ${(caughtUp.ms / 1000).toFixed(2)} s`);

    const { approvals } = await api(daemon.url, 'GET', `/approvals?runId=${run.id}&status=pending`, tokens.viewer);
    const approvedAt = now();
    await api(daemon.url, 'POST', `/approvals/${approvals[0].id}`, tokens.approver, { decision: 'approve' });
    const result = await message('done');
    const runMs = now() - approvedAt;

    const latencies = [];
    let unknown = 0;
    for (const [seq, times] of result.received) {
      if (seq <= parkedAt) continue;
      const at = published.get(seq);
      if (at === undefined) {
        unknown += times.length;
        continue;
      }
      for (const t of times) latencies.push(t - at);
    }
    latencies.sort((a, b) => a - b);
    if (process.env.BENCH_SSE_DETAIL) {
      // Per event: when it was published (after the approval) and how long the first, median and last subscriber waited.
      for (const [seq, times] of [...result.received].sort((a, b) => a[0] - b[0])) {
        const at = published.get(seq);
        if (seq <= parkedAt || at === undefined) continue;
        const l = times.map((t) => t - at).sort((a, b) => a - b);
        console.log(`  #${String(seq).padStart(3)} ${types.get(seq).padEnd(18)} +${(at - approvedAt).toFixed(0).padStart(5)} ms  first ${l[0].toFixed(1).padStart(6)}  median ${l[l.length >> 1].toFixed(1).padStart(6)}  last ${l.at(-1).toFixed(1).padStart(6)} ms`);
      }
    }
    const liveEvents = [...published.keys()].filter((s) => s > parkedAt).length;
    const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
    console.log(`live events ${liveEvents} × ${SUBSCRIBERS} subscribers: ${latencies.length} deliveries in ${(runMs / 1000).toFixed(2)} s` +
      ` (expected ${liveEvents * SUBSCRIBERS}; streams ended ${result.ended}/${SUBSCRIBERS}; out of order or repeated ${result.disorder}; replay gaps ${result.replayGaps}${unknown ? `; ${unknown} without a publish stamp` : ''})`);
    console.log(`delivery latency: p50 ${pct(50).toFixed(1)} ms, p90 ${pct(90).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms`);
    const complete = latencies.length === liveEvents * SUBSCRIBERS && result.disorder === 0 && result.replayGaps === 0;
    console.log(`\np99 ${pct(99).toFixed(1)} ms at ${SUBSCRIBERS} subscribers (target < 100 ms, every event delivered once, in order): ${pct(99) < 100 && complete ? 'met' : 'MISSED'}`);
  } finally {
    child?.kill();
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

/** The child: `count` SSE readers; reports when all caught up with the replay, then every event's receive times. */
async function subscribers(url, runId, token, replayed) {
  const count = SUBSCRIBERS;
  const received = new Map(); // seq → [receive times]
  const started = now();
  let caughtUp = 0;
  let ended = 0;
  let disorder = 0;
  let replayGaps = 0;
  const sockets = [];
  let finish;
  const finished = new Promise((r) => (finish = r));
  const connect = (i) => {
    const req = http.request(`${url}/runs/${runId}/events`, { agent: false, headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' } });
    sockets.push(req);
    req.on('error', (e) => {
      if (i === 0) console.error(`subscriber ${i}: ${e.message}`);
      if (++ended === count) finish();
    });
    req.on('response', (res) => {
      let buf = '';
      let last = 0;
      let counted = false;
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const t = now();
        buf += chunk;
        let cut;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          if (!block.startsWith('id: ')) continue;
          const seq = Number(block.slice(4, block.indexOf('\n')));
          if (seq !== last + 1) {
            if (seq <= replayed) replayGaps++;
            else disorder++;
          }
          last = seq;
          let times = received.get(seq);
          if (!times) received.set(seq, (times = []));
          times.push(t);
          if (!counted && seq >= replayed) {
            counted = true;
            if (++caughtUp === count) process.send({ type: 'caught-up', connected: caughtUp, ms: now() - started });
          }
        }
      });
      res.on('end', () => ++ended === count && finish());
      res.on('close', () => undefined);
    });
    req.end();
  };
  for (let i = 0; i < count; i++) connect(i);
  const connectTimer = setTimeout(() => {
    console.error(`only ${caughtUp}/${count} subscribers caught up within ${CONNECT_BUDGET_MS / 1000} s`);
    process.send({ type: 'caught-up', connected: caughtUp, ms: now() - started });
  }, CONNECT_BUDGET_MS);
  await new Promise((r) => {
    const check = setInterval(() => caughtUp === count && (clearInterval(check), r()), 20);
    setTimeout(() => (clearInterval(check), r()), CONNECT_BUDGET_MS);
  });
  clearTimeout(connectTimer);
  await Promise.race([finished, new Promise((r) => setTimeout(r, RUN_BUDGET_MS))]);
  process.send({ type: 'done', received: [...received], ended, disorder, replayGaps }, () => process.exit(0));
}

function api(base, method, path, token, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(`${base}${path}`, { method, headers: { Authorization: `Bearer ${token}`, ...(payload && { 'Content-Type': 'application/json' }) } });
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => (res.statusCode < 300 ? resolve(JSON.parse(text)) : reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`))));
    });
    req.end(payload);
  });
}

async function until(check, ms, what) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

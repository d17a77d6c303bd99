// Tool-call overhead for a no-op tool (demo.util.noop):
//   1. in-process: the bare ToolInvoker.invoke (no MCP, for reference), then Steward's engine path: EngineClient (MCP
//      client over the SDK's in-memory transport) → createMcpServer (resolve, validate, gate) → invoker;
//   2. over /mcp on loopback: a Steward daemon (startDaemon, embedded store, logging warn, one admin token), called
//      sequentially (latency) and by K concurrent callers (throughput) over one session and over several;
//   3. the same against @modelcontextprotocol/server-everything's `echo` tool in its streamableHttp mode.
// Targets: in-process p50 < 0.5 ms; /mcp throughput ≥ 0.8× server-everything's.
//
// Over HTTP there are two clients: the SDK's Client + StreamableHTTPClientTransport (what an MCP host uses), and a
// minimal one (node:http, keep-alive, hand-written JSON-RPC, SSE answer parsed by hand). The SDK client costs more CPU
// per call than either server, so with it K callers measure mostly the client; the minimal client leaves the server
// the bottleneck, which is what the throughput target is about. Each HTTP server runs in a child process of its own
// (Steward through this file's --serve-steward mode) and its CPU time per call is read from /proc: that column holds
// up when something else is using the machine, where calls/s does not.
//
// Bounded: every loop stops at its call count or its time budget, whichever comes first; every address is 127.0.0.1.
// Needs `npm run build` first (npm run bench does it).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const dist = (p) => new URL(`../dist/src/${p}`, import.meta.url).href;
const SELF = fileURLToPath(import.meta.url);
const EVERYTHING = fileURLToPath(new URL('../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url));
const ENVIRONMENTS = { lab: { kind: 'demo' } };
const K = 16;
const SESSIONS = 4;
const ROUNDS = 3;

/** `node bench/mcp.bench.js [in-process] [sdk] [minimal]`: the parts to run (default all). */
const PARTS = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const part = (name) => PARTS.length === 0 || PARTS.includes(name);

async function main() {
  // The SDK's client transport hands one AbortSignal to every fetch, and Node 20's fetch lets go of those listeners
  // only when a request is garbage-collected: thousands of calls trip the leak warning (alike for both servers).
  setMaxListeners(1_000_000);
  process.removeAllListeners('warning');
  process.on('warning', (w) => w.name !== 'MaxListenersExceededWarning' && console.error(w));
  const gc = globalThis.gc ?? (() => undefined);
  console.log(`node ${process.version}; ${cpus().length} cores; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  console.log(fmtRow(null));

  let inProcess;
  if (part('in-process')) inProcess = await runInProcess(gc);
  const ratios = part('sdk') || part('minimal') ? await runHttp(gc) : [];

  console.log('');
  if (inProcess) {
    const p50ms = inProcess.p50 / 1000;
    console.log(`in-process p50 = ${p50ms.toFixed(3)} ms (target < 0.5 ms): ${p50ms < 0.5 ? 'met' : 'MISSED'}`);
  }
  for (const r of ratios) {
    console.log(`/mcp throughput = ${r.rate.toFixed(2)}× server-everything (target ≥ 0.8×), ${r.what}: ${r.rate >= 0.8 ? 'met' : 'MISSED'}${Number.isFinite(r.cpu) ? `; server CPU per call: ${(1 / r.cpu).toFixed(2)}× server-everything's` : ''}`);
  }
}

async function runInProcess(gc) {
  const { createTestHost } = await import(dist('plugins/test-host.js'));
  const { createMcpServer } = await import(dist('mcp/mcp.server.js'));
  const { McpToolSurface } = await import(dist('mcp/mcp-tools.js'));
  const { FailClosedGate } = await import(dist('mcp/tool-gate.js'));
  const { EngineClient } = await import(dist('mcp/engine.client.js'));
  const host = await createTestHost({ environments: ENVIRONMENTS });
  // The test host records debug lines for its assertions; a daemon, like this one, logs at warn.
  host.logger.level = 'warn';
  const server = createMcpServer(
    { catalogue: host.catalogue, invoker: host.invoker, surface: new McpToolSurface(ENVIRONMENTS), gate: new FailClosedGate(), logger: host.logger, version: 'bench', approvalsUrl: (id) => `/approvals/${id}` },
    { principal: { name: 'bench', role: 'operator' }, channel: 'engine' },
  );
  const engine = await EngineClient.connect(server);
  gc();
  const invoke = async () => {
    const r = await host.invoker.invoke('demo.util.noop', {});
    if (!r.ok) throw new Error(JSON.stringify(r));
  };
  console.log(fmtRow(await sequential('in-process invoker.invoke (no MCP)', [invoke], { warmup: 5000, calls: 50_000, maxMs: 10_000 })));
  gc();
  const inProcess = await sequential('in-process EngineClient → MCP server', [async () => okResult(await engine.call({ tool: 'demo__util__noop', input: {} }))], {
    warmup: 3000,
    calls: 30_000,
    maxMs: 15_000,
  });
  console.log(fmtRow(inProcess));
  await engine.close();
  return inProcess;
}

async function runHttp(gc) {
  const token = `bench-${randomBytes(16).toString('hex')}`;
  let steward;
  let everything;
  try {
    steward = await startSteward(token);
    everything = await startEverything();
    const servers = [
      { name: 'Steward /mcp noop', proc: steward, url: `${steward.url}/mcp`, headers: { Authorization: `Bearer ${token}` }, tool: 'demo__util__noop', args: {} },
      { name: 'server-everything echo', proc: everything, url: `${everything.url}/mcp`, headers: {}, tool: 'echo', args: { message: 'x' } },
    ];
    const ratios = [];
    for (const [kind, connect] of [
      ['SDK client', connectSdk, 'sdk'],
      ['minimal client', connectRaw, 'minimal'],
    ].filter((c) => part(c[2]))) {
      console.log('');
      for (const s of servers) {
        s.sessions = [];
        for (let i = 0; i < SESSIONS; i++) s.sessions.push(await connect(s));
        s.seq = [s.sessions[0].call];
        s.one = Array.from({ length: K }, () => s.sessions[0].call);
        s.many = Array.from({ length: K }, (_, i) => s.sessions[i % SESSIONS].call);
        await sequential('warm-up', s.seq, { warmup: 0, calls: 300, maxMs: 5000 });
      }
      for (const s of servers) {
        gc();
        console.log(fmtRow(await sequential(`${s.name}, ${kind}, sequential`, s.seq, { warmup: 100, calls: 2000, maxMs: 10_000, server: s.proc })));
      }
      // Throughput: rounds alternate between the servers, the median round is reported.
      for (const [key, label] of [
        ['one', `K=${K}, 1 session`],
        ['many', `K=${K}, ${SESSIONS} sessions`],
      ]) {
        const runs = new Map(servers.map((s) => [s, []]));
        for (const s of servers) await concurrent('warm-up', s[key], { calls: 500, maxMs: 5000 });
        for (let round = 0; round < ROUNDS; round++) {
          for (const s of servers) {
            gc();
            runs.get(s).push(await concurrent(`${s.name}, ${kind}, ${label}`, s[key], { calls: 4000, maxMs: 5000, server: s.proc }));
          }
        }
        const medians = servers.map((s) => {
          const all = runs.get(s).sort((a, b) => a.rate - b.rate);
          const m = all[Math.floor(all.length / 2)];
          m.label += ` [rounds: ${all.map((r) => r.rate.toFixed(0)).join(', ')}/s]`;
          console.log(fmtRow(m));
          return m;
        });
        ratios.push({ what: `${kind}, ${label}`, rate: medians[0].rate / medians[1].rate, cpu: medians[1].serverCpu / medians[0].serverCpu });
      }
      for (const s of servers) for (const c of s.sessions) await c.close();
    }
    return ratios;
  } finally {
    await steward?.stop();
    await everything?.stop();
  }
}

// ---- measurement

function okResult(r) {
  if (r?.isError) throw new Error(`tool call failed: ${JSON.stringify(r).slice(0, 300)}`);
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** Linux: CPU time (user + system, ms) a process has used so far; undefined elsewhere. */
function procCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK; // utime + stime, in clock ticks
  } catch {
    return undefined;
  }
}

async function measure(label, fns, { calls, maxMs, server }) {
  const lat = new Float64Array(calls);
  let issued = 0;
  let n = 0;
  const cpu0 = process.cpuUsage();
  const srv0 = server && procCpuMs(server.pid);
  const t0 = performance.now();
  const end = t0 + maxMs;
  await Promise.all(
    fns.map(async (fn) => {
      while (issued < calls && performance.now() < end) {
        issued++;
        const s = performance.now();
        await fn();
        lat[n++] = performance.now() - s;
      }
    }),
  );
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const srv1 = server && procCpuMs(server.pid);
  const sorted = Float64Array.from(lat.subarray(0, n)).sort();
  const q = (p) => sorted[Math.min(n - 1, Math.floor(p * n))] * 1000;
  return {
    label,
    calls: n,
    p50: q(0.5),
    p99: q(0.99),
    rate: n / (elapsed / 1000),
    clientCpu: (cpu.user + cpu.system) / n,
    serverCpu: srv0 !== undefined && srv1 !== undefined ? ((srv1 - srv0) * 1000) / n : undefined,
  };
}

async function sequential(label, fns, { warmup, calls, maxMs, server }) {
  const warmEnd = performance.now() + Math.min(maxMs, 5000);
  for (let i = 0; i < warmup && performance.now() < warmEnd; i++) await fns[0]();
  return measure(label, fns.slice(0, 1), { calls, maxMs, server });
}

const concurrent = (label, fns, opts) => measure(label, fns, opts);

function fmtRow(r) {
  const cols = r
    ? [String(r.calls), r.p50.toFixed(1), r.p99.toFixed(1), r.rate.toFixed(0), r.clientCpu.toFixed(0), r.serverCpu === undefined ? '-' : r.serverCpu.toFixed(0), r.label]
    : ['calls', 'p50 µs', 'p99 µs', 'calls/s', 'client CPU µs/call', 'server CPU µs/call', 'what'];
  return `${cols[0].padStart(6)} ${cols[1].padStart(9)} ${cols[2].padStart(9)} ${cols[3].padStart(8)} ${cols[4].padStart(18)} ${cols[5].padStart(18)}  ${cols[6]}`;
}

// ---- clients

async function connectSdk(s) {
  const client = new Client({ name: 'steward-bench', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(s.url), { requestInit: { headers: s.headers } });
  await client.connect(transport);
  const { tools } = await client.listTools();
  if (!tools.some((x) => x.name === s.tool)) throw new Error(`${s.url} has no tool ${s.tool}`);
  return {
    call: async () => okResult(await client.callTool({ name: s.tool, arguments: s.args })),
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await client.close().catch(() => undefined);
    },
  };
}

/** A bare Streamable HTTP client: one keep-alive agent per session, JSON-RPC by hand, the SSE answer parsed by hand. */
async function connectRaw(s) {
  const url = new URL(s.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: K });
  let sessionId;
  let nextId = 1;
  const post = (message) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(message);
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          agent,
          headers: {
            ...s.headers,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'content-length': Buffer.byteLength(body),
            ...(sessionId && { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' }),
          },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end(body);
    });
  const answer = (r, id) => {
    if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${r.text.slice(0, 300)}`);
    const json = r.headers['content-type']?.startsWith('text/event-stream')
      ? r.text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6))).find((m) => m.id === id)
      : JSON.parse(r.text);
    if (!json || json.id !== id || json.error) throw new Error(`no answer for request ${id}: ${r.text.slice(0, 300)}`);
    return json.result;
  };
  const init = await post({ jsonrpc: '2.0', id: nextId, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'steward-bench-raw', version: '1' } } });
  answer(init, nextId++);
  sessionId = init.headers['mcp-session-id'];
  if (!sessionId) throw new Error(`${s.url}: no mcp-session-id on initialize`);
  const note = await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  if (note.status !== 202) throw new Error(`notifications/initialized: HTTP ${note.status}`);
  return {
    call: async () => {
      const id = nextId++;
      okResult(answer(await post({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: s.tool, arguments: s.args } }), id));
    },
    close: async () => {
      await new Promise((resolve) => {
        const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'DELETE', agent, headers: { ...s.headers, 'mcp-session-id': sessionId } }, (res) => res.resume().on('end', resolve));
        req.on('error', resolve);
        req.end();
      });
      agent.destroy();
    },
  };
}

// ---- servers

/** Spawns a server; resolves once `ready(line)` returns its URL (within 60 s). */
function startChild(name, args, { env = {}, ready }) {
  // BENCH_CPU_PROF=DIR: the servers write V8 CPU profiles there (open them in Chrome DevTools or speedscope).
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF, '--cpu-prof-name', `${name}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...prof, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const tail = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within 60 s:\n${tail.join('')}`));
    }, 60_000);
    let buf = '';
    const onData = (chunk) => {
      tail.push(chunk.toString());
      if (tail.length > 50) tail.shift();
      buf += chunk.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const url = ready(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (!url) continue;
        clearTimeout(timer);
        child.stdout.removeListener('data', onData);
        child.stderr.removeListener('data', onData);
        // Keep draining, so a chatty server never blocks on a full pipe.
        child.stdout.pipe(new Writable({ write: (_c, _e, cb) => cb() }));
        child.stderr.pipe(new Writable({ write: (_c, _e, cb) => cb() }));
        resolve({
          url,
          pid: child.pid,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
              child.once('exit', () => {
                clearTimeout(kill);
                done();
              });
              child.stdin.end();
              child.kill('SIGINT'); // server-everything exits cleanly (and writes a --cpu-prof profile) on SIGINT only
            }),
        });
        return;
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready:\n${tail.join('')}`));
    });
  });
}

function startSteward(token) {
  return startChild('steward', [SELF, '--serve-steward'], {
    env: { BENCH_TOKEN: token },
    ready: (line) => {
      try {
        return JSON.parse(line).benchUrl;
      } catch {
        return undefined;
      }
    },
  });
}

// server-everything listens on every interface (app.listen(PORT)); this preload makes a port-only listen() bind
// 127.0.0.1 instead, so nothing in this benchmark is reachable from off the machine.
const LOOPBACK_ONLY = `data:text/javascript,${encodeURIComponent(
  "import net from 'node:net'; const listen = net.Server.prototype.listen; net.Server.prototype.listen = function (...a) { if ((typeof a[0] === 'number' || typeof a[0] === 'string') && typeof a[1] !== 'string') a.splice(1, 0, '127.0.0.1'); return listen.apply(this, a); };",
)}`;

async function startEverything() {
  const port = await freePort();
  return startChild('server-everything', ['--import', LOOPBACK_ONLY, EVERYTHING, 'streamableHttp'], {
    env: { PORT: String(port) },
    ready: (line) => (/listening on port/i.test(line) ? `http://127.0.0.1:${port}` : undefined),
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Child mode: a Steward daemon on 127.0.0.1, any free port; prints {"benchUrl"} and stops when stdin closes or on SIGTERM. */
async function serveSteward() {
  const { startDaemon } = await import(dist('daemon.js'));
  const { fromText } = await import(dist('config/config.loader.js'));
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-mcp-'));
  const yaml = [
    'server: { host: 127.0.0.1 }',
    'logging: { level: warn, format: json }',
    'auth:',
    '  tokens:',
    `    - { name: bench, token: ${process.env.BENCH_TOKEN}, role: admin }`,
    'environments:',
    '  lab: { kind: demo }',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'steward.yaml'), yaml);
  const loaded = fromText(join(dir, 'steward.yaml'), yaml, dir, {});
  const daemon = await startDaemon({ loaded, port: 0, host: '127.0.0.1', logDestination: process.stderr });
  process.stdout.write(`${JSON.stringify({ benchUrl: daemon.url })}\n`);
  let stopping;
  const stop = () =>
    (stopping ??= daemon
      .close()
      .catch(() => undefined)
      .finally(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      }));
  process.stdin.on('end', stop).resume();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[2] === '--serve-steward') await serveSteward();
else await main();

#!/usr/bin/env node
// MCP conformance: runs the server scenarios of @modelcontextprotocol/conformance against a real Steward daemon's /mcp
// and compares the outcome with test/conformance/expected-failures.yaml (scenario → reason). Exits non-zero on any
// unexpected failure, any expected failure that now passes, or an entry naming a scenario the suite no longer has,
// so the file stays honest.
//
//   npm run build && node test/conformance/run.mjs [--scenario NAME ...] [--expected FILE] [--verbose] [--keep]
//
// How it is wired:
// - The daemon is the compiled CLI (`node dist/src/main.js serve`) in a fresh temporary directory (its own embedded
//   store), on 127.0.0.1 and a free port; its URL is read from its "steward listening" log line.
// - The suite cannot send an Authorization header, and every route but /health needs one. So the suite talks to a
//   small loopback proxy started here that adds `Authorization: Bearer <the test token>` to requests lacking one and
//   forwards everything else untouched (method, path, Host, Origin, body, streamed SSE responses). Host/Origin
//   validation is therefore still the daemon's own (the proxy's Host is 127.0.0.1:<port>; the DNS-rebinding scenario's
//   forged Host/Origin pass through as sent).
// - The suite's CLI needs Node >= 22 (it imports fs.globSync). On an older Node it runs under `npx -p node@22`
//   (node@22 from the npm registry, cached by npx after the first run); CONFORMANCE_NODE=/path/to/node overrides.
// - A scenario fails, as in the suite's own baseline mode, when any of its checks is FAILURE or WARNING.
// Every wait is bounded: daemon start-up, each scenario, and the whole run.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist/src/main.js');
const SUITE = join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');

const STARTUP_TIMEOUT_MS = 60_000;
const SCENARIO_TIMEOUT_MS = 90_000;
const NODE22_TIMEOUT_MS = 300_000;
const TOTAL_TIMEOUT_MS = 12 * 60_000;

const args = process.argv.slice(2);
const only = [];
let EXPECTED_FILE = join(ROOT, 'test/conformance/expected-failures.yaml');
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--scenario') only.push(args[++i]);
  else if (args[i] === '--expected') EXPECTED_FILE = args[++i];
  else if (!['--verbose', '--keep'].includes(args[i])) {
    console.error(`unknown argument ${args[i]}\nusage: node test/conformance/run.mjs [--scenario NAME ...] [--expected FILE] [--verbose] [--keep]`);
    process.exit(2);
  }
}
const verbose = args.includes('--verbose');
const keep = args.includes('--keep');

const cleanups = [];
let cleaning;
const cleanup = () => (cleaning ??= (async () => {
  for (const f of cleanups.reverse()) await Promise.resolve().then(f).catch(() => undefined);
})());
const hardStop = setTimeout(async () => {
  console.error(`conformance: the whole run exceeded ${TOTAL_TIMEOUT_MS / 60_000} min; stopping`);
  process.exitCode = 1;
  await cleanup();
  process.exit(1);
}, TOTAL_TIMEOUT_MS);
hardStop.unref();
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, async () => {
  process.exitCode = 130;
  await cleanup();
  process.exit(130);
});

try {
  process.exitCode = await main();
} catch (e) {
  console.error(`conformance: ${e?.stack ?? e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}

async function main() {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
  if (!existsSync(SUITE)) throw new Error(`${SUITE} is missing: run \`npm ci\` (devDependency @modelcontextprotocol/conformance)`);
  const suiteVersion = JSON.parse(readFileSync(join(SUITE, '../../package.json'), 'utf8')).version;
  const expected = loadExpected();

  const node = resolveSuiteNode();
  const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const available = listScenarios(node);
  for (const s of only) if (!available.includes(s)) throw new Error(`no scenario "${s}"; the suite has: ${available.join(', ')}`);
  const scenarios = only.length ? only : available;

  const dir = mkdtempSync(join(tmpdir(), 'steward-conformance-'));
  cleanups.push(() => (keep || process.exitCode ? console.log(`results and daemon.log kept in ${dir}`) : rmSync(dir, { recursive: true, force: true })));

  const token = `conformance-${randomBytes(16).toString('hex')}`;
  const proxy = await startAuthProxy(token);
  cleanups.push(() => proxy.close());
  // The DNS-rebinding scenario checks both halves: a forged Host/Origin is refused (4xx) and a loopback Host with the
  // origin of the URL it was given is accepted. Steward refuses every browser Origin unless server.allowedOrigins
  // names it, so this daemon names the proxy's own origins; anything else (evil.example.com) is still refused.
  const origins = [`http://127.0.0.1:${proxy.port}`, `http://localhost:${proxy.port}`];
  const yaml = [
    '# written by test/conformance/run.mjs',
    `server: { host: 127.0.0.1, allowedOrigins: [${origins.map((o) => JSON.stringify(o)).join(', ')}] }`,
    'logging: { level: info, format: json }',
    'auth:',
    '  tokens:',
    `    - { name: conformance, token: ${token}, role: viewer }`,
    'environments:',
    '  lab: { kind: demo }',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'steward.yaml'), yaml);
  const daemon = await startDaemon(dir);
  cleanups.push(() => daemon.stop());
  proxy.target = new URL(daemon.url);
  const url = `http://127.0.0.1:${proxy.port}/mcp`;

  console.log(`conformance: @modelcontextprotocol/conformance ${suiteVersion} on Node ${nodeVersion}; Steward at ${daemon.url} (via auth proxy ${url}); ${scenarios.length} scenarios`);
  const results = [];
  for (const scenario of scenarios) {
    const started = performance.now();
    const r = await runScenario(node, url, scenario, join(dir, 'results', scenario));
    r.ms = performance.now() - started;
    results.push(r);
    if (verbose) console.log(`  ${scenario}: ${r.failed ? 'fail' : 'pass'} (${Math.round(r.ms)} ms)${r.failed ? ` — ${r.problems.join(' | ')}` : ''}`);
    if (daemon.exited) throw new Error(`the daemon exited during ${scenario}:\n${daemon.tail()}`);
  }
  return report(results, expected, scenarios, available);
}

/** scenario → { reason, failsWith? }, from `scenario: reason` or `scenario: { reason, failsWith }`. */
function loadExpected() {
  const doc = parseYaml(readFileSync(EXPECTED_FILE, 'utf8')) ?? {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${EXPECTED_FILE}: expected a mapping scenario: reason`);
  const out = new Map();
  for (const [k, v] of Object.entries(doc)) {
    const entry = typeof v === 'string' ? { reason: v } : v;
    if (typeof entry?.reason !== 'string' || !entry.reason.trim()) throw new Error(`${EXPECTED_FILE}: ${k} needs a reason (a non-empty string)`);
    const extra = Object.keys(entry).filter((key) => key !== 'reason' && key !== 'failsWith');
    if (extra.length) throw new Error(`${EXPECTED_FILE}: ${k} has unknown keys ${extra.join(', ')} (reason, failsWith)`);
    out.set(k, { reason: entry.reason, failsWith: entry.failsWith === undefined ? undefined : new RegExp(entry.failsWith) });
  }
  return out;
}

function resolveSuiteNode() {
  if (process.env.CONFORMANCE_NODE) return process.env.CONFORMANCE_NODE;
  if (typeof fs.globSync === 'function') return process.execPath;
  console.log('conformance: this Node has no fs.globSync; fetching node@22 through npx for the suite');
  const r = spawnSync('npx', ['-y', '-p', 'node@22', 'node', '-e', 'process.stdout.write(process.execPath)'], {
    encoding: 'utf8',
    timeout: NODE22_TIMEOUT_MS,
    cwd: tmpdir(), // outside the project, so npx does not consult its package.json
  });
  const path = r.stdout?.trim();
  if (r.status !== 0 || !path || !existsSync(path)) throw new Error(`could not get node@22 through npx (status ${r.status}): ${r.stderr?.slice(-2000)}`);
  return path;
}

function listScenarios(node) {
  const r = spawnSync(node, [SUITE, 'list', '--server'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`conformance list failed: ${r.stderr}`);
  const names = [...r.stdout.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]);
  if (names.length === 0) throw new Error(`conformance list printed no scenarios:\n${r.stdout}`);
  return names;
}

/** Forwards to `target`, adding the bearer token; streams both ways (SSE included). Loopback only. */
async function startAuthProxy(token) {
  const agent = new http.Agent({ keepAlive: true });
  const state = { target: undefined };
  const server = http.createServer((req, res) => {
    if (!state.target) {
      res.writeHead(503).end('daemon not started');
      return;
    }
    const headers = { ...req.headers };
    headers.authorization ??= `Bearer ${token}`;
    const up = http.request(
      { host: state.target.hostname, port: state.target.port, method: req.method, path: req.url, headers, agent },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.rawHeaders);
        res.flushHeaders();
        upRes.pipe(res);
        res.on('close', () => upRes.destroy());
      },
    );
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${e.message}`);
    });
    req.on('aborted', () => up.destroy());
    res.on('close', () => !res.writableFinished && up.destroy());
    req.pipe(up);
  });
  await new Promise((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  return Object.assign(state, {
    port: server.address().port,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => ok());
      }),
  });
}

async function startDaemon(dir) {
  const logFile = join(dir, 'daemon.log');
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, [MAIN, 'serve', '--config', join(dir, 'steward.yaml'), '--port', '0', '--host', '127.0.0.1'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const lines = [];
  const state = { exited: false, url: undefined };
  const url = new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no "steward listening" log line within ${STARTUP_TIMEOUT_MS / 1000} s:\n${lines.slice(-40).join('\n')}`)), STARTUP_TIMEOUT_MS);
    let buf = '';
    const onData = (chunk) => {
      log.write(chunk);
      buf += chunk.toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        if (lines.length > 500) lines.shift();
        try {
          const j = JSON.parse(line);
          if (j.msg === 'steward listening' && j.url) {
            clearTimeout(timer);
            ok(j.url);
          }
        } catch {
          /* not JSON */
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      state.exited = true;
      clearTimeout(timer);
      fail(new Error(`the daemon exited (${signal ?? code}) before listening:\n${lines.slice(-40).join('\n')}`));
    });
  });
  state.url = await url;
  return Object.assign(state, {
    tail: () => lines.slice(-40).join('\n'),
    stop: () =>
      new Promise((ok) => {
        if (state.exited) return ok();
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(kill);
          log.end();
          ok();
        });
        child.kill('SIGTERM');
      }),
  });
}

/** Runs one scenario in its own process; its checks come from the checks.json it writes. */
function runScenario(node, url, scenario, outDir) {
  mkdirSync(outDir, { recursive: true });
  return new Promise((done) => {
    const child = spawn(node, [SUITE, 'server', '--url', url, '--scenario', scenario, '-o', outDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, SCENARIO_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const file = findChecks(outDir);
      if (timedOut || !file) {
        const why = timedOut ? `timed out after ${SCENARIO_TIMEOUT_MS / 1000} s` : `no checks.json (exit ${code})`;
        done({ scenario, failed: true, checks: [], problems: [`${why}: ${output.trim().split('\n').slice(-5).join(' / ')}`] });
        return;
      }
      const checks = JSON.parse(readFileSync(file, 'utf8'));
      const bad = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
      const problems = bad.map((c) => `${c.status} ${c.id}${c.errorMessage ? `: ${c.errorMessage}` : ''}`);
      done({ scenario, failed: bad.length > 0, checks, problems });
    });
  });
}

function findChecks(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && existsSync(join(dir, entry.name, 'checks.json'))) return join(dir, entry.name, 'checks.json');
  }
  return undefined;
}

function report(results, expected, scenarios, available) {
  const rows = [];
  let passed = 0;
  let xfail = 0;
  const wrong = [];
  for (const r of results) {
    const entry = expected.get(r.scenario);
    const reason = entry?.reason;
    const ok = r.checks.filter((c) => c.status === 'SUCCESS').length;
    const counted = r.checks.filter((c) => c.status === 'SUCCESS' || c.status === 'FAILURE' || c.status === 'WARNING').length;
    let outcome;
    if (!r.failed && reason === undefined) {
      outcome = 'pass';
      passed++;
    } else if (r.failed && reason !== undefined && (!entry.failsWith || r.problems.some((p) => entry.failsWith.test(p)))) {
      outcome = 'expected fail';
      xfail++;
    } else if (r.failed && reason !== undefined) {
      outcome = 'FAILS DIFFERENTLY';
      wrong.push(`${r.scenario} fails, but not as expected-failures.yaml says (failsWith ${entry.failsWith}):\n      ${r.problems.join('\n      ')}`);
    } else if (r.failed) {
      outcome = 'UNEXPECTED FAIL';
      wrong.push(`${r.scenario} fails and is not in expected-failures.yaml:\n      ${r.problems.join('\n      ')}`);
    } else {
      outcome = 'UNEXPECTED PASS';
      wrong.push(`${r.scenario} passes but expected-failures.yaml lists it ("${reason}"): remove the entry`);
    }
    rows.push([r.scenario, outcome, `${ok}/${counted}`, `${Math.round(r.ms)} ms`, reason ?? (r.failed ? r.problems[0] ?? '' : '')]);
  }
  // An entry for a scenario the suite no longer has is stale too (only checked on a full run).
  if (only.length === 0) {
    for (const name of expected.keys()) if (!available.includes(name)) wrong.push(`expected-failures.yaml lists "${name}", which the suite does not have: remove the entry`);
  }

  const head = ['scenario', 'outcome', 'checks ok', 'time', 'reason / first problem'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  widths[4] = Math.min(widths[4], 110);
  const fmt = (r) => r.map((c, i) => (c.length > widths[i] ? `${c.slice(0, widths[i] - 1)}…` : c.padEnd(widths[i]))).join('  ').trimEnd();
  console.log(`\n${fmt(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows) console.log(fmt(r));
  if (wrong.length) {
    console.log('\nUnexpected outcomes:');
    for (const w of wrong) console.log(`  - ${w}`);
  }
  console.log(`\n${scenarios.length} scenarios: ${passed} pass, ${xfail} expected failures (${relative(ROOT, EXPECTED_FILE)}), ${wrong.length} unexpected`);
  // Expected failures are reported as skipped: they are known and not held against the run.
  console.log(`conformance: ${passed} passed, ${wrong.length} failed, ${xfail} skipped`);
  return wrong.length ? 1 : 0;
}

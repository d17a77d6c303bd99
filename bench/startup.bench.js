// Start-up: time from process spawn to the first 200 from /health, on the embedded store,
// for a fresh data directory (PGlite initdb + migrations) and for a warm restart of the same directory; and the CLI's
// `steward --help` and `steward --version` (target < 1 s), wall and CPU (user + system) of the child process.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const port = 18000 + Math.floor(Math.random() * 1000);

async function once(dir) {
  const started = performance.now();
  const child = spawn(process.execPath, [bin, 'serve', '--port', String(port)], { cwd: dir, stdio: 'ignore' });
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`);
      if (r.status === 200) break;
    } catch {
      /* not up yet */
    }
    if (performance.now() - started > 30000) throw new Error('no /health within 30 s');
    await new Promise((r) => setTimeout(r, 10));
  }
  const ms = performance.now() - started;
  await new Promise((r) => {
    child.on('exit', r);
    child.kill('SIGTERM');
  });
  return ms;
}

const dir = mkdtempSync(join(tmpdir(), 'steward-bench-start-'));
writeFileSync(join(dir, 'steward.yaml'), 'logging: { level: warn }\n');
const fresh = await once(dir);
const warm = [];
for (let i = 0; i < 3; i++) warm.push(await once(dir));
warm.sort((a, b) => a - b);
console.log(`startup to /health, fresh .steward/: ${fresh.toFixed(0)} ms`);
console.log(`startup to /health, existing .steward/ (median of 3): ${warm[1].toFixed(0)} ms  (target: < 5000 ms)`);

/** Wall and CPU seconds of one CLI call, measured by bash's `time` (the child's own user + system time). */
function cli(args) {
  const r = spawnSync('bash', ['-c', `TIMEFORMAT='%R %U %S'; time "${process.execPath}" "${bin}" ${args} >/dev/null`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`steward ${args} failed: ${r.stderr}`);
  const [real, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall: real * 1000, cpu: (user + sys) * 1000 };
}
for (const args of ['--help', '--version', 'run --help']) {
  const samples = [cli(args), cli(args), cli(args)].sort((a, b) => a.wall - b.wall);
  const m = samples[1];
  console.log(`steward ${args} (median of 3): ${m.wall.toFixed(0)} ms wall, ${m.cpu.toFixed(0)} ms CPU  (target: < 1000 ms)`);
}

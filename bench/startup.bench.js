// Start-up: time from process spawn to the first 200 from /health, on the embedded store,
// for a fresh data directory (PGlite initdb + migrations) and for a warm restart of the same directory.
import { spawn } from 'node:child_process';
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

/**
 * A local Sisense sandbox: two simulated tenants, `source` and `target`, for trying a migration without a Sisense.
 *   npm run sim -- [--source-port 8081] [--target-port 8082] [--host 127.0.0.1] [--latency-ms 0]
 * Prints each tenant's URL and tokens, and stops on Ctrl-C. State lives in memory only. Compiled by `npm run build`
 * (tsconfig.build.json) to dist/test/sisense-sim; `steward sandbox` starts the same two tenants with a daemon wired to them.
 */
import { parseArgs } from 'node:util';
import { startSisenseSim, type SisenseSim } from './sisense-sim.js';

const { values } = parseArgs({
  options: {
    'source-port': { type: 'string', default: '8081' },
    'target-port': { type: 'string', default: '8082' },
    host: { type: 'string', default: '127.0.0.1' },
    'latency-ms': { type: 'string', default: '0' },
  },
});

const latencyMs = Number(values['latency-ms']);
const sims: SisenseSim[] = [];
for (const [seed, port] of [['source', values['source-port']], ['target', values['target-port']]] as const) {
  const sim = await startSisenseSim({ seed, host: values.host, port: Number(port), latencyMs });
  sims.push(sim);
  process.stdout.write(`${seed}: ${sim.url}\n`);
  for (const [label, token] of Object.entries(sim.tokens)) process.stdout.write(`  ${label.padEnd(8)} token: ${token}\n`);
}
process.stdout.write('\nTry: curl -H "Authorization: Bearer <token>" <url>/api/v1/dashboards\nCtrl-C stops both tenants.\n');

const stop = async () => {
  await Promise.all(sims.map((s) => s.close()));
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

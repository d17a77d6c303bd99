import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const ROOT = join(new URL('.', import.meta.url).pathname, '../..');
const MAIN = join(ROOT, 'dist/src/main.js');
const TRACE = join(ROOT, 'test/fixtures/module-trace/register.mjs');

/** The packages `steward --help` must not load: the daemon's framework, the JWT library, the agent's. */
const HEAVY = /node_modules\/(@nestjs\/|jose\/|langchain\/|@langchain\/|@electric-sql\/|pg\/|@modelcontextprotocol\/)/;

describe('CLI start-up stays light (bench/startup measures it; this keeps the module graph honest)', () => {
  it.each([['--help'], ['--version'], ['run', '--help'], ['config', '--help']])('steward %s … loads none of the daemon\'s heavy packages', (...args) => {
    const r = spawnSync(process.execPath, ['--import', TRACE, MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^loaded .*node_modules\/commander\//m); // the trace works
    const heavy = r.stderr.split('\n').filter((l) => l.startsWith('loaded ') && HEAVY.test(l)).map((l) => l.slice(7).replace(/^.*node_modules\//, ''));
    expect(heavy.slice(0, 5)).toEqual([]);
  });
});

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import * as tar from 'tar';
import { packageRoot } from '../common/paths.js';

/**
 * A freshly initialised, empty PGlite cluster, dumped at build time (`npm run build`) to dist/. Opening an empty data
 * directory from it skips initdb: about 1.3 s instead of 3.5 s on a 2-core machine, which is most of a cold start.
 * Without the file (a source checkout that was never built), PGlite runs initdb as usual.
 */
export const templateFile = (): string => path.join(packageRoot(), 'dist', 'pglite-template.tar.gz');

export function isEmptyDataDir(dir: string): boolean {
  return !existsSync(path.join(dir, 'PG_VERSION'));
}

/**
 * Unpacks the template into `dir` (an empty data directory) with node-tar, before PGlite starts. Handing the tarball
 * to PGlite instead (`loadDataDir`) unpacks it inside PGlite's runtime: a 40 MB tar held as blobs and per-file copies,
 * which leaves the process some 70 MB larger for good (freed, but not given back by the allocator).
 * PG_VERSION is written last: a directory left half-unpacked by a crash counts as empty and is unpacked again.
 * node-tar keeps every entry inside `dir` (the template's absolute member names are made relative).
 * @returns false when there is no template (PGlite then runs initdb).
 */
export function extractTemplate(dir: string, file = templateFile()): boolean {
  if (!existsSync(file)) return false;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const isVersion = (p: string) => p.replace(/^(\.?\/)+/, '') === 'PG_VERSION';
  const problems: string[] = [];
  const onwarn = (code: string, message: string | Error) => {
    if (code !== 'TAR_ENTRY_INFO') problems.push(`${code}: ${message instanceof Error ? message.message : message}`);
  };
  tar.x({ file, cwd: dir, sync: true, onwarn, filter: (p) => !isVersion(p) });
  tar.x({ file, cwd: dir, sync: true, onwarn, filter: (p) => isVersion(p) });
  if (problems.length) throw new Error(`pglite template ${file}: ${problems.join('; ')}`);
  if (isEmptyDataDir(dir)) throw new Error(`pglite template ${file} has no PG_VERSION`);
  return true;
}

export async function writeTemplate(file = templateFile()): Promise<number> {
  const db = await PGlite.create();
  const dump = await db.dumpDataDir('gzip');
  await db.close();
  const bytes = Buffer.from(await dump.arrayBuffer());
  writeFileSync(file, bytes);
  return bytes.length;
}

// `node dist/src/store/pglite-template.js` (run by npm run build) writes the template.
if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const size = await writeTemplate();
  process.stdout.write(`pglite template: ${templateFile()} (${(size / 1e6).toFixed(1)} MB)\n`);
}

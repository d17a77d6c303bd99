import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
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

export function loadTemplate(): Blob | undefined {
  const file = templateFile();
  return existsSync(file) ? new Blob([readFileSync(file)]) : undefined;
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

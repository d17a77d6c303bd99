import { cpSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../common/paths.js';

/**
 * `npm run build` step: copies the console's static files (src/console/web) beside the compiled module
 * (dist/src/console/web), so a dist/ without the sources (the container image) serves the console too.
 */
const from = join(packageRoot(), 'src', 'console', 'web');
const to = join(dirname(fileURLToPath(import.meta.url)), 'web');
if (resolve(from) !== resolve(to)) {
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
}

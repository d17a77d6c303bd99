import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The directory holding Steward's package.json (works from src/ under jest and from dist/src/ at run time). */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && JSON.parse(readFileSync(candidate, 'utf8')).name === 'steward') return (root = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot locate the steward package root');
    dir = parent;
  }
}

export function readPackageJson(): { name: string; version: string; description?: string } {
  return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8'));
}

/** Reads and parses a JSON Schema (or other JSON contract) from schemas/. */
export function loadContract<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(packageRoot(), 'schemas', name), 'utf8')) as T;
}

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../common/paths.js';
import type { PathSegment } from '../common/json-schema.js';
import { MANIFEST_FILE, readManifest } from '../plugins/manifest.js';
import type { StewardConfig } from './config.types.js';

/**
 * The environment kinds the installed plugins serve, read from their manifests only (no plugin code runs, so
 * `config check` stays fast): the built-in plugins folder and `plugins.dirs`. Manifests that do not validate are
 * listed by folder; the plugin loader reports why.
 */
export function servedKinds(dirs: readonly string[], baseDir: string, builtinDir = join(packageRoot(), 'plugins')): { kinds: Set<string>; unreadable: string[] } {
  const kinds = new Set<string>();
  const unreadable: string[] = [];
  for (const root of [builtinDir, ...dirs.map((d) => resolve(baseDir, d))]) {
    if (!existsSync(root) || !statSync(root).isDirectory()) continue;
    const folders = existsSync(join(root, MANIFEST_FILE))
      ? [root]
      : readdirSync(root, { withFileTypes: true })
          .filter((d) => d.isDirectory() && existsSync(join(root, d.name, MANIFEST_FILE)))
          .map((d) => join(root, d.name));
    for (const dir of folders) {
      try {
        for (const k of readManifest(dir).kinds) kinds.add(k);
      } catch {
        unreadable.push(dir);
      }
    }
  }
  return { kinds, unreadable };
}

/** An environment whose `kind` no installed plugin serves is an error naming the kinds they do serve. */
export function environmentKindProblems(config: StewardConfig, baseDir: string, builtinDir?: string): { at: PathSegment[]; path: string; message: string }[] {
  // Runs beside the schema's errors (every error at once), so it reads only what is well-typed.
  const given: unknown = config.environments;
  const envs = given && typeof given === 'object' ? Object.entries(given as Record<string, { kind?: unknown } | null>) : [];
  const named = envs.filter((x): x is [string, { kind: string }] => typeof x[1]?.kind === 'string');
  if (named.length === 0) return [];
  const dirs: unknown = config.plugins?.dirs;
  const { kinds, unreadable } = servedKinds(Array.isArray(dirs) ? dirs.filter((d): d is string => typeof d === 'string') : [], baseDir, builtinDir);
  const served = [...kinds].sort();
  return named
    .filter(([, e]) => !kinds.has(e.kind))
    .map(([name, e]) => ({
      at: ['environments', name, 'kind'],
      path: `environments.${name}.kind`,
      message:
        `unknown environment kind "${e.kind}": ${served.length ? `the installed plugins serve ${served.join(', ')}` : 'no plugin is installed'}` +
        (unreadable.length ? ` (plugin folders whose plugin.yaml does not validate: ${unreadable.join(', ')})` : ''),
    }));
}

import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { ErrorDetail } from '../common/errors.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { compileSchema, dottedPath, formatAjvErrors, type PathSegment } from '../common/json-schema.js';
import { loadContract } from '../common/paths.js';
import { yamlLocator } from '../common/yaml-locate.js';
import { PluginLoadError, type PluginManifest } from './plugin.types.js';

export const MANIFEST_FILE = 'plugin.yaml';

let validateManifest: ValidateFunction<PluginManifest> | undefined;

/**
 * Reads `<dir>/plugin.yaml` and validates it against schemas/plugin.schema.json. Throws PluginLoadError listing
 * every problem, each with its path and line:column.
 */
export function readManifest(dir: string): PluginManifest {
  const file = join(dir, MANIFEST_FILE);
  const text = readFileSync(file, 'utf8');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw fail(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { message: `YAML syntax error: ${e.message.split('\n')[0]}`, line: pos.line, column: pos.col };
      }),
    );
  }
  const raw: unknown = doc.toJS();
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw fail([{ message: 'must be a YAML mapping (key: value)', line: 1, column: 1 }]);

  validateManifest ??= compileSchema<PluginManifest>(loadContract('plugin.schema.json'), { useDefaults: true });
  if (!validateManifest(raw)) throw fail(formatAjvErrors(validateManifest.errors ?? [], yamlLocator(doc, lineCounter)));
  const manifest = raw as PluginManifest;

  const errors: ErrorDetail[] = [];
  const at = (path: PathSegment[], message: string) => errors.push({ path: dottedPath(path), message, ...yamlLocator(doc, lineCounter)(path) });
  if (manifest.id === 'dirs') at(['id'], '"dirs" is reserved (plugins.dirs in steward.yaml)');
  else if (manifest.id !== basename(dir)) at(['id'], `must equal the plugin's folder name "${basename(dir)}"`);
  const seen = new Set<string>();
  manifest.modules.forEach((m, i) => {
    if (seen.has(m.id)) at(['modules', i, 'id'], `duplicate module id "${m.id}"`);
    seen.add(m.id);
  });
  if (manifest.settings && manifest.settings.type !== 'object') at(['settings', 'type'], 'the settings schema must have type: object at its root');
  if (errors.length > 0) throw fail(errors);
  return manifest;
}

/** The entry file, checked to stay inside the plugin folder (symlinks included). */
export function entryPath(dir: string, manifest: PluginManifest): string {
  const file = resolve(dir, manifest.entry);
  const inside = (from: string, to: string) => !isAbsolute(relative(from, to)) && !relative(from, to).startsWith('..');
  if (!inside(dir, file) || (existsSync(file) && !inside(realpathSync(dir), realpathSync(file)))) {
    throw new PluginLoadError(`entry "${manifest.entry}" resolves outside the plugin folder`);
  }
  return file;
}

function fail(errors: ErrorDetail[]): PluginLoadError {
  const lines = errors.map((e) => `${e.line ? `${e.line}:${e.column ?? 1}: ` : ''}${e.path ? `${e.path}: ` : ''}${e.message}`);
  return new PluginLoadError(`${MANIFEST_FILE}: ${lines.join('; ')}`, errors);
}


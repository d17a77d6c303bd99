import { existsSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';

const YAML = /\.ya?ml$/i;
/** Most directories watched: a playbooks.dirs entry pointing at a huge tree must not exhaust the system's watches. */
const MAX_DIRS = 500;

/** `root` and the folders below it that the playbook loader reads (dot-folders and node_modules skipped). */
function folders(root: string, out: string[] = []): string[] {
  if (out.length >= MAX_DIRS || !existsSync(root) || !statSync(root).isDirectory()) return out;
  out.push(root);
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') folders(join(root, e.name), out);
  }
  return out;
}

/**
 * Calls onChange (debounced) when a YAML file in one of `dirs` (or a folder below) or the config `file` changes.
 * Each folder is watched on its own, as the loader reads them, and the set is re-read after every change (new
 * folders). The config file's directory is watched, not the file: editors replace files by renaming. A watcher
 * that fails (e.g. the system's limit on watches) is logged and closed; POST /reload still works.
 */
export function watchForChanges(targets: { dirs: readonly string[]; file?: string }, onChange: (changed: string) => void, logger: Logger, debounceMs = 300): () => void {
  let watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const changed = new Set<string>();
  const fire = (what: string) => {
    changed.add(what);
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (closed) return;
      const list = [...changed].join(', ');
      changed.clear();
      arm();
      onChange(list);
    }, debounceMs);
    timer.unref();
  };
  const add = (path: string, accept: (name: string) => boolean) => {
    try {
      const w = watch(path, { persistent: false }, (_event, name) => {
        if (name && accept(String(name))) fire(String(name));
      });
      w.on('error', (e) => {
        logger.warn({ err: e, path }, 'stopped watching for changes (POST /reload still reloads)');
        w.close();
      });
      watchers.push(w);
    } catch (e) {
      logger.warn({ err: e, path }, 'cannot watch for changes (POST /reload still reloads)');
    }
  };
  const arm = () => {
    for (const w of watchers) w.close();
    watchers = [];
    const dirs = new Set(targets.dirs.flatMap((d) => folders(d)));
    // A new sub-folder shows up as a change of its parent; a YAML file in it, once watched.
    for (const dir of dirs) add(dir, (name) => YAML.test(name) || !name.includes('.'));
    if (targets.file && existsSync(dirname(targets.file))) add(dirname(targets.file), (name) => name === basename(targets.file!));
  };
  arm();
  return () => {
    closed = true;
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}

import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { CliIo } from '../cli/io.js';
import { cliLogDestination } from '../cli/logging.js';
import { storeHint } from '../cli/local.js';
import { packageRoot } from '../common/paths.js';
import type { LoadedConfig, LoggingConfig } from '../config/config.types.js';
import { createLogger } from '../logging/logger.js';
import { Redactor } from '../logging/redactor.js';
import { parseDuration } from '../playbooks/duration.js';
import { loadPlaybooks } from '../playbooks/playbook.loader.js';
import { loadPlugins } from '../plugins/plugin.loader.js';
import { openStore } from '../store/store.factory.js';
import { DEFAULT_MIN_INTERVAL_MS } from './schedule.checks.js';
import { buildSchedules, scheduleDiagnostics } from './schedule.definitions.js';
import { ScheduleRepository } from './schedule.repository.js';
import type { ScheduleList } from './schedules.command.js';
import { toScheduleView } from './schedule.views.js';
import { nextFireTimes } from './scheduler.js';

/** `steward schedules` without --server: from the playbooks, steward.yaml and the store (nothing fires). */
export async function listLocal(loaded: LoadedConfig, io: CliIo, level: LoggingConfig['level']): Promise<ScheduleList> {
  const { config, baseDir } = loaded;
  const logger = createLogger({ logging: { ...config.logging, level }, redactor: new Redactor(loaded.secrets), destination: cliLogDestination(io, config.logging.format) });
  const catalogue = await loadPlugins({ config: config.plugins, baseDir, logger: logger.child({ component: 'plugins' }) });
  try {
    const builtin = join(packageRoot(), 'playbooks');
    const environments = Object.fromEntries(Object.entries(config.environments).map(([n, e]) => [n, { kind: e.kind }]));
    const pbs = loadPlaybooks({ paths: [builtin, ...config.playbooks.dirs.map((d) => resolve(baseDir, d))], optional: [builtin], lookup: catalogue, environments, relativeTo: baseDir });
    const file = loaded.file ? relative(baseDir, loaded.file) : 'steward.yaml';
    const now = Date.now();
    const built = buildSchedules({
      playbooks: pbs.playbooks, entries: config.schedules.entries, config: { file, ...(loaded.file && { text: readFileSync(loaded.file, 'utf8') }) },
      environments: config.environments, minIntervalMs: parseDuration(config.schedules.minInterval) ?? DEFAULT_MIN_INTERVAL_MS, baseDir, now,
    });
    const store = await openStore(config.store, { baseDir, logger: logger.child({ component: 'store' }) }).catch(storeHint);
    try {
      const repo = new ScheduleRepository();
      const ids = built.defs.map((d) => d.id);
      const [states, fires, runs] = await Promise.all([repo.states(store, ids), repo.lastFires(store, ids), repo.lastRuns(store, ids)]);
      const byId = new Map(states.map((s) => [s.id, s]));
      return {
        schedules: built.defs.map((d) => toScheduleView(d, byId.get(d.id), nextFireTimes(d, byId.get(d.id), now, 3), fires.get(d.id), runs.get(d.id))),
        problems: [...built.problems, ...scheduleDiagnostics(pbs.diagnostics)],
      };
    } finally {
      await store.close();
    }
  } finally {
    await catalogue.dispose();
  }
}

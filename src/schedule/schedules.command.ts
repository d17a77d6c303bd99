import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import { EXIT_HELP } from '../cli/context.js';
import { safe, type CliIo } from '../cli/io.js';
import { cliLogDestination } from '../cli/logging.js';
import { storeHint } from '../cli/local.js';
import { addRemoteOptions, configOption, logLevelOption, remoteFrom, type RemoteOptions } from '../cli/options.js';
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
import type { ScheduleProblem } from './schedule.types.js';
import { toScheduleView, type ScheduleView } from './schedule.views.js';
import { nextFireTimes } from './scheduler.js';

export interface ScheduleList {
  schedules: ScheduleView[];
  problems: (ScheduleProblem & { text?: string })[];
}

/** `steward schedules`: GET /schedules with --server, else read from the playbooks, steward.yaml and the store (nothing fires). */
export function registerSchedules(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('schedules')
    .description('List the schedules (playbook:<id>, config:<name>): next fire time, cron and zone, environments, paused, last run and its outcome.')
    .option('--json', "print the API's JSON instead of a table")
    .addOption(configOption())
    .addOption(logLevelOption());
  addRemoteOptions(cmd)
    .addHelpText('after', `\nWithout --server the playbooks, steward.yaml and the store are read directly (nothing is fired or started).\n${EXIT_HELP}`)
    .action(async (o: RemoteOptions & { json?: boolean; config?: string; logLevel: LoggingConfig['level'] }) => {
      const remote = remoteFrom(o, ctx.io);
      const list = remote ? await remote.get<ScheduleList>('/schedules') : await listLocal(ctx.load(o.config), ctx.io, o.logLevel);
      ctx.io.out(o.json ? `${JSON.stringify(list, null, 2)}\n` : formatSchedules(list));
      if (list.problems.length) ctx.exit(2);
    });
}

/** A table of schedules, then each problem as file:line:col: message. */
export function formatSchedules(list: ScheduleList): string {
  const state = (s: ScheduleView) => (!s.enabled ? 'disabled' : s.paused ? `paused by ${s.pausedBy ?? '?'}` : 'active');
  const envs = (s: ScheduleView) => s.environments.map((e) => Object.entries(e).map(([r, n]) => `${r}=${n}`).join(',') || '-').join(' ');
  const last = (s: ScheduleView) => (s.lastRun ? `${s.lastRun.state} ${s.lastRun.id}` : s.lastFire ? `${s.lastFire.status}${s.lastFire.reason ? ` (${s.lastFire.reason})` : ''}` : '-');
  const head = ['ID', 'NEXT FIRE', 'CRON', 'ZONE', 'ENVIRONMENTS', 'STATE', 'LAST RUN'];
  const rows = list.schedules.map((s) => [s.id, s.nextFireAt ?? '-', s.cron, s.timezone, envs(s), state(s), last(s)].map(safe));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = list.schedules.length ? [line(head), ...rows.map(line)] : ['no schedules'];
  for (const p of list.problems) out.push(`${p.kept ? 'kept previous: ' : 'not loaded: '}${safe(p.text ?? `${p.file}:${p.line}:${p.col}: ${p.message}`)}`);
  return `${out.join('\n')}\n`;
}

async function listLocal(loaded: LoadedConfig, io: CliIo, level: LoggingConfig['level']): Promise<ScheduleList> {
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

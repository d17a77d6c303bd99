import type { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import { EXIT_HELP } from '../cli/context.js';
import { safe } from '../cli/io.js';
import { addRemoteOptions, configOption, logLevelOption, remoteFrom, type RemoteOptions } from '../cli/options.js';
import type { LoggingConfig } from '../config/config.types.js';
import type { ScheduleProblem } from './schedule.types.js';
import type { ScheduleView } from './schedule.views.js';

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
      // The local listing loads plugins, playbooks and the store: imported only when used (steward --version stays fast).
      const list = remote ? await remote.get<ScheduleList>('/schedules') : await (await import('./schedules.local.js')).listLocal(ctx.load(o.config), ctx.io, o.logLevel);
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

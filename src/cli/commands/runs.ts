import type { Command } from 'commander';
import { RUN_STATES } from '../../runs/run.types.js';
import type { LoggingConfig } from '../../config/config.types.js';
import { type CliContext, EXIT_HELP } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { CliError, safe } from '../io.js';
import { addRemoteOptions, configOption, jsonOption, logLevelOption, remoteFrom, type RemoteOptions } from '../options.js';

export interface ReadOptions extends RemoteOptions {
  json?: boolean;
  config?: string;
  logLevel: LoggingConfig['level'];
}

interface ListOptions extends ReadOptions {
  state?: string;
  playbook?: string;
  limit: string;
}

export interface RunListItem {
  id: string;
  kind: string;
  playbook: string | null;
  state: string;
  reason: string | null;
  dryRun: boolean;
  requestedBy: string;
  scheduleId: string | null;
  createdAt: string | null;
  finishedAt: string | null;
}

export interface RunDetail extends RunListItem {
  prompt: string | null;
  outputs: Record<string, unknown> | null;
  steps: { key: string; kind: string; state: string; tool: string | null; approvalId: string | null; error: unknown }[];
}

const IN_PROCESS = `
Without --server (or a context, see steward context) these read the configured store directly; with the embedded
store that works only while no daemon has it open (use --server then).
`;

const RUN_ID = /^run_[0-9a-z]+$/;
const checkId = (id: string) => {
  if (!RUN_ID.test(id)) throw new CliError(EXIT.INVALID, `${JSON.stringify(id)} is not a run id (run_...)`);
};
const local = () => import('./runs.local.js');

/** `steward runs`, `steward runs get|report|cancel <id>`. */
export function registerRuns(program: Command, ctx: CliContext): void {
  const runs = program
    .command('runs')
    .description('List runs, newest first (runs get|report|cancel <id> for one run).')
    .option('--state <states>', `only runs in these states, comma-separated (${RUN_STATES.join(', ')})`)
    .option('--playbook <id>', 'only runs of this playbook')
    .option('--limit <n>', 'at most this many (1-999)', '50')
    .addOption(jsonOption())
    .addOption(configOption())
    .addOption(logLevelOption());
  addRemoteOptions(runs)
    .addHelpText('after', IN_PROCESS + EXIT_HELP)
    .action(async (o: ListOptions) => {
      if (!/^[1-9][0-9]{0,2}$/.test(o.limit)) throw new CliError(EXIT.INVALID, '--limit must be a whole number from 1 to 999');
      const states = o.state?.split(',').map((s) => s.trim());
      const bad = states?.find((s) => !(RUN_STATES as readonly string[]).includes(s));
      if (bad !== undefined) throw new CliError(EXIT.INVALID, `--state ${JSON.stringify(bad)} is not a run state (${RUN_STATES.join(', ')})`);
      const filter = { state: states, playbook: o.playbook, limit: Number(o.limit) };
      const remote = remoteFrom(o, ctx.io);
      let list: RunListItem[];
      if (remote) {
        const q = new URLSearchParams({ limit: o.limit, ...(states && { state: states.join(',') }), ...(o.playbook && { playbook: o.playbook }) });
        list = (await remote.get<{ runs: RunListItem[] }>(`/runs?${q}`)).runs;
      } else {
        list = await (await local()).listRunsLocal(ctx.load(o.config), filter, ctx.io, o.logLevel);
      }
      if (o.json) return ctx.io.out(`${JSON.stringify({ runs: list }, null, 2)}\n`);
      if (!list.length) return ctx.io.out('no runs\n');
      const rows = list.map((r) => [r.id, r.state + (r.dryRun ? ' (dry run)' : ''), r.playbook ?? (r.kind === 'prompt' ? '(ask)' : '-'), r.requestedBy, r.createdAt ?? '-']);
      ctx.io.out(table(['ID', 'STATE', 'PLAYBOOK', 'BY', 'CREATED'], rows));
    });

  const get = runs.command('get').description('One run with its steps.').argument('<run-id>', 'the run id (run_...)').addOption(jsonOption()).addOption(configOption()).addOption(logLevelOption());
  addRemoteOptions(get)
    .addHelpText('after', IN_PROCESS + EXIT_HELP.replace('invalid input', 'invalid input (no such run)'))
    .action(async (id: string, _o: ReadOptions, cmd: Command) => {
      const o = withParent<ReadOptions>(cmd);
      checkId(id);
      const remote = remoteFrom(o, ctx.io);
      const run = remote ? await remote.get<RunDetail>(`/runs/${id}`) : await (await local()).getRunLocal(ctx.load(o.config), id, ctx.io, o.logLevel);
      if (o.json) return ctx.io.out(`${JSON.stringify(run, null, 2)}\n`);
      ctx.io.out(
        `run ${safe(run.id)} ${safe(run.state)}${run.reason ? `: ${safe(run.reason)}` : ''}\n` +
          `  ${run.playbook ? `playbook ${safe(run.playbook)}` : `ask ${safe(run.prompt ?? '')}`}${run.dryRun ? ' (dry run)' : ''}, by ${safe(run.requestedBy)}, created ${run.createdAt ?? '-'}${run.finishedAt ? `, finished ${run.finishedAt}` : ''}\n`,
      );
      if (run.steps.length) ctx.io.out(table(['STEP', 'KIND', 'STATE', 'TOOL', 'APPROVAL'], run.steps.map((s) => [s.key, s.kind, s.state, s.tool ?? '-', s.approvalId ?? '-'])));
      if (run.outputs && Object.keys(run.outputs).length) ctx.io.out(`outputs: ${safe(run.outputs)}\n`);
    });

  const report = runs
    .command('report')
    .description('The run report: steps, actions, approvals, findings (Markdown; --json for the JSON document).')
    .argument('<run-id>', 'the run id (run_...)')
    .addOption(jsonOption())
    .addOption(configOption())
    .addOption(logLevelOption());
  addRemoteOptions(report)
    .addHelpText('after', IN_PROCESS + EXIT_HELP.replace('invalid input', 'invalid input (no such run)'))
    .action(async (id: string, _o: ReadOptions, cmd: Command) => {
      const o = withParent<ReadOptions>(cmd);
      checkId(id);
      const remote = remoteFrom(o, ctx.io);
      if (remote) {
        ctx.io.out(o.json ? `${JSON.stringify(await remote.get(`/runs/${id}/report`), null, 2)}\n` : await remote.text(`/runs/${id}/report?format=md`, 'text/markdown'));
        return;
      }
      const r = await (await local()).reportLocal(ctx.load(o.config), id, ctx.io, o.logLevel);
      ctx.io.out(o.json ? `${JSON.stringify(r.json, null, 2)}\n` : r.markdown);
    });

  const cancel = runs.command('cancel').description('Cancel a run that has not ended (its in-flight tool calls are aborted).').argument('<run-id>', 'the run id (run_...)').addOption(jsonOption());
  addRemoteOptions(cancel)
    .addHelpText('after', '\nNeeds a daemon (--server or a context) and a token with role operator or more: the run executes there.\n\nExit codes: 0 cancelled, 1 already ended or a runtime failure, 2 invalid input (no such run, no --server).\n')
    .action(async (id: string, _o: RemoteOptions & { json?: boolean }, cmd: Command) => {
      const o = withParent<RemoteOptions & { json?: boolean }>(cmd);
      checkId(id);
      const remote = remoteFrom(o, ctx.io);
      if (!remote) throw new CliError(EXIT.INVALID, 'steward runs cancel needs --server <url> (or a context): runs execute on the daemon, which must abort them');
      const run = await remote.post<RunListItem>(`/runs/${id}/cancel`, {});
      ctx.io.out(o.json ? `${JSON.stringify(run, null, 2)}\n` : `run ${safe(run.id)} ${safe(run.state)}\n`);
    });
}

/** Columns padded to their widest cell; cells made safe for a terminal. */
export function table(head: string[], rows: string[][]): string {
  const cells = [head, ...rows.map((r) => r.map((c) => safe(c)))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/**
 * A subcommand's options with those given to its parent (`runs get <id> --json`: commander hands `--json` to `runs`,
 * which declares it too; `runs --server <url> get <id>` works the same).
 */
export const withParent = <T>(cmd: Command): T => cmd.optsWithGlobals<T & object>();

import { toApprovalView } from '../../approvals/approvals.controller.js';
import { StewardError } from '../../common/errors.js';
import type { LoadedConfig } from '../../config/config.types.js';
import { PlaybooksService } from '../../playbooks/playbooks.service.js';
import type { RunEvent } from '../../runs/run.types.js';
import type { StartPrompt, StartRun } from '../../runs/runs.service.js';
import { inProcessApprovalHelp } from '../approval-text.js';
import { EXIT } from '../exit-codes.js';
import { CliError, type CliIo, safe, useColor } from '../io.js';
import { cliPrincipal, type LocalApp, openLocal, RunWatch, serverUrl, settle } from '../local.js';
import { eventJson } from '../event-json.js';
import { EventPrinter, outcome } from '../progress.js';
import type { RunOptions } from './run.js';

const INVALID_RUN = new Set(['RUN_INVALID', 'PLAYBOOK_NOT_FOUND', 'PLAYBOOK_INVALID', 'VALIDATION_FAILED']);

/** `steward run` without --server: the run executes in this process; the command waits for it to end or park. */
export async function runLocal(loaded: LoadedConfig, request: StartRun, o: RunOptions, io: CliIo): Promise<number> {
  return executeLocal(loaded, o, io, async (local, principal) => {
    try {
      return (await local.runs.start(request, principal)).id;
    } catch (e) {
      throw explainInvalid(e, local, request, loaded.config.environments);
    }
  });
}

/** `steward ask` without --server: the agent answers in this process. */
export async function askLocal(loaded: LoadedConfig, request: StartPrompt, o: Pick<RunOptions, 'follow' | 'logLevel' | 'json'>, io: CliIo): Promise<number> {
  return executeLocal(loaded, o, io, async (local, principal) => {
    try {
      return (await local.runs.startPrompt(request, principal)).id;
    } catch (e) {
      if (e instanceof StewardError && (INVALID_RUN.has(e.code) || e.code === 'LLM_NOT_CONFIGURED')) throw new CliError(EXIT.INVALID, e.message);
      throw e;
    }
  });
}

/** Starts a run in this process and waits for it to end or park, printing events with --follow. */
async function executeLocal(loaded: LoadedConfig, o: Pick<RunOptions, 'follow' | 'logLevel' | 'json'>, io: CliIo, start: (local: LocalApp, principal: ReturnType<typeof cliPrincipal>) => Promise<string>): Promise<number> {
  const local = await openLocal(loaded, io, o.logLevel);
  const principal = cliPrincipal('operator', io.env);
  const printer = new EventPrinter((t) => io.out(t), { color: useColor(io) });
  const watch = new RunWatch(local.events, (e: RunEvent) => {
    if (!o.follow) return;
    if (o.json) io.out(eventJson(e));
    else printer.print(e);
  });
  const abandon = new AbortController();
  try {
    const runId = await start(local, principal);
    watch.bind(runId);
    let interrupts = 0;
    const interrupt = () => {
      if (++interrupts > 1) {
        io.err(`steward: stopping now; run ${runId} stays as it is in the store\n`);
        abandon.abort();
        watch.settle({ state: 'running', reason: 'interrupted' });
        return;
      }
      io.err(`steward: cancelling run ${runId} (again to stop at once)\n`);
      void local.runs.cancel(runId, principal).catch((e: unknown) => io.err(`steward: cannot cancel: ${safe((e as Error).message)}\n`));
    };
    io.onSignal('SIGINT', interrupt);
    io.onSignal('SIGTERM', interrupt);
    const stop = await watch.stopped;
    printer.end();
    io.out(outcome(o.json, runId, stop.state, stop.reason, stop.outputs));
    if (stop.state === 'awaiting_approval') {
      const pending = (await local.approvals.list({ status: 'pending', runId, limit: 100 })).map((a) => toApprovalView(a));
      io.err(inProcessApprovalHelp(runId, pending, { requestedBy: principal.name, serverUrl: serverUrl(loaded), storeKind: local.daemon.store.kind }));
    }
    await settle(local, io, abandon.signal);
    return stop.state === 'succeeded' ? EXIT.OK : EXIT.FAILURE;
  } finally {
    watch.dispose();
    await local.close();
  }
}

/** Refusals of the request itself exit 2; say what would fit. */
function explainInvalid(e: unknown, local: LocalApp, request: StartRun, configured: LoadedConfig['config']['environments']): unknown {
  if (!(e instanceof StewardError) || !INVALID_RUN.has(e.code)) return e;
  const hints: string[] = [];
  const playbooks = local.daemon.app.get(PlaybooksService);
  if (e.code === 'PLAYBOOK_NOT_FOUND') {
    const ids = playbooks.list().map((p) => p.id);
    hints.push(ids.length ? `playbooks: ${ids.slice(0, 30).join(', ')}${ids.length > 30 ? ', ...' : ''}` : 'no playbooks are loaded (playbooks.dirs in steward.yaml)');
    if (playbooks.diagnostics().some((d) => d.severity === 'error')) hints.push('some playbook files are invalid: steward validate lists the problems');
  } else {
    const pb = playbooks.list().find((p) => p.id === request.playbook);
    const environments = Object.entries(configured);
    for (const role of pb?.environments ?? []) {
      if (request.environments?.[role.name]) continue;
      const fits = environments.filter(([, env]) => env.kind === role.kind).map(([name]) => name);
      hints.push(fits.length ? `--env ${role.name}=<${fits.join('|')}>` : `role ${role.name} needs an environment of kind ${role.kind}; steward.yaml configures none`);
    }
  }
  return new CliError(EXIT.INVALID, [e.message, ...hints.map((h) => `  ${h}`)].join('\n'));
}


import { ApprovalRepository } from '../../approvals/approval.repository.js';
import type { Decision } from '../../approvals/approval.types.js';
import { toApprovalView } from '../../approvals/approvals.controller.js';
import { StewardError } from '../../common/errors.js';
import type { LoadedConfig, LoggingConfig } from '../../config/config.types.js';
import { createLogger } from '../../logging/logger.js';
import { Redactor } from '../../logging/redactor.js';
import { isTerminal } from '../../runs/run.types.js';
import { openStore } from '../../store/store.factory.js';
import { type ApprovalView, formatApprovalPlan, inProcessApprovalHelp } from '../approval-text.js';
import { EXIT } from '../exit-codes.js';
import { CliError, type CliIo, useColor } from '../io.js';
import { cliLogDestination } from '../logging.js';
import { cliPrincipal, idle, type LocalApp, openLocal, RunWatch, serverUrl, settle, storeHintFor, type Stop } from '../local.js';
import { eventJson } from '../event-json.js';
import { EventPrinter, jsonLine, outcome } from '../progress.js';
import { type DecideOptions, describeDecision, type Filter } from './approvals.js';

/** Refusals about the request itself (no such approval, a bad decision) exit 2; refusals of the person exit 1. */
const INVALID_DECISION = new Set(['NOT_FOUND', 'VALIDATION_FAILED']);

/** Straight from the store: listing must not start the run queue (which would continue unfinished runs). */
export async function listLocal(loaded: LoadedConfig, f: Filter, io: CliIo, level: LoggingConfig['level']): Promise<ApprovalView[]> {
  const logger = createLogger({ logging: { ...loaded.config.logging, level }, redactor: new Redactor(loaded.secrets), destination: cliLogDestination(io, loaded.config.logging.format) });
  const store = await openStore(loaded.config.store, { baseDir: loaded.baseDir, logger: logger.child({ component: 'store' }) }).catch(storeHintFor(loaded));
  try {
    const repo = new ApprovalRepository();
    const rows = await repo.list(store, f);
    return Promise.all(rows.map(async (a) => toApprovalView(a, await repo.decisions(store, a.id))));
  } finally {
    await store.close();
  }
}

/** A decision in-process; the run it releases continues here, to its end or next approval. */
export async function decideLocal(loaded: LoadedConfig, id: string, decision: Decision, o: DecideOptions, io: CliIo): Promise<number> {
  const local = await openLocal(loaded, io, o.logLevel);
  const principal = cliPrincipal('approver', io.env);
  let watch: RunWatch | undefined;
  // Ctrl-C: stop waiting and shut down cleanly; a run cut off here stays in the store and continues at the next start.
  const abandon = new AbortController();
  const interrupt = () => {
    io.err('steward: stopping; the run stays as it is in the store and continues at the next start\n');
    abandon.abort();
    watch?.settle({ state: 'running', reason: 'interrupted' });
  };
  io.onSignal('SIGINT', interrupt);
  io.onSignal('SIGTERM', interrupt);
  try {
    // Restart recovery re-executes waiting runs (they park again); let that finish so the resume below is ours.
    await settle(local, io, abandon.signal);
    const before = await local.approvals.get(id).catch((e: unknown) => {
      throw e instanceof StewardError && e.code === 'NOT_FOUND' ? new CliError(EXIT.INVALID, e.message) : e;
    });
    const runId = before.approval.run_id;
    const printer = new EventPrinter((t) => io.out(t), { color: useColor(io) });
    if (runId) {
      watch = new RunWatch(local.events, (e) => (o.json ? io.out(eventJson(e)) : printer.print(e)), { resumeFirst: true });
      watch.bind(runId);
    }
    if (abandon.signal.aborted) return EXIT.FAILURE;
    let row;
    try {
      row = await local.approvals.decide(id, principal, decision, o.comment);
    } catch (e) {
      if (e instanceof StewardError) throw new CliError(INVALID_DECISION.has(e.code) ? EXIT.INVALID : EXIT.FAILURE, e.message);
      throw e;
    }
    const { approval, decisions } = await local.approvals.get(id);
    const decided = toApprovalView(approval, decisions);
    io.out(o.json ? jsonLine(decided) : `${describeDecision(decided, decision)}${formatApprovalPlan(decided, useColor(io))}`);
    if (!runId || !watch || row.status === 'pending') return EXIT.OK;

    if (!o.json) io.out(`run ${runId} continues in this process\n`);
    const stop = await untilStopped(local, watch, runId);
    printer.end();
    io.out(outcome(o.json, runId, stop.state, stop.reason, stop.outputs));
    if (stop.state === 'awaiting_approval') {
      const run = await local.runs.get(runId);
      const pending = (await local.approvals.list({ status: 'pending', runId, limit: 100 })).map((a) => toApprovalView(a));
      io.err(inProcessApprovalHelp(runId, pending, { requestedBy: run.requested_by, serverUrl: serverUrl(loaded), storeKind: local.daemon.store.kind }));
    }
    await settle(local, io, abandon.signal);
    return EXIT.OK;
  } finally {
    watch?.dispose();
    await local.close();
  }
}

/** The resumed run's next stop; if nothing resumes it within 2 s (it was not waiting), where it stands. */
async function untilStopped(local: LocalApp, watch: RunWatch, runId: string): Promise<Stop> {
  const quietSince = Date.now();
  for (;;) {
    const stop = await Promise.race([watch.stopped, new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))]);
    if (stop) return stop;
    if (watch.resumed || Date.now() - quietSince < 2000 || !(await idle(local))) continue;
    const run = await local.runs.get(runId);
    if (run.state !== 'queued' && run.state !== 'running') return { state: run.state, reason: run.reason, outputs: isTerminal(run.state) ? run.outputs : undefined };
  }
}

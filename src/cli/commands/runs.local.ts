import { EventEmitter2 } from '@nestjs/event-emitter';
import { QuestionRepository } from '../../questions/question.repository.js';
import { ApprovalRepository } from '../../approvals/approval.repository.js';
import type { LoadedConfig, LoggingConfig } from '../../config/config.types.js';
import { FindingsRepository, type FindingFilter } from '../../findings/findings.repository.js';
import { toFindingView } from '../../findings/findings.controller.js';
import { FindingsService } from '../../findings/findings.service.js';
import { createLogger } from '../../logging/logger.js';
import { Redactor } from '../../logging/redactor.js';
import { buildReport, type FindingRow, reportMarkdown } from '../../runs/run-report.js';
import { RunRepository, type RunFilter } from '../../runs/run.repository.js';
import type { RunState } from '../../runs/run.types.js';
import { toRunView, toStepView } from '../../runs/run.views.js';
import { openStore } from '../../store/store.factory.js';
import type { Store } from '../../store/store.types.js';
import { EXIT } from '../exit-codes.js';
import { CliError, type CliIo } from '../io.js';
import { storeHintFor } from '../local.js';
import { cliLogDestination } from '../logging.js';

/**
 * Reads straight from the configured store (no run queue is started, so nothing is resumed by a read). Whoever can
 * open the store reads everything in it; configured secrets are masked as the daemon masks its answers.
 */
async function withStore<T>(loaded: LoadedConfig, io: CliIo, level: LoggingConfig['level'], fn: (store: Store, redactor: Redactor) => Promise<T>): Promise<T> {
  const redactor = new Redactor(loaded.secrets);
  const logger = createLogger({ logging: { ...loaded.config.logging, level }, redactor, destination: cliLogDestination(io, loaded.config.logging.format) });
  const store = await openStore(loaded.config.store, { baseDir: loaded.baseDir, logger: logger.child({ component: 'store' }) }).catch(storeHintFor(loaded));
  try {
    return await fn(store, redactor);
  } finally {
    await store.close();
  }
}

const notFound = (id: string) => new CliError(EXIT.INVALID, `run ${id} does not exist`);

export function listRunsLocal(loaded: LoadedConfig, f: { state?: string[]; playbook?: string; limit: number }, io: CliIo, level: LoggingConfig['level']) {
  const filter: RunFilter = { state: f.state as RunState[] | undefined, playbook: f.playbook, limit: f.limit };
  return withStore(loaded, io, level, async (store, redactor) => redactor.redact((await new RunRepository().list(store, filter)).map(toRunView)));
}

export function getRunLocal(loaded: LoadedConfig, id: string, io: CliIo, level: LoggingConfig['level']) {
  return withStore(loaded, io, level, async (store, redactor) => {
    const repo = new RunRepository();
    const run = await repo.get(store, id);
    if (!run) throw notFound(id);
    return redactor.redact({ ...toRunView(run), steps: (await repo.steps(store, id)).map(toStepView) });
  });
}

export function reportLocal(loaded: LoadedConfig, id: string, io: CliIo, level: LoggingConfig['level']) {
  return withStore(loaded, io, level, async (store, redactor) => {
    const runs = new RunRepository();
    const run = await runs.get(store, id);
    if (!run) throw notFound(id);
    const steps = await runs.steps(store, id);
    const approvalsRepo = new ApprovalRepository();
    const rows = await approvalsRepo.list(store, { runId: id, limit: 1000 });
    const approvals = await Promise.all(rows.reverse().map(async (approval) => ({ approval, decisions: await approvalsRepo.decisions(store, approval.id) })));
    const findings = (await store.query<FindingRow>('SELECT * FROM findings WHERE run_id = $1', [id])).rows;
    const logger = createLogger({ logging: { ...loaded.config.logging, level }, redactor, destination: cliLogDestination(io, loaded.config.logging.format) });
    const diff = run.kind === 'playbook' ? await new FindingsService(store, new EventEmitter2(), logger).diff(id) : undefined;
    const json = redactor.redact(buildReport(run, steps, approvals, findings, diff, await new QuestionRepository().list(store, { runId: id, limit: 500 })));
    return { json, markdown: reportMarkdown(json) };
  });
}

export function listFindingsLocal(loaded: LoadedConfig, f: FindingFilter, io: CliIo, level: LoggingConfig['level']) {
  return withStore(loaded, io, level, async (store, redactor) => redactor.redact((await new FindingsRepository().list(store, f)).map(toFindingView)));
}

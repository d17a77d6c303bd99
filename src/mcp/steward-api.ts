import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { ApprovalService } from '../approvals/approval.service.js';
import { mayReadApproval, toApprovalView } from '../approvals/approvals.controller.js';
import { hasRole, type Principal } from '../auth/roles.js';
import { StewardError } from '../common/errors.js';
import type { EnvironmentConfig } from '../config/config.types.js';
import { toFindingView } from '../findings/findings.controller.js';
import type { FindingsService } from '../findings/findings.service.js';
import type { Redactor } from '../logging/redactor.js';
import type { ParsedPlaybook } from '../playbooks/playbook.types.js';
import type { PlaybooksService } from '../playbooks/playbooks.service.js';
import { buildReport, reportMarkdown, type FindingRow } from '../runs/run-report.js';
import type { RunEventsService } from '../runs/run-events.service.js';
import type { RunFilter } from '../runs/run.repository.js';
import type { RunEvent, RunRow } from '../runs/run.types.js';
import { mayReadRun, readableRun, toRunView, toStepView } from '../runs/run.views.js';
import type { QuestionsService } from '../questions/questions.service.js';
import type { RunsService, StartRun } from '../runs/runs.service.js';
import type { Store } from '../store/store.types.js';

/** What the MCP layer needs of Steward's services: the same ones the REST controllers call. */
export interface StewardServices {
  /** Resolved on first use: RunsService lives in a module that imports McpModule. */
  runs: () => Promise<RunsService>;
  /** Resolved on first use, like runs. */
  questions: () => Promise<QuestionsService>;
  approvals: ApprovalService;
  findings: FindingsService;
  playbooks: PlaybooksService;
  events: RunEventsService;
  store: Store;
  redactor: Redactor;
  environments: Record<string, EnvironmentConfig>;
  /** The directory playbook file names are relative to. */
  baseDir: () => string;
}

/**
 * Steward's own objects for an MCP caller, with the REST API's access rules: viewers read runs, approvals, findings
 * and playbooks; a thread's run (and its approvals) only its owner, admins (approvers for approvals); starting a run
 * needs operator. Errors are StewardErrors with the REST codes (RUN_NOT_FOUND, NOT_FOUND, PLAYBOOK_NOT_FOUND, ...).
 */
export class StewardApi {
  constructor(private readonly s: StewardServices) {}

  get environments(): Record<string, EnvironmentConfig> {
    return this.s.environments;
  }

  async run(id: string, who: Principal) {
    const runs = await this.s.runs();
    const run = readableRun(await runs.get(id), who);
    return { ...toRunView(run), steps: (await runs.steps(id)).map(toStepView) };
  }

  /** Readable runs, newest first (a thread's run is left out for others, as in GET /runs). */
  async runs(filter: Partial<RunFilter>, who: Principal): Promise<ReturnType<typeof toRunView>[]> {
    const rows = await (await this.s.runs()).list({ limit: 50, ...filter });
    return rows.filter((r) => mayReadRun(r, who)).map(toRunView);
  }

  async startRun(req: StartRun, who: Principal): Promise<RunRow> {
    if (!hasRole(who, 'operator')) throw new StewardError('AUTH_FORBIDDEN', `token "${who.name}" has role ${who.role}; starting a run needs operator or higher`);
    return (await this.s.runs()).start(req, who);
  }

  /** The run report (JSON) exactly as GET /runs/{id}/report builds it, redacted. */
  async report(id: string, who: Principal) {
    const runs = await this.s.runs();
    const run = readableRun(await runs.get(id), who);
    const steps = await runs.steps(id);
    const rows = await this.s.approvals.list({ runId: id, limit: 1000 });
    const approvals = await Promise.all(rows.reverse().map((a) => this.s.approvals.get(a.id)));
    const findings = (await this.s.store.query<FindingRow>('SELECT * FROM findings WHERE run_id = $1', [id])).rows;
    const diff = run.kind === 'playbook' ? await this.s.findings.diff(id) : undefined;
    return this.s.redactor.redact(buildReport(run, steps, approvals, findings, diff, await runs.questions(id)));
  }

  async reportMarkdown(id: string, who: Principal): Promise<string> {
    return reportMarkdown(await this.report(id, who));
  }

  async approval(id: string, who: Principal) {
    const { approval, decisions } = await this.s.approvals.get(id);
    if (!mayReadApproval(approval, who)) throw new StewardError('NOT_FOUND', `approval ${id} does not exist`);
    return toApprovalView(approval, decisions);
  }

  /** An approval's status, with who decided it and why once it is decided. */
  async approvalDecision(id: string): Promise<{ status: 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled'; by?: string; comment?: string | null }> {
    const { approval, decisions } = await this.s.approvals.get(id);
    // Consumed: approved and already used (by this very call's repeat elsewhere); the gate then says so.
    const status = approval.status === 'consumed' ? 'approved' : approval.status;
    const last = decisions.at(-1);
    return { status: status as 'pending', ...(last && status !== 'pending' && { by: last.approver, comment: last.comment }) };
  }

  /** Approvals, newest first, as GET /approvals shows them to this caller. */
  async approvals(filter: { status?: string; runId?: string; limit?: number }, who: Principal) {
    const rows = await this.s.approvals.list({ status: filter.status, runId: filter.runId, limit: filter.limit ?? 100, ...(hasRole(who, 'approver') ? {} : { threadsOf: who.name }) });
    return rows.map((a) => toApprovalView(a));
  }

  /** Findings, most recently seen first (any state unless given). */
  async findings(filter: { check?: string; state?: 'open' | 'resolved'; environment?: string; limit?: number }) {
    const rows = await this.s.findings.list({ ...filter, limit: filter.limit ?? 100 });
    return rows.map(toFindingView);
  }

  playbooks(): ParsedPlaybook[] {
    return this.s.playbooks.list();
  }

  playbook(id: string): ParsedPlaybook {
    return this.s.playbooks.get(id);
  }

  /** The playbook's YAML as its file holds it now; the validated document as YAML when the file cannot be read. */
  async playbookSource(id: string): Promise<string> {
    const p = this.s.playbooks.get(id);
    const file = isAbsolute(p.file) ? p.file : resolve(this.s.baseDir(), p.file);
    return readFile(file, 'utf8').catch(() => stringify(p.definition));
  }

  /** Live run events (all runs); returns the unsubscribe function. */
  onRunEvent(listener: (e: RunEvent) => void): () => void {
    return this.s.events.subscribe(listener);
  }

  /** The questions a run `who` may read waits on (oldest first). */
  async pendingQuestions(runId: string, who: Principal): Promise<{ id: string; question: string; schema: Record<string, unknown> }[]> {
    readableRun(await (await this.s.runs()).get(runId), who);
    const rows = await (await this.s.questions()).list({ status: 'pending', runId, limit: 100 });
    return rows.reverse().map((q) => ({ id: q.id, question: q.question, schema: q.answer_schema }));
  }

  /** How many approvals of a run wait for a person (the caller has read the run). */
  async pendingApprovalCount(runId: string): Promise<number> {
    return (await this.s.approvals.list({ status: 'pending', runId, limit: 1 })).length;
  }

  /** Answers a question as POST /questions/{id} does (who may answer, the answer's schema). */
  async answerQuestion(id: string, answer: unknown, who: Principal): Promise<void> {
    await (await this.s.questions()).answer(id, answer, who);
  }

  /** The run's row when `who` may read it (for deciding whom to notify), else undefined. */
  async readableRunRow(id: string, who: Principal): Promise<RunRow | undefined> {
    const run = await (await this.s.runs()).get(id).catch(() => undefined);
    return run && mayReadRun(run, who) ? run : undefined;
  }
}

import type { Principal } from '../auth/roles.js';
import { StewardError } from '../common/errors.js';
import type { ToolInvoker } from '../plugins/tool.invoker.js';
import type { Queryable, Store } from '../store/store.types.js';
import { callDigest } from './approval.digest.js';
import type { ApprovalRepository } from './approval.repository.js';
import type { ApprovalRow, Decision } from './approval.types.js';

/** Edited arguments, validated (defaults filled), with their digest and the plan of the edited call. */
export interface PreparedEdit {
  input: unknown;
  digest: string;
  plan: unknown;
}

/** The dry run of a call as an approval shows it: the plan, or the error that kept it from being made. */
export async function planOf(invoker: ToolInvoker, toolId: string, input: unknown, environments: Record<string, string>, runId?: string, stepId?: string): Promise<unknown> {
  const r = await invoker.invoke(toolId, input, { environments, mode: 'plan', runId, stepId });
  return r.ok && r.mode === 'plan' ? r.plan : { error: r.ok ? null : r.error };
}

/** Approving with changed arguments (ApprovalService.decide): what may be changed, and how it is recorded. */
export class ApprovalEdits {
  constructor(
    private readonly store: Store,
    private readonly repo: ApprovalRepository,
    private readonly invoker: ToolInvoker,
  ) {}

  /**
   * An approver approves with changed arguments: only for a tool call, only the same tool, re-validated against its
   * schema (defaults filled) before anything is stored; the approval then covers exactly the edited call (its digest),
   * the original arguments are kept, and no earlier approval of the original arguments counts towards it.
   */
  async prepare(id: string, input: Record<string, unknown>, tool?: string): Promise<PreparedEdit> {
    const a = await this.repo.get(this.store, id);
    if (!a) throw new StewardError('NOT_FOUND', `approval ${id} does not exist`);
    const toolId = this.tool(a, tool);
    const environments = a.environments ?? {};
    const prepared = this.invoker.prepare(toolId, input, environments); // TOOL_INPUT_INVALID names the path
    const plan = this.invoker.catalogue.require(toolId).supportsPlan ? await planOf(this.invoker, toolId, prepared.input, environments, a.run_id ?? undefined, a.step_key ?? undefined) : null;
    return { input: prepared.input, digest: callDigest(toolId, prepared.input, environments), plan };
  }

  /**
   * The tool whose arguments an edit may change: only a tool call's, and only that tool (naming another, by id or
   * wire name, is refused). Checked before validation and again under the row lock.
   */
  tool(a: ApprovalRow, tool: string | undefined): string {
    if (a.kind !== 'tool' || !a.tool) throw new StewardError('APPROVAL_EDIT_REFUSED', `approval ${a.id} is a ${a.kind} approval; only tool calls have arguments to edit`);
    if (tool === undefined || tool === a.tool || this.invoker.catalogue.get(tool)?.id === a.tool || this.invoker.catalogue.byWireName(tool)?.id === a.tool) return a.tool;
    throw new StewardError('APPROVAL_EDIT_REFUSED', `approval ${a.id} is for ${a.tool}; switching to ${tool} is refused (reject it and let the run propose another call)`);
  }

  async apply(
    tx: Queryable,
    a: ApprovalRow,
    who: Principal,
    decision: Decision,
    edit: { input?: Record<string, unknown>; tool?: string },
    prepared: PreparedEdit | undefined,
  ): Promise<void> {
    this.tool(a, edit.tool);
    if (decision !== 'approve') throw new StewardError('APPROVAL_EDIT_REFUSED', 'arguments can only be changed when approving');
    if (!prepared) return;
    if ((await this.repo.decisions(tx, a.id)).some((d) => d.decision === 'approve')) {
      throw new StewardError('APPROVAL_EDIT_REFUSED', `approval ${a.id} already has approvals for the arguments shown then; changing them now would bypass those approvers`);
    }
    await this.repo.recordEdit(tx, a.id, { ...prepared, by: who.name }).catch((e: unknown) => {
      // One pending approval per outside call: the edited call is already waiting under another approval.
      if ((e as { code?: string }).code === '23505') throw new StewardError('APPROVAL_EDIT_REFUSED', `"${a.requested_by}" already has a pending approval for exactly the edited call; decide that one`);
      throw e;
    });
  }
}

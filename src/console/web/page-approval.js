// One approval: what would run, where, its plan, who asked, the policy, the votes so far, and — for approvers while it
// is pending — approve / reject (retry / skip for an interrupted step) with a comment and, for a tool call, edited
// arguments.
import { ApiError, get, post } from './api.js';
import { badge, fill, h, json, link, notice, when } from './dom.js';
import { renderApprovalPlan } from './plan.js';

const RANK = { viewer: 0, operator: 1, approver: 2, admin: 3 };

function decisionsOf(a) {
  return a.kind === 'unknown_step' ? ['retry', 'skip', 'reject'] : ['approve', 'reject'];
}

export async function renderApproval(ctx) {
  const [id] = ctx.params;
  document.title = `Approval ${id} · Steward`;
  const me = ctx.session;
  const root = h('div', { id: 'approval', dataset: { approval: id } });
  fill(ctx.main, root);
  let busy = false;
  let result = null; // the outcome of this reader's decision, kept across live redraws

  const draw = (a, outcome) => {
    if (outcome !== undefined) result = outcome;
    const mayDecide = RANK[me.role] >= RANK.approver;
    const pending = a.status === 'pending';
    const selfBlocked = a.requestedBy === me.principal && !a.allowSelfApproval;
    const already = (a.decisions ?? []).some((d) => d.by === me.principal);
    const approves = (a.decisions ?? []).filter((d) => d.decision === 'approve').length;
    fill(
      root,
      h('h1', {}, 'Approval ', h('code', {}, a.id), ' ', h('span', { id: 'approval-status' }, badge(a.status))),
      result,
      a.message ? h('p', { class: 'lead' }, a.message) : null,
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Action'),
        h(
          'dd',
          {},
          a.kind === 'run_plan' ? `the whole run's plan, approved once (${a.plan?.steps?.length ?? '?'} write steps)` : a.tool ? h('code', {}, a.tool) : a.kind,
          a.effect ? h('span', { class: `tag effect-${a.effect}` }, a.effect) : null,
        ),
        h('dt', {}, 'Where'), h('dd', {}, Object.entries(a.environments ?? {}).map(([role, env]) => `${role}: ${env}`).join(', ') || '—'),
        a.runId ? [h('dt', {}, 'Run'), h('dd', {}, link(`/console/runs/${a.runId}`, a.runId), a.stepKey ? ` · step ${a.stepKey}` : '')] : null,
        h('dt', {}, 'Requested by'), h('dd', { id: 'approval-requester' }, a.requestedBy),
        h('dt', {}, 'Policy'),
        h(
          'dd',
          { id: 'approval-policy' },
          `${a.requiredApprovals} approval${a.requiredApprovals === 1 ? '' : 's'} needed`,
          a.requireReason ? ' · a comment is required' : '',
          a.allowSelfApproval ? ' · the requester may approve' : ' · the requester may not approve',
        ),
        h('dt', {}, 'Created'), h('dd', {}, when(a.createdAt)),
        h('dt', {}, pending ? 'Expires' : 'Decided'), h('dd', {}, when(pending ? a.expiresAt : a.decidedAt)),
      ),
      h('h2', {}, 'Plan'),
      a.planFailure ? notice('error', `The dry run says this would fail: ${typeof a.planFailure === 'string' ? a.planFailure : JSON.stringify(a.planFailure)}`) : null,
      h('div', { id: 'approval-plan' }, renderApprovalPlan(a)),
      a.input !== null && a.input !== undefined ? h('details', { class: 'arguments' }, h('summary', {}, a.editedBy ? `Arguments (edited by ${a.editedBy})` : 'Arguments'), json(a.input)) : null,
      h('h2', {}, `Votes (${approves} of ${a.requiredApprovals})`),
      h(
        'ul',
        { id: 'votes', class: 'votes' },
        (a.decisions ?? []).length
          ? a.decisions.map((d) => h('li', { dataset: { by: d.by } }, h('strong', {}, d.by), ' ', badge(d.decision), ' ', when(d.at), d.comment ? h('blockquote', {}, d.comment) : null))
          : h('li', { class: 'muted' }, 'No votes yet.'),
      ),
      pending && mayDecide ? form(a, { selfBlocked, already }) : null,
      pending && !mayDecide ? h('p', { class: 'muted', id: 'no-decide' }, `Deciding needs the approver role; you are signed in as ${me.principal} (${me.role}).`) : null,
    );
  };

  const form = (a, { selfBlocked, already }) => {
    const comment = h('textarea', { id: 'comment', name: 'comment', rows: 3, maxlength: 4000, placeholder: a.requireReason ? 'Why (required)' : 'Comment (optional)' });
    const out = h('div', { id: 'decide-status' });
    const editable = a.kind === 'tool' && a.input && typeof a.input === 'object';
    const args = editable ? h('textarea', { id: 'edit-input', rows: 8, spellcheck: 'false' }, JSON.stringify(a.input, null, 2)) : null;
    const decide = async (decision) => {
      if (busy) return;
      const body = { decision };
      const text = comment.value.trim();
      if (text) body.comment = text;
      if (a.requireReason && !text && (decision === 'approve' || decision === 'retry')) return fill(out, notice('error', 'This approval needs a comment saying why.'));
      if (decision === 'approve') {
        if (a.callDigest) body.digest = a.callDigest;
        if (args) {
          let edited;
          try {
            edited = JSON.parse(args.value);
          } catch (e) {
            return fill(out, notice('error', `The arguments are not valid JSON: ${e.message}`));
          }
          if (JSON.stringify(edited) !== JSON.stringify(a.input)) body.input = edited;
        }
      }
      busy = true;
      for (const b of buttons) b.disabled = true;
      fill(out, h('p', { class: 'muted' }, 'Sending…'));
      try {
        const next = await post(`/approvals/${encodeURIComponent(a.id)}`, body);
        draw(next, notice('ok', `Recorded: ${decision}${body.input ? ' with edited arguments' : ''}.`));
      } catch (e) {
        fill(out, notice('error', e instanceof ApiError ? `${e.code ?? e.status}: ${e.message}` : String(e?.message ?? e)));
        for (const b of buttons) b.disabled = false;
      } finally {
        busy = false;
      }
    };
    const buttons = decisionsOf(a).map((d) =>
      h('button', { type: 'button', id: `decide-${d}`, class: `decide ${d}`, disabled: (d === 'approve' || d === 'retry') && selfBlocked, onclick: () => decide(d) }, d[0].toUpperCase() + d.slice(1)),
    );
    return h(
      'section',
      { class: 'card decide-form', id: 'decide' },
      h('h2', {}, 'Decide'),
      selfBlocked ? notice('info', 'You asked for this action; another approver has to approve it.') : null,
      already ? notice('info', 'You have voted on this approval already.') : null,
      h('label', { for: 'comment' }, 'Comment'),
      comment,
      args ? h('details', { class: 'edit' }, h('summary', {}, 'Approve with edited arguments'), h('p', { class: 'muted' }, 'Changed arguments are checked against the tool again and a new plan is made; the call then runs with them.'), args) : null,
      h('div', { class: 'buttons' }, buttons),
      out,
    );
  };

  draw(await get(`/approvals/${encodeURIComponent(id)}`));
  // Live: redraw when this approval changes (another approver votes, it expires), unless a decision is being typed.
  const es = new EventSource('/events?type=approval.');
  const onChange = (msg) => {
    let e;
    try {
      e = JSON.parse(msg.data);
    } catch {
      return;
    }
    if (e.data?.approvalId !== id || busy) return;
    const typing = document.activeElement && root.contains(document.activeElement) && document.activeElement.tagName === 'TEXTAREA';
    if (!typing) get(`/approvals/${encodeURIComponent(id)}`).then((a) => ctx.alive() && draw(a), () => undefined);
  };
  for (const t of ['approval.decided', 'approval.expired']) es.addEventListener(t, onChange);
  return () => es.close();
}

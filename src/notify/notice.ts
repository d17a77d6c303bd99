import type { NotificationEvent } from '../config/config.types.js';

/** What a notification says, before it is shaped for a receiver (json, Slack, Teams). */
export interface Notice {
  event: NotificationEvent;
  at: string;
  /** One line: what happened. */
  title: string;
  /** A few lines of detail (plain text). */
  lines: string[];
  /** Where to look: the run's or the approval's page of the web console (under notifications.publicUrl). */
  link?: string;
  /** What an approval would do: its plan's summary and totals per action (the plan itself is on the console page). */
  plan?: { summary: string; totals: { create: number; update: number; delete: number; skip: number; fail: number } };
  run?: { id: string; playbook: string | null; state: string; reason: string | null; scheduleId: string | null; environments: Record<string, string>; requestedBy: string };
  approval?: { id: string; kind?: string; stepId?: string | null; tool?: string | null; message?: string | null; expiresAt?: string; status?: string };
  findings?: {
    minSeverity: string;
    baselineRunId: string | null;
    counts: { new: number; open: number; resolved: number };
    /** The new findings at or above minSeverity (the first 20). */
    items: { fingerprint: string; check: string; severity: string; environment: string | null; asset: string | null; message: string }[];
    more: number;
  };
}

const SLACK_ESCAPE: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const slack = (s: string) => s.replace(/[&<>]/g, (c) => SLACK_ESCAPE[c]!);
const teams = (s: string) => s.replace(/([*_~`#[\]])/g, '\\$1');

/** Steward's own JSON payload (format: json). */
export function jsonPayload(n: Notice) {
  return { version: 1, event: n.event, at: n.at, title: n.title, text: n.lines.join('\n'), link: n.link ?? null, run: n.run ?? null, approval: n.approval ?? null, plan: n.plan ?? null, findings: n.findings ?? null };
}

/** A Slack incoming-webhook message: text (notifications, fallbacks) plus Block Kit blocks. */
export function slackPayload(n: Notice) {
  const context = [n.run && `run \`${n.run.id}\``, n.run?.scheduleId && `schedule \`${slack(n.run.scheduleId)}\``, n.link && `<${n.link}|open>`].filter(Boolean).join(' · ');
  return {
    text: n.title,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${slack(n.title)}*` } },
      ...(n.lines.length ? [{ type: 'section', text: { type: 'mrkdwn', text: n.lines.map(slack).join('\n').slice(0, 2900) } }] : []),
      ...(context ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: context }] }] : []),
    ],
  };
}

/** A Microsoft Teams message with an Adaptive Card, as Teams Workflows ("post to a channel when a webhook request is received") accept it. */
export function teamsPayload(n: Notice) {
  const facts = [
    n.run && { title: 'Run', value: n.run.id },
    n.run?.playbook && { title: 'Playbook', value: n.run.playbook },
    n.run?.scheduleId && { title: 'Schedule', value: n.run.scheduleId },
    n.run && Object.keys(n.run.environments).length > 0 && { title: 'Environments', value: Object.entries(n.run.environments).map(([k, v]) => `${k}=${v}`).join(', ') },
    n.plan && { title: 'Plan', value: `${n.plan.totals.create} to create, ${n.plan.totals.update} to update, ${n.plan.totals.delete} to delete, ${n.plan.totals.skip} skipped, ${n.plan.totals.fail} failing` },
    n.approval?.expiresAt && { title: 'Expires', value: n.approval.expiresAt },
  ].filter((f): f is { title: string; value: string } => Boolean(f));
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: teams(n.title), weight: 'Bolder', size: 'Medium', wrap: true },
            ...n.lines.map((l) => ({ type: 'TextBlock', text: teams(l), wrap: true, spacing: 'Small' })),
            ...(facts.length ? [{ type: 'FactSet', facts }] : []),
          ],
          actions: n.link ? [{ type: 'Action.OpenUrl', title: 'Open', url: n.link }] : [],
        },
      },
    ],
  };
}

export function render(format: 'json' | 'slack' | 'teams', n: Notice): unknown {
  return format === 'slack' ? slackPayload(n) : format === 'teams' ? teamsPayload(n) : jsonPayload(n);
}

import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { DashboardSummary, SisenseDeps } from '../../shared/deps.js';
import { arrayOf, nullableString, objectOut } from '../../shared/schemas.js';

const ISSUES = ['orphaned-owner', 'inactive-owner', 'inactive-recipient', 'unknown-recipient'] as const;
type Issue = (typeof ISSUES)[number];

interface Row {
  issue: Issue;
  dashboard: { oid: string; title: string };
  /** The user or group concerned: email, group name, or the id the deployment no longer knows. */
  party: string;
  partyType: 'user' | 'group';
  rule: string | null;
}

const WHY: Record<Issue, string> = {
  'orphaned-owner': 'the owner is not a user of the deployment (deleted): nobody can edit or republish it',
  'inactive-owner': 'the owner is inactive: nobody can edit or republish it until ownership moves',
  'inactive-recipient': 'shared with an inactive user: a migration or a share rewrite drops this share (Sisense drops shares to inactive users)',
  'unknown-recipient': 'shared with a user or group the deployment no longer has',
};

/** Who dashboards are owned by and shared with, checked against the users and groups that exist. */
export const shareAudit = (deps: SisenseDeps) =>
  defineTool<{ issues: Issue[] }, { dashboards: number; count: number; byIssue: Record<string, number>; problems: Row[] }>({
    id: 'sisense.access.share-audit',
    title: 'Audit dashboard owners and shares',
    description:
      'Reads every dashboard (admin listing, owner copies, with owner and shares) and the users and groups, and lists: dashboards whose owner no longer exists (orphaned-owner) or is inactive (inactive-owner), ' +
      'dashboards shared with inactive users (inactive-recipient: Sisense silently drops such shares when they are written again) and with users or groups that no longer exist (unknown-recipient). ' +
      'Sorted by issue, dashboard title and party. Needs an administrator token. Read-only.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { issues: { type: 'array', uniqueItems: true, minItems: 1, items: { enum: [...ISSUES] }, default: [...ISSUES], description: `The issues to look for (default: all): ${ISSUES.join(', ')}.` } },
    },
    outputSchema: objectOut({
      dashboards: { type: 'integer' },
      count: { type: 'integer' },
      byIssue: { type: 'object', additionalProperties: { type: 'integer' } },
      problems: arrayOf(objectOut({ issue: { enum: [...ISSUES] }, dashboard: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }), party: { type: 'string' }, partyType: { enum: ['user', 'group'] }, rule: nullableString, why: { type: 'string' } })),
    }),
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'Every issue', input: { issues: [...ISSUES] } },
      { title: 'Only shares to inactive users', input: { issues: ['inactive-recipient'] } },
    ],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const [dashboards, dir] = await Promise.all([deps.listAll<DashboardSummary>(client, '/api/v1/dashboards/admin', { dashboardType: 'owner', fields: 'oid,title,owner,shares' }), deps.loadDirectory(client)]);
        const wanted = new Set(input.issues);
        const rows: Array<Row & { why: string }> = [];
        const add = (issue: Issue, d: DashboardSummary, party: string, partyType: 'user' | 'group', rule: string | null) => wanted.has(issue) && rows.push({ issue, dashboard: { oid: d.oid, title: d.title }, party, partyType, rule, why: WHY[issue] });
        const seen = new Set<string>();
        for (const d of dashboards) {
          if (seen.has(d.oid)) continue;
          seen.add(d.oid);
          const owner = typeof d.owner === 'string' ? dir.userById.get(d.owner) : undefined;
          if (typeof d.owner === 'string' && !owner) add('orphaned-owner', d, d.owner, 'user', null);
          else if (owner && owner.active === false) add('inactive-owner', d, owner.email, 'user', null);
          for (const s of d.shares ?? []) {
            if (s.shareId === d.owner) continue;
            if (s.type === 'group') {
              const g = dir.groupById.get(s.shareId);
              if (!g) add('unknown-recipient', d, s.shareId, 'group', s.rule ?? null);
              continue;
            }
            const u = dir.userById.get(s.shareId);
            if (!u) add('unknown-recipient', d, s.shareId, 'user', s.rule ?? null);
            else if (u.active === false) add('inactive-recipient', d, u.email, 'user', s.rule ?? null);
          }
        }
        rows.sort((a, b) => ISSUES.indexOf(a.issue) - ISSUES.indexOf(b.issue) || a.dashboard.title.localeCompare(b.dashboard.title) || a.party.localeCompare(b.party));
        const byIssue = Object.fromEntries([...wanted].map((i) => [i, rows.filter((r) => r.issue === i).length]));
        return { dashboards: seen.size, count: rows.length, byIssue, problems: rows };
      }),
  });

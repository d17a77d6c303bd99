import type { DashboardSummary, Directory } from '../../shared/deps.js';

export const SHARE_ISSUES = ['orphaned-owner', 'inactive-owner', 'inactive-recipient', 'unknown-recipient'] as const;
export type ShareIssue = (typeof SHARE_ISSUES)[number];

export interface ShareProblem {
  issue: ShareIssue;
  dashboard: { oid: string; title: string };
  /** The user or group concerned: email, group name, or the id the deployment no longer knows. */
  party: string;
  partyType: 'user' | 'group';
  rule: string | null;
  why: string;
}

export const WHY: Record<ShareIssue, string> = {
  'orphaned-owner': 'the owner is not a user of the deployment (deleted): nobody can edit or republish it',
  'inactive-owner': 'the owner is inactive: nobody can edit or republish it until ownership moves',
  'inactive-recipient': 'shared with an inactive user: a migration or a share rewrite drops this share (Sisense drops shares to inactive users)',
  'unknown-recipient': 'shared with a user or group the deployment no longer has',
};

/**
 * Owners and shares of dashboards (owner copies, with `owner` and `shares`) checked against the users and groups
 * that exist; each dashboard once, sorted by issue, title and party.
 */
export function auditShares(dashboards: readonly DashboardSummary[], dir: Directory, wanted: ReadonlySet<ShareIssue> = new Set(SHARE_ISSUES)): { dashboards: number; problems: ShareProblem[] } {
  const rows: ShareProblem[] = [];
  const add = (issue: ShareIssue, d: DashboardSummary, party: string, partyType: 'user' | 'group', rule: string | null) => wanted.has(issue) && rows.push({ issue, dashboard: { oid: d.oid, title: d.title }, party, partyType, rule, why: WHY[issue] });
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
        if (!dir.groupById.get(s.shareId)) add('unknown-recipient', d, s.shareId, 'group', s.rule ?? null);
        continue;
      }
      const u = dir.userById.get(s.shareId);
      if (!u) add('unknown-recipient', d, s.shareId, 'user', s.rule ?? null);
      else if (u.active === false) add('inactive-recipient', d, u.email, 'user', s.rule ?? null);
    }
  }
  rows.sort((a, b) => SHARE_ISSUES.indexOf(a.issue) - SHARE_ISSUES.indexOf(b.issue) || a.dashboard.title.localeCompare(b.dashboard.title) || a.party.localeCompare(b.party));
  return { dashboards: seen.size, problems: rows };
}

import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { DashboardSummary, SisenseDeps } from '../../shared/deps.js';
import { arrayOf, nullableString, objectOut } from '../../shared/schemas.js';
import { auditShares, SHARE_ISSUES, type ShareIssue, type ShareProblem } from './share.audit.js';

/** Who dashboards are owned by and shared with, checked against the users and groups that exist. */
export const shareAudit = (deps: SisenseDeps) =>
  defineTool<{ issues: ShareIssue[] }, { dashboards: number; count: number; byIssue: Record<string, number>; problems: ShareProblem[] }>({
    id: 'sisense.access.share-audit',
    title: 'Audit dashboard owners and shares',
    description:
      'Reads every dashboard (admin listing, owner copies, with owner and shares) and the users and groups, and lists: dashboards whose owner no longer exists (orphaned-owner) or is inactive (inactive-owner), ' +
      'dashboards shared with inactive users (inactive-recipient: Sisense silently drops such shares when they are written again) and with users or groups that no longer exist (unknown-recipient). ' +
      'Sorted by issue, dashboard title and party. Needs an administrator token. Read-only.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { issues: { type: 'array', uniqueItems: true, minItems: 1, items: { enum: [...SHARE_ISSUES] }, default: [...SHARE_ISSUES], description: `The issues to look for (default: all): ${SHARE_ISSUES.join(', ')}.` } },
    },
    outputSchema: objectOut({
      dashboards: { type: 'integer' },
      count: { type: 'integer' },
      byIssue: { type: 'object', additionalProperties: { type: 'integer' } },
      problems: arrayOf(objectOut({ issue: { enum: [...SHARE_ISSUES] }, dashboard: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }), party: { type: 'string' }, partyType: { enum: ['user', 'group'] }, rule: nullableString, why: { type: 'string' } })),
    }),
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'Every issue', input: { issues: [...SHARE_ISSUES] } },
      { title: 'Only shares to inactive users', input: { issues: ['inactive-recipient'] } },
    ],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const [dashboards, dir] = await Promise.all([deps.listAll<DashboardSummary>(client, '/api/v1/dashboards/admin', { dashboardType: 'owner', fields: 'oid,title,owner,shares' }), deps.loadDirectory(client)]);
        const wanted = new Set(input.issues);
        const r = auditShares(dashboards, dir, wanted);
        const byIssue = Object.fromEntries([...wanted].map((i) => [i, r.problems.filter((p) => p.issue === i).length]));
        return { dashboards: r.dashboards, count: r.problems.length, byIssue, problems: r.problems };
      }),
  });

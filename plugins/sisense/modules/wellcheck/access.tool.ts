import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { DashboardSummary, SisenseDeps } from '../../shared/deps.js';
import { auditShares } from '../access/share.audit.js';
import { SYSTEM_GROUPS } from '../access/groups.tool.js';
import { withSide } from '../migration/migration.session.js';
import { CHECKED_SCHEMA, checksOf, finding, FINDING_SCHEMA, sortFindings, type Finding, type Severity } from './wellcheck.types.js';

export const ACCESS_CHECKS = ['owners', 'shares', 'empty-groups', 'admins'] as const;
type AccessCheck = (typeof ACCESS_CHECKS)[number];

interface Input {
  checks: AccessCheck[];
  maxAdmins: number;
}

const SEVERITY: Record<string, Severity> = { 'orphaned-owner': 'error', 'inactive-owner': 'warning', 'inactive-recipient': 'warning', 'unknown-recipient': 'warning' };
const ADMIN_ROLES = new Set(['super', 'admin']);

/** Access governance of a deployment, as findings. */
export const wellcheckAccess = (deps: SisenseDeps) =>
  defineTool<Input, { findings: Finding[]; checked: { dashboards: number; datamodels: number; users: number; groups: number } }>({
    id: 'sisense.wellcheck.access',
    title: 'Well-check access',
    description:
      'Reports access findings of a deployment: dashboards whose owner no longer exists (access.orphaned-owner, error) or is inactive (access.inactive-owner), dashboards shared with inactive users ' +
      '(access.inactive-recipient: Sisense drops those shares when the list is written again, e.g. by a migration) or with users and groups that no longer exist (access.unknown-recipient), ' +
      'groups without any explicit member (access.empty-group, info) and more administrators (super and admin roles) than maxAdmins (access.admins, warning). Read-only; needs an administrator token.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        checks: checksOf(ACCESS_CHECKS),
        maxAdmins: { type: 'integer', minimum: 1, maximum: 10000, default: 5, description: 'More active administrators than this is a warning.' },
      },
    },
    outputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['findings', 'checked'],
      properties: {
        findings: { type: 'array', items: FINDING_SCHEMA },
        checked: { ...CHECKED_SCHEMA, required: ['dashboards', 'datamodels', 'users', 'groups'], properties: { dashboards: { type: 'integer' }, datamodels: { type: 'integer' }, users: { type: 'integer' }, groups: { type: 'integer' } } },
      },
    },
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Every access check', input: { checks: [...ACCESS_CHECKS], maxAdmins: 5 } }],
    handler: (input, ctx) =>
      withSide(deps, ctx, 'target', async (side) => {
        const checks = new Set(input.checks);
        const [dashboards, dir] = await Promise.all([side.list<DashboardSummary>('/api/v1/dashboards/admin', { dashboardType: 'owner', fields: 'oid,title,owner,shares' }), side.directory()]);
        const out: Finding[] = [];
        const audit = auditShares(dashboards, dir);
        for (const p of audit.problems) {
          const isOwner = p.issue === 'orphaned-owner' || p.issue === 'inactive-owner';
          if (!checks.has(isOwner ? 'owners' : 'shares')) continue;
          const asset = isOwner ? p.dashboard.oid : `${p.dashboard.oid}/${p.partyType}:${p.party}`;
          out.push(finding(`access.${p.issue}`, SEVERITY[p.issue], asset, `dashboard "${p.dashboard.title}": ${p.why}${isOwner ? ` (${p.party})` : ` (${p.partyType} ${p.party})`}`, { ...p.dashboard, party: p.party, partyType: p.partyType, rule: p.rule }));
        }
        if (checks.has('empty-groups')) {
          const members = new Set(dir.users.flatMap((u) => (Array.isArray(u.groups) ? u.groups : []).map((g) => (typeof g === 'string' ? g : (g as { _id?: string })?._id))));
          for (const g of dir.groups) if (!SYSTEM_GROUPS.has(g.name) && !members.has(g._id)) out.push(finding('access.empty-group', 'info', `group:${g.name}`, `group "${g.name}" has no explicit member`, { group: g.name, id: g._id }));
        }
        if (checks.has('admins')) {
          const admins = dir.users.filter((u) => u.active !== false && ADMIN_ROLES.has(dir.roleById.get(u.roleId ?? '')?.name ?? '')).map((u) => u.email).sort();
          if (admins.length > input.maxAdmins) out.push(finding('access.admins', 'warning', 'admins', `${admins.length} active users are administrators (more than ${input.maxAdmins})`, { admins, limit: input.maxAdmins }));
        }
        return { findings: sortFindings(out), checked: { dashboards: audit.dashboards, datamodels: 0, users: dir.users.length, groups: dir.groups.length } };
      }),
  });

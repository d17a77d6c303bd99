import type { SisenseGroup } from '../../shared/deps.js';
import { asArray } from '../../shared/errors.js';
import { label } from '../../shared/plan.js';
import type { PlannedItem } from './migration.report.js';
import { bulkCreate, chunks, reasonOf, type Session } from './migration.session.js';
import { EXCLUDED, excluded, selectEach, unresolvedItem, type Prepared } from './phase.js';
import { isSystemGroup } from './principals.js';
import { systemTenantOf, tenantExclusion } from './tenants.js';

export interface GroupsInput {
  /** Names or ids; omitted: every group but the system groups. */
  groups?: string[];
  /** Names or ids left out (reported skipped, "excluded by input"). */
  exclude?: string[];
  batchSize: number;
}

/**
 * Groups, matched by name: the target's groups are never changed (a group has nothing but its name to migrate), the
 * missing ones are created in bulk. System groups (Admins, Everyone, All users in system) and groups of another
 * tenant than the system tenant are never migrated: each is reported skipped with its reason.
 */
export async function prepareGroups(s: Session, input: GroupsInput): Promise<Prepared> {
  const [src, target, systemTenant] = await Promise.all([s.source.directory(), s.target.principals(), systemTenantOf(s.source)]);
  const { chosen, unresolved } = selectEach('group', src.groups, input.groups, (g) => g._id, (g) => g.name);
  const items: PlannedItem[] = chosen.map((g) => {
    const base = { kind: 'group' as const, asset: g.name, label: label.group(g), sourceId: g._id, missing: [] };
    if (excluded(input.exclude, 'group', g._id, g.name)) return { ...base, action: 'skip', note: EXCLUDED };
    if (isSystemGroup(g)) return { ...base, action: 'skip', note: 'a system group: every deployment has its own' };
    const otherTenant = tenantExclusion(g, systemTenant);
    if (otherTenant) return { ...base, action: 'skip', note: otherTenant };
    const there = target.group(g.name);
    return there ? { ...base, action: 'skip', note: 'already in the target', targetId: there._id } : { ...base, action: 'create' };
  });

  for (const u of unresolved) items.push(unresolvedItem('group', u));
  return {
    items,
    extra: [],
    excludable: true,
    async execute(report) {
      const work = report.settle(items);
      report.progress(`groups: ${work.length} to create`);
      await Promise.all(
        chunks(work, input.batchSize).map(async (batch) => {
          const send = async (b: readonly PlannedItem[]) => asArray<SisenseGroup>(await s.target.post('/api/v1/groups/bulk', b.map((i) => ({ name: i.asset }))), 'created groups');
          const done = (b: readonly PlannedItem[], created: SisenseGroup[]) => {
            for (const item of b) {
              const g = created.find((c) => c.name === item.asset);
              if (!g) {
                report.fail(item, 'the target did not report it as created');
                continue;
              }
              target.addGroup(g);
              report.succeed(item, { targetId: g._id });
            }
          };
          await bulkCreate(batch, send, done, (item, e) => report.fail(item, `creating the group failed: ${reasonOf(e)}`));
          report.progress(`groups: created a batch of ${batch.length}`);
        }),
      );
    },
  };
}

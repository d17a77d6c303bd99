import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { DashboardSummary, SisenseDeps } from '../../shared/deps.js';
import { exportDashboards } from '../../shared/dashboard.export.js';
import { columnUsage, readDashboard, type DashboardReading } from '../../shared/dashboard.reading.js';
import { readRules, type ModelRef, type SecurityRule } from '../migration/datamodel.access.js';
import { statusOf, withSide, type Side } from '../migration/migration.session.js';
import { select } from '../migration/phase.js';
import { checkSchema, DATAMODEL_CHECKS, joinPairs, tablesOf, type DatamodelCheck, type Schema } from './datamodel.checks.js';
import { manyToMany } from './many-to-many.js';
import { CHECKED_SCHEMA, checksOf, FINDING_SCHEMA, refs, sortFindings, type Finding } from './wellcheck.types.js';

interface Input {
  datamodels?: string[];
  checks: DatamodelCheck[];
}

interface ModelInventory {
  oid: string;
  title: string;
  type: string;
  tables: number;
  columns: number;
  relations: number;
  securityRules: number;
}

interface Output {
  findings: Finding[];
  checked: { dashboards: number; datamodels: number };
  datamodels: ModelInventory[];
}

const count = { type: 'integer' };

/** Data security rules; a model the rules endpoint does not know (404) has none. */
async function rulesOf(side: Side, m: ModelRef): Promise<SecurityRule[]> {
  try {
    return await readRules(side, m);
  } catch (e) {
    if (statusOf(e) === 404) return [];
    throw e;
  }
}

interface Usage {
  used: Map<string, Set<string>>;
  readings: DashboardReading[];
  unreadable: number;
}

/** Columns used per model title, from every dashboard's widgets, filters (cascading levels too) and formulas. */
async function usage(side: Side): Promise<Usage> {
  const all = await side.list<DashboardSummary>('/api/v1/dashboards/admin', { dashboardType: 'owner', fields: 'oid,title' });
  const { docs, failed } = await exportDashboards(side, all.map((d) => d.oid));
  const readings = [...docs.values()].map(readDashboard);
  return { used: columnUsage(readings), readings, unreadable: failed.size };
}

export const wellcheckDatamodels = (deps: SisenseDeps) =>
  defineTool<Input, Output>({
    id: 'sisense.wellcheck.datamodels',
    title: 'Well-check data models',
    description:
      'Reads data models (all of them when none are named) and reports findings: custom tables and those using UNION, island tables (no relation), import queries, ' +
      'row-level security on non-numeric columns, many-to-many joins (duplicate keys on both sides, listed with the documented /sql query), columns no dashboard uses ' +
      '(widget panels, formula contexts, dashboard filters and cascading filter levels count; relation keys and secured columns excepted; each finding says how many dashboards it rests on, ' +
      'and a model whose unused columns rest on an incomplete read gets a warning), and extract models never built. Read-only.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        datamodels: refs('Titles or oids of the data models to check; omitted: every data model.'),
        checks: checksOf(DATAMODEL_CHECKS),
      },
    },
    outputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['findings', 'checked', 'datamodels'],
      properties: {
        findings: { type: 'array', items: FINDING_SCHEMA },
        checked: CHECKED_SCHEMA,
        datamodels: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['oid', 'title', 'type', 'tables', 'columns', 'relations', 'securityRules'],
            properties: { oid: { type: 'string' }, title: { type: 'string' }, type: { type: 'string' }, tables: count, columns: count, relations: count, securityRules: count },
          },
        },
      },
    },
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'Every data model, every check', input: { checks: [...DATAMODEL_CHECKS] } },
      { title: 'One model, joins only', input: { datamodels: ['Retail Sales'], checks: ['many-to-many', 'island-tables'] } },
    ],
    handler: (input, ctx) =>
      withSide(deps, ctx, 'target', async (side) => {
        const checks = new Set(input.checks);
        const models = await side.list<ModelRef & { lastBuildTime?: string | null }>('/api/v2/datamodels/schema', { fields: 'oid,title,type,server,lastBuildTime' });
        const chosen = select('data model', models, input.datamodels, (m) => m.oid, (m) => m.title);
        const u = checks.has('unused-columns') ? await usage(side) : undefined;
        const basis = (title: string) => u && { used: u.used.get(title) ?? new Set<string>(), read: u.readings.length, usingModel: u.readings.filter((r) => r.datasources.some((d) => d.title === title)).length, unreadable: u.unreadable };
        let done = 0;
        const results = await Promise.all(
          chosen.map(async (m) => {
            const ref: ModelRef = { oid: m.oid, title: m.title, type: m.type === 'live' ? 'live' : 'extract', server: m.server ?? 'LocalHost' };
            const [schema, rules] = await Promise.all([side.get<Schema>(`/api/v2/datamodels/${encodeURIComponent(m.oid)}/schema`), rulesOf(side, ref)]);
            const findings = checkSchema(schema, rules, basis(m.title), checks);
            if (checks.has('many-to-many')) findings.push(...(await manyToMany(side, schema, joinPairs(schema))));
            ctx.progress({ progress: ++done, total: chosen.length, message: `checked data model "${m.title}"` });
            const tables = tablesOf(schema);
            const inventory: ModelInventory = { oid: m.oid, title: m.title, type: ref.type, tables: tables.length, columns: tables.reduce((n, t) => n + (t.columns?.length ?? 0), 0), relations: schema.relations?.length ?? 0, securityRules: rules.length };
            return { findings, inventory };
          }),
        );
        return { findings: sortFindings(results.flatMap((r) => r.findings)), checked: { dashboards: u?.readings.length ?? 0, datamodels: chosen.length }, datamodels: results.map((r) => r.inventory) };
      }),
  });

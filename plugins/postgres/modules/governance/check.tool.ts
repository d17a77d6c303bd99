import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { ReadSession } from '../../client/pg.session.js';
import { listConstraints, listIndexes } from '../../shared/catalog.js';
import type { PgDeps } from '../../shared/deps.js';
import { int, nullable, objectOut, schemaFilter } from '../../shared/schemas.js';
import { SYSTEM_SCHEMAS_SQL } from '../../shared/sql.js';
import { leads } from '../relations/declared.tool.js';
import { finding, FINDING_SCHEMA, piiHint, sortFindings, type Finding } from './findings.js';

export const CHECKS = ['no-primary-key', 'fk-without-index', 'duplicate-index', 'unused-index', 'nullable-fk', 'wide-table', 'pii-without-comment'] as const;
type Check = (typeof CHECKS)[number];

interface Input {
  schema?: string;
  checks: Check[];
  maxColumns: number;
}

interface Checked {
  schemas: number;
  tables: number;
  columns: number;
  indexes: number;
  foreignKeys: number;
}

async function tablesAndColumns(s: ReadSession, schema?: string) {
  const r = await s.query<{ oid: number; schema: string; table: string; columns: { name: string; comment: string | null }[] }>(
    `SELECT c.oid, n.nspname AS schema, c.relname AS table,
            coalesce((SELECT json_agg(json_build_object('name', a.attname, 'comment', col_description(c.oid, a.attnum)) ORDER BY a.attnum)
                        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${SYSTEM_SCHEMAS_SQL} AND ($1::text IS NULL OR n.nspname = $1)
      ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C"`,
    [schema ?? null],
    'reading tables',
  );
  return r.rows;
}

export const governanceCheck = (deps: PgDeps) =>
  defineTool<Input, { findings: Finding[]; checked: Checked; statsSince: string | null }>({
    id: 'postgres.governance.check',
    title: 'Governance well-check',
    description:
      'Checks a database\'s design and reports findings (check, asset, severity, message, detail - the shape every Steward well-check returns): tables without a primary key ' +
      '(postgres.no-primary-key, warning), foreign keys whose columns lead no index (postgres.fk-without-index, warning), indexes identical to another (postgres.duplicate-index, warning), ' +
      'indexes never scanned since the statistics were reset, leaving out those that back a constraint (postgres.unused-index, info; statsSince says since when), foreign keys with a nullable ' +
      'column (postgres.nullable-fk, info), tables with more than maxColumns columns (postgres.wide-table, info), and columns whose name suggests personal data (email, phone, birth, ssn, ' +
      'address...) without a comment saying what they hold (postgres.pii-without-comment, warning). Reads the catalogue and statistics only.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        schema: schemaFilter,
        checks: { type: 'array', uniqueItems: true, minItems: 1, items: { enum: CHECKS }, default: [...CHECKS], description: `The checks to run (default all): ${CHECKS.join(', ')}.` },
        maxColumns: { type: 'integer', minimum: 2, maximum: 1600, default: 50, description: 'A table with more columns than this is wide.' },
      },
    },
    outputSchema: objectOut({
      findings: { type: 'array', items: FINDING_SCHEMA },
      checked: objectOut({ schemas: int, tables: int, columns: int, indexes: int, foreignKeys: int }),
      statsSince: nullable('string'),
    }),
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'Every check on every schema', input: { checks: [...CHECKS], maxColumns: 50 } },
      { title: 'Keys and indexes of one schema', input: { schema: 'shop', checks: ['no-primary-key', 'fk-without-index', 'duplicate-index'], maxColumns: 50 } },
    ],
    handler: (input, ctx) =>
      deps.read(ctx, async (s) => {
        const on = new Set<Check>(input.checks);
        const scope = input.schema ? { schema: input.schema } : {};
        const tables = await tablesAndColumns(s, input.schema);
        const constraints = await listConstraints(s, scope, ['primary key', 'foreign key']);
        const indexes = await listIndexes(s, scope);
        const statsSince = (await s.query<{ t: string | null }>('SELECT stats_reset::text AS t FROM pg_stat_database WHERE datname = current_database()', [], 'reading statistics')).rows[0]?.t ?? null;
        const fks = constraints.filter((c) => c.type === 'foreign key');
        const out: Finding[] = [];

        for (const t of tables) {
          const asset = `${t.schema}.${t.table}`;
          if (on.has('no-primary-key') && !constraints.some((c) => c.tableOid === t.oid && c.type === 'primary key')) {
            const unique = indexes.some((i) => i.tableOid === t.oid && i.unique && i.predicate === null);
            out.push(finding('postgres.no-primary-key', 'warning', asset, `table ${asset} has no primary key${unique ? ' (it has a unique index that could become one)' : ''}: rows cannot be told apart reliably, and logical replication cannot update them`, { schema: t.schema, table: t.table, hasUniqueIndex: unique }));
          }
          if (on.has('wide-table') && t.columns.length > input.maxColumns) {
            out.push(finding('postgres.wide-table', 'info', asset, `table ${asset} has ${t.columns.length} columns (more than ${input.maxColumns})`, { schema: t.schema, table: t.table, columns: t.columns.length, limit: input.maxColumns }));
          }
          if (on.has('pii-without-comment')) {
            for (const c of t.columns) {
              const hint = piiHint(c.name);
              if (hint && !c.comment?.trim()) {
                out.push(finding('postgres.pii-without-comment', 'warning', `${asset}.${c.name}`, `column ${asset}.${c.name} looks like personal data ("${hint}") and has no comment saying what it holds and how it is protected`, { schema: t.schema, table: t.table, column: c.name, hint }));
              }
            }
          }
        }
        for (const fk of fks) {
          const asset = `${fk.schema}.${fk.table}.${fk.name}`;
          const ref = `${fk.references!.schema}.${fk.references!.table}(${fk.references!.columns.join(', ')})`;
          const detail = { schema: fk.schema, table: fk.table, constraint: fk.name, columns: fk.columns, references: fk.references };
          if (on.has('fk-without-index') && !indexes.some((i) => i.tableOid === fk.tableOid && leads(i.attnums, fk.attnums))) {
            out.push(finding('postgres.fk-without-index', 'warning', asset, `foreign key ${fk.name} on ${fk.schema}.${fk.table}(${fk.columns.join(', ')}) → ${ref} has no index starting with its columns: joins scan, and deletes on the referenced table check every row`, { ...detail, suggestion: `CREATE INDEX ON ${fk.schema}.${fk.table} (${fk.columns.join(', ')})` }));
          }
          if (on.has('nullable-fk') && fk.nullableColumns.length > 0) {
            out.push(finding('postgres.nullable-fk', 'info', asset, `foreign key ${fk.name} on ${fk.schema}.${fk.table}(${fk.columns.join(', ')}) → ${ref} allows NULL in ${fk.nullableColumns.join(', ')}: rows may reference nothing`, { ...detail, nullable: fk.nullableColumns }));
          }
        }
        if (on.has('duplicate-index')) {
          const first = new Map<string, string>();
          for (const i of indexes) {
            const kept = first.get(i.signature);
            if (kept === undefined) first.set(i.signature, i.name);
            else if (i.constraint === null) {
              out.push(finding('postgres.duplicate-index', 'warning', `${i.schema}.${i.name}`, `index ${i.schema}.${i.name} on ${i.table}(${i.columns.join(', ')}) is identical to ${kept}: it costs writes and space for nothing`, { schema: i.schema, table: i.table, index: i.name, duplicateOf: kept, sizeBytes: i.sizeBytes }));
            }
          }
        }
        if (on.has('unused-index')) {
          for (const i of indexes) {
            if (i.scans === 0 && i.constraint === null && !i.unique && !i.primary) {
              out.push(finding('postgres.unused-index', 'info', `${i.schema}.${i.name}`, `index ${i.schema}.${i.name} on ${i.table}(${i.columns.join(', ')}) has not been scanned${statsSince ? ` since ${statsSince}` : ' since the statistics were reset'}`, { schema: i.schema, table: i.table, index: i.name, sizeBytes: i.sizeBytes, statsSince }));
            }
          }
        }
        return {
          findings: sortFindings(out),
          checked: { schemas: new Set(tables.map((t) => t.schema)).size, tables: tables.length, columns: tables.reduce((n, t) => n + t.columns.length, 0), indexes: indexes.length, foreignKeys: fks.length },
          statsSince,
        };
      }),
  });

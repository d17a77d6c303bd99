import type { SisenseClient } from '../../client/sisense.client.js';
import { asArray, asObject } from '../../shared/errors.js';
import type { DatamodelSummary } from '../../shared/sisense.models.js';

/** Column type codes of the v2 schema. */
const TYPES: Record<number, string> = { 0: 'bigint', 1: 'binary', 2: 'bit', 3: 'char', 4: 'datetime', 5: 'decimal', 6: 'float', 8: 'int', 13: 'smallint', 18: 'text', 19: 'time', 31: 'date' };

/** A column's type name from its v2 type code (`18` text, `8` int, `5` decimal, `4` datetime…). */
export function columnType(t: unknown): string {
  return typeof t === 'number' ? (TYPES[t] ?? `type ${t}`) : typeof t === 'string' ? t : 'unknown';
}

export interface ColumnRow {
  name: string;
  type: string;
  hidden: boolean;
}
export interface TableRow {
  name: string;
  dataset: string;
  type: string;
  hidden: boolean;
  custom: boolean;
  importQuery: boolean;
  columns: ColumnRow[];
}
export interface RelationRow {
  columns: Array<{ table: string; column: string }>;
}

type Obj = Record<string, unknown>;
const objects = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter((x): x is Obj => !!x && typeof x === 'object') : []);
const s = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);

/** The full schema of a model (`GET /api/v2/datamodels/{oid}/schema`). */
export async function readSchema(client: SisenseClient, oid: string): Promise<DatamodelSummary> {
  return asObject<DatamodelSummary>(await client.get(`/api/v2/datamodels/${oid}/schema`), 'a data model schema');
}

/** Datasets, tables, columns and relations by name instead of oid. */
export function describe(model: DatamodelSummary) {
  const datasets = asArray<Obj>(model.datasets ?? [], 'datasets');
  const tableName = new Map<string, string>();
  const columnName = new Map<string, string>();
  const tables: TableRow[] = [];
  const sets = datasets.map((ds) => {
    const connection = (ds.connection ?? {}) as Obj;
    const dsName = s(connection.name, s(ds.name));
    for (const t of objects((ds.schema as Obj | undefined)?.tables)) {
      tableName.set(s(t.oid), s(t.name));
      const columns = objects(t.columns).map((c) => {
        columnName.set(s(c.oid), s(c.name));
        return { name: s(c.name), type: typeof c.type === 'number' ? (TYPES[c.type] ?? `type ${c.type}`) : s(c.type, 'unknown'), hidden: c.hidden === true };
      });
      const options = (t.configOptions ?? {}) as Obj;
      tables.push({ name: s(t.name), dataset: dsName, type: s(t.type, 'base'), hidden: t.hidden === true, custom: t.type === 'custom', importQuery: typeof options.importQuery === 'string' && options.importQuery.trim() !== '', columns });
    }
    return { name: dsName, provider: s(connection.provider, 'unknown'), database: typeof ds.database === 'string' ? ds.database : null, schema: typeof ds.schemaName === 'string' ? ds.schemaName : null, type: s(ds.type, s(model.type)) };
  });
  const relations: RelationRow[] = objects(model.relations).map((r) => ({
    columns: objects(r.columns).map((c) => ({ table: tableName.get(s(c.table)) ?? s(c.table), column: columnName.get(s(c.column)) ?? s(c.column) })),
  }));
  return { datasets: sets, tables, relations };
}

/** The elasticube paths a model's shares and data security live under. */
export function cubePaths(model: DatamodelSummary): { permissions: string; dataSecurity: string } {
  const title = encodeURIComponent(model.title);
  if (model.type === 'live') return { permissions: `/api/v1/elasticubes/live/${model.oid}/permissions`, dataSecurity: `/api/v1/elasticubes/live/${title}/datasecurity` };
  const server = encodeURIComponent(typeof model.server === 'string' && model.server ? model.server : 'LocalHost');
  return { permissions: `/api/elasticubes/${server}/${title}/permissions`, dataSecurity: `/api/elasticubes/${server}/${title}/datasecurity` };
}

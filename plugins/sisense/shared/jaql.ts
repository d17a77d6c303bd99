/**
 * The model columns a dashboard uses, read from its JAQL: widget panel items, formula contexts and dashboard filters
 * (cascading filters included). A dim is `[Table.Column]`, a date dim `[Table.Column (Calendar)]`.
 */

export interface ColumnUse {
  table: string;
  column: string;
  /** Where: widget titles, or "dashboard filter". */
  usedBy: string[];
}

const DIM = /^\[([^.\]]+)\.([^\]]+)\]$/;
const DATE_LEVEL = / \((Calendar|Years|Quarters|Months|Weeks|Days|Hours|Minutes|Seconds)\)$/;

export function parseDim(dim: string): { table: string; column: string } | undefined {
  const m = DIM.exec(dim.trim());
  if (!m) return undefined;
  return { table: m[1], column: m[2].replace(DATE_LEVEL, '') };
}

/** Every `dim` anywhere below a value (jaql items, formula contexts, filter levels). */
export function dimsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) dimsIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'dim' && typeof v === 'string') out.push(v);
      else dimsIn(v, out);
    }
  }
  return out;
}

/** The columns of a dashboard (its `filters`) and its widgets (their `metadata`), sorted by table and column. */
export function columnsOf(dashboard: object, widgets: Array<{ title?: unknown; metadata?: unknown }>): ColumnUse[] {
  const uses = new Map<string, ColumnUse>();
  const add = (dims: string[], where: string) => {
    for (const dim of dims) {
      const parsed = parseDim(dim);
      if (!parsed) continue;
      const key = `${parsed.table}\u0000${parsed.column}`;
      const use = uses.get(key) ?? { ...parsed, usedBy: [] };
      if (!use.usedBy.includes(where)) use.usedBy.push(where);
      uses.set(key, use);
    }
  };
  add(dimsIn((dashboard as { filters?: unknown }).filters), 'dashboard filter');
  for (const w of widgets) add(dimsIn(w.metadata), typeof w.title === 'string' && w.title ? `widget "${w.title}"` : 'untitled widget');
  return [...uses.values()].sort((a, b) => a.table.localeCompare(b.table) || a.column.localeCompare(b.column));
}

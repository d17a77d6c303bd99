import type { JsonSchema } from '../../plugins/plugin-api.js';
import { ROOT_COMBINATORS, subschemas } from '../../plugins/schema-check.js';

type Obj = Record<string, unknown>;
type Combinator = (typeof ROOT_COMBINATORS)[number];

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const names = (v: unknown): string[] => (Array.isArray(v) ? v.filter((n): n is string => typeof n === 'string') : []);
const WORDS: Record<Combinator, string> = { oneOf: 'exactly one of', anyOf: 'at least one of', allOf: 'all of' };

export interface ListedSchema {
  /** The schema to list: what hosts that refuse root combinators and lists of types accept. */
  schema: JsonSchema;
  /** What the dropped combinators said, for the tool's description; undefined when none was dropped. */
  note?: string;
}

/** A branch in a few words: what it requires, else the properties it names. */
function branchWords(branch: unknown): string {
  if (!isObj(branch)) return '(any input)';
  const need = names(branch.required);
  if (need.length) return need.join(' + ');
  const props = isObj(branch.properties) ? Object.keys(branch.properties) : [];
  return props.length ? props.join(', ') : '(another form)';
}

/**
 * How a mounted server's tool input schema is listed to Steward's hosts, some of which refuse what the remote wrote
 * (Anthropic's API a top-level oneOf/anyOf/allOf, single-type dialects such as Gemini's a list of types):
 * - a top-level combinator is dropped: the branches' properties are merged into the root's (the root's own and then
 *   the first branch naming a property win), `required` keeps the root's plus what every branch requires (for allOf:
 *   what any branch requires), and `note` says what the combinator asked for;
 * - `type: [X, "null"]` anywhere becomes `type: X, nullable: true`; other lists of types are left as they are.
 * Only the listing changes: calls are still validated against the remote's own schema.
 */
export function listedInputSchema(remote: JsonSchema): ListedSchema {
  const schema = structuredClone(remote) as Obj;
  const notes: string[] = [];
  const found = ROOT_COMBINATORS.filter((k) => Array.isArray(schema[k]));
  if (found.length) {
    const properties: Obj = { ...(isObj(schema.properties) ? schema.properties : {}) };
    const required = new Set(names(schema.required));
    for (const k of found) {
      const branches = schema[k] as unknown[];
      for (const b of branches.filter(isObj)) {
        for (const [name, s] of Object.entries(isObj(b.properties) ? b.properties : {})) if (!(name in properties)) properties[name] = s;
      }
      const each = branches.map((b) => (isObj(b) ? names(b.required) : []));
      const must = k === 'allOf' ? each.flat() : each.length ? each.reduce((all, r) => all.filter((n) => r.includes(n))) : [];
      for (const n of must) required.add(n);
      notes.push(`${WORDS[k]}: ${branches.map(branchWords).join(' | ')}`);
      delete schema[k];
    }
    schema.type = 'object';
    schema.properties = properties;
    if (required.size) schema.required = [...required];
    else delete schema.required;
  }
  for (const { schema: sub } of subschemas(schema, 'inputSchema')) {
    const types = sub.type;
    if (Array.isArray(types) && types.length === 2 && types.includes('null') && types.some((t) => t !== 'null')) {
      sub.type = types.find((t) => t !== 'null');
      sub.nullable = true;
    }
  }
  const note = notes.length ? `Input (the server's schema says; checked when called): ${notes.join('; ')}.` : undefined;
  return { schema, ...(note && { note }) };
}

import { isAlias, isMap, isScalar, isSeq, visit, type Document, type LineCounter } from 'yaml';
import type { PathSegment } from './json-schema.js';

export type Locate = (path: PathSegment[], keyOf?: boolean) => { line?: number; column?: number };

/** Maps a data path to the line/column of its YAML node (the key itself when `keyOf`), for error messages. */
export function yamlLocator(doc: Document, lc: LineCounter): Locate {
  return (path, keyOf = false) => {
    let node: unknown = doc.contents;
    let keyNode: unknown;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
        if (!pair) break;
        [keyNode, node] = [pair.key, pair.value];
      } else if (isSeq(node)) {
        [keyNode, node] = [undefined, node.items[Number(seg)]];
      } else break;
    }
    const target = ((keyOf && keyNode) || node) as { range?: [number, number, number] } | undefined;
    if (!target?.range) return {};
    const pos = lc.linePos(target.range[0]);
    return { line: pos.line, column: pos.col };
  };
}

/** Offset of the document's first alias (where an alias bomb starts; reported with "Excessive alias count"), else of the document. */
export function firstAliasOffset(doc: Document): number {
  let at = doc.range?.[0] ?? 0;
  visit(doc, {
    Alias(_key, node) {
      if (isAlias(node) && node.range) at = node.range[0];
      return visit.BREAK;
    },
  });
  return at;
}

/**
 * Most aliases (`*name`) one document may expand. A few are normal; a "billion laughs" file of a few hundred bytes
 * expands to gigabytes, which the yaml library refuses past this count.
 */
export const MAX_YAML_ALIASES = 100;

/**
 * The document as plain data, expanding at most MAX_YAML_ALIASES aliases; an alias bomb (or any other refusal) as a
 * message and the offset of the first alias, for a diagnostic at file:line:col instead of a throw.
 */
export function yamlToJs(doc: Document): { ok: true; value: unknown } | { ok: false; message: string; offset: number } {
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown };
  } catch (e) {
    const message = String(e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e) ? (e as Error).message : e).split('\n')[0];
    return { ok: false, message: `YAML: ${message} (at most ${MAX_YAML_ALIASES} aliases are expanded)`, offset: firstAliasOffset(doc) };
  }
}

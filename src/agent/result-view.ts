/**
 * What a model is shown of a tool result. Privacy mode (the default): only {tool, ok, count or size}. When results
 * are shared: the JSON, with long lists and strings cut and a note saying so, within a byte budget.
 */

export interface ResultSummary {
  count?: number;
  size: number;
}

/** The number of items a result holds (a list, or an object's one list such as `items`), and its JSON size. */
export function summarize(output: unknown): ResultSummary {
  const size = Buffer.byteLength(JSON.stringify(output ?? null));
  if (Array.isArray(output)) return { count: output.length, size };
  if (output && typeof output === 'object') {
    const lists = Object.values(output).filter(Array.isArray);
    if (lists.length === 1) return { count: lists[0].length, size };
  }
  return { size };
}

export function privateView(tool: string, output: unknown): string {
  return JSON.stringify({
    tool,
    ok: true,
    ...summarize(output),
    note: 'Privacy mode: the result is not shared with the model. It is in the run outputs and report for people to read.',
  });
}

/** Shared view: the result itself, lists and strings cut until the JSON fits maxBytes, with a note of what was cut. */
export function sharedView(tool: string, output: unknown, maxBytes: number): string {
  const whole = JSON.stringify({ tool, ok: true, result: output ?? null });
  if (Buffer.byteLength(whole) <= maxBytes) return whole;
  const cuts: string[] = [];
  for (const [items, chars] of [[50, 2000], [20, 500], [10, 200], [5, 100], [2, 60], [1, 40]] as const) {
    cuts.length = 0;
    const value = cut(output, items, chars, '$', cuts);
    const text = JSON.stringify({ tool, ok: true, result: value, truncated: `Result cut to fit ${maxBytes} bytes: ${summarizeCuts(cuts)}` });
    if (Buffer.byteLength(text) <= maxBytes) return text;
  }
  const json = JSON.stringify(output ?? null);
  return JSON.stringify({ tool, ok: true, resultPrefix: json.slice(0, Math.max(0, maxBytes - 300)), truncated: `Result is ${Buffer.byteLength(json)} bytes of JSON; only its beginning is shown.` });
}

function cut(v: unknown, items: number, chars: number, path: string, cuts: string[]): unknown {
  if (typeof v === 'string') {
    if (v.length <= chars) return v;
    cuts.push(`${path}: string of ${v.length} characters cut to ${chars}`);
    return `${v.slice(0, chars)}…`;
  }
  if (Array.isArray(v)) {
    if (v.length > items) cuts.push(`${path}: showing ${items} of ${v.length} items`);
    return v.slice(0, items).map((x, i) => cut(x, items, chars, `${path}[${i}]`, cuts));
  }
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cut(x, items, chars, `${path}.${k}`, cuts)]));
  return v;
}

function summarizeCuts(cuts: string[]): string {
  const lists = cuts.filter((c) => c.includes('items'));
  const strings = cuts.length - lists.length;
  const shown = lists.slice(0, 5).join('; ');
  return [shown, lists.length > 5 ? `and ${lists.length - 5} more lists` : '', strings ? `${strings} long string(s) shortened` : ''].filter(Boolean).join('; ');
}

import { Ajv2020, type ErrorObject, type Options, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ErrorDetail } from './errors.js';

export type PathSegment = string | number;
type Locate = (path: PathSegment[], keyOf?: boolean) => { line?: number; column?: number };

// ajv-formats is CommonJS; under ESM its default export may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;

/** One place that builds ajv instances: draft 2020-12, all errors, formats, strict schema checks. */
export function createAjv(options: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true, ...options });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-secret' });
  ajv.addKeyword({ keyword: 'patternErrorMessage' }); // the message editors (VS Code, yaml-language-server) and formatAjvErrors show
  return ajv;
}

export function compileSchema<T = unknown>(schema: object, options: Options = {}): ValidateFunction<T> {
  return createAjv(options).compile<T>(schema);
}

/** `/a/b/0/c` → ['a', 'b', 0, 'c'] */
export function pointerToPath(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function dottedPath(path: PathSegment[], root = ''): string {
  return path.reduce<string>(
    (acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg),
    root,
  );
}

/**
 * Turns ajv errors into messages a person can act on, each naming the failing path (`environments.prod.url`),
 * with YAML line/column when a locator is given. Drops the noise ajv adds for failed `if`/`anyOf` branches.
 */
export function formatAjvErrors(errors: ErrorObject[], locate?: Locate, root = ''): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    let path = pointerToPath(e.instancePath);
    let keyOf = false;
    let message: string;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String(e.params.additionalProperty);
        path = [...path, key];
        keyOf = true;
        const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
        message = `unknown key${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`;
        break;
      }
      case 'required':
        path = [...path, String(e.params.missingProperty)];
        message = 'is required';
        break;
      case 'propertyNames':
        path = [...path, String(e.params.propertyName)];
        keyOf = true;
        message = 'is not an allowed name';
        break;
      case 'pattern':
        message = (e.parentSchema as { patternErrorMessage?: string } | undefined)?.patternErrorMessage ?? `must match the pattern ${e.params.pattern}`;
        if (e.propertyName !== undefined) continue; // reported by propertyNames
        break;
      case 'format':
        message = e.params.format === 'uri' ? 'must be a URI' : `must be a valid ${e.params.format}`;
        break;
      case 'enum':
        message = `must be one of: ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'type':
        message = `must be ${/^[aeiou]/.test(String(e.params.type)) ? 'an' : 'a'} ${String(e.params.type).replace(',', ' or ')}`;
        break;
      default:
        message = e.message ?? `fails ${e.keyword}`;
    }
    const dotted = dottedPath(path, root) || '(root)';
    const id = `${dotted}|${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ path: dotted, message, ...(locate ? locate(path, keyOf) : {}) });
  }
  return out;
}

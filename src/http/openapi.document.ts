import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ERRORS, SCHEMAS, SUCCESS, TAGS } from './openapi.schemas.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'];
const problemRef = (name: string) => ({ $ref: `#/components/responses/${name}` });

export const SECURITY_SCHEME = {
  type: 'http',
  scheme: 'bearer',
  description: 'A token from steward.yaml auth.tokens (or .steward/admin.token when none are configured), or, with auth.jwt (single sign-on), a JWT access token from its issuer, its role mapped from a claim. Roles: viewer < operator < approver < admin.',
} as const;

/** The OpenAPI 3.1 document of the routes: generated from the controllers, then completed by finishOpenApi. */
export function buildOpenApi(app: NestExpressApplication, version: string, publicPaths: readonly string[]): Json {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Steward API')
      .setDescription('Runs, playbooks, approvals, tools and findings. Every route but /health needs Authorization: Bearer <token>. Errors are application/problem+json (RFC 9457) with a stable `code`.')
      .setVersion(version)
      .setLicense('MIT', 'https://opensource.org/license/mit')
      .build(),
  );
  return finishOpenApi(doc as unknown as Json, publicPaths);
}

/**
 * Makes the generated document a complete OpenAPI 3.1 one: one bearer security scheme applied at the root (the
 * public paths opt out), a success response with a schema for every operation, and the error responses each
 * operation can give, all application/problem+json with the Problem schema.
 */
export function finishOpenApi(doc: Json, publicPaths: readonly string[]): Json {
  doc.openapi = '3.1.0';
  if (doc.info?.contact && Object.keys(doc.info.contact).length === 0) delete doc.info.contact;
  doc.info.license = { name: 'MIT', identifier: 'MIT' };
  doc.servers = [{ url: '/', description: 'This daemon' }];
  doc.security = [{ bearer: [] }];
  doc.components ??= {};
  doc.components.securitySchemes = { bearer: SECURITY_SCHEME };
  doc.components.schemas = { ...(doc.components.schemas ?? {}), ...SCHEMAS };
  doc.components.responses = Object.fromEntries(
    Object.entries(ERRORS).map(([name, e]) => [name, { description: e.description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } }]),
  );
  const tags = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths ?? {}) as Array<[string, Json]>) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      for (const t of op.tags ?? []) tags.add(t);
      delete op.security;
      const isPublic = publicPaths.includes(path);
      if (isPublic) op.security = [];
      op.responses = completeResponses(`${method.toUpperCase()} ${path}`, op, { isPublic, hasParams: path.includes('{'), hasBody: !!op.requestBody });
    }
  }
  doc.tags = [...tags].sort().map((name) => ({ name, description: TAGS[name] ?? name }));
  return toSchema31(doc) as Json;
}

function completeResponses(key: string, op: Json, o: { isPublic: boolean; hasParams: boolean; hasBody: boolean }): Json {
  const given = (op.responses ?? {}) as Json;
  const out: Json = {};
  const successes = Object.keys(given).filter((s) => /^2\d\d$/.test(s));
  if (successes.length === 0) successes.push('200');
  for (const status of successes) {
    const r = { description: given[status]?.description || 'OK', ...(given[status] ?? {}) } as Json;
    if (!r.description) r.description = 'OK';
    if (!r.content || Object.keys(r.content).length === 0) r.content = SUCCESS[key] ?? { 'application/json': { schema: { type: 'object' } } };
    out[status] = r;
  }
  const errors = ['BadRequest', 'InternalError'];
  if (!o.isPublic) errors.push('Unauthorized', 'Forbidden', 'TooManyRequests');
  if (o.hasParams || key.startsWith('POST ')) errors.push('NotFound');
  if (key.startsWith('POST ')) errors.push('Conflict');
  if (o.hasBody) errors.push('PayloadTooLarge', 'UnsupportedMediaType');
  if (key === 'GET /ready') errors.push('Unavailable');
  for (const name of errors) out[ERRORS[name].status] = problemRef(name);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** OpenAPI 3.0 schema spellings → 3.1 (JSON Schema 2020-12): `nullable` becomes a type union. */
function toSchema31(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toSchema31);
  if (!v || typeof v !== 'object') return v;
  const o = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toSchema31(x)])) as Json;
  if (o.nullable === true) {
    delete o.nullable;
    if (typeof o.type === 'string') o.type = [o.type, 'null'];
  } else if (o.nullable === false) delete o.nullable;
  return o;
}

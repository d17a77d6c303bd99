import { setTimeout as sleep } from 'node:timers/promises';
import type { Query } from '../../client/sisense.types.js';
import { asArray, asObject } from '../../shared/errors.js';
import type { Side, Session } from './migration.session.js';
import type { Mapped, PrincipalMap } from './principals.js';

/** A data model as the listing names it. */
export interface ModelRef {
  oid: string;
  title: string;
  type: 'extract' | 'live';
  server: string;
}

/** A data model share: a user or group and r (query), w (edit) or a (admin). */
export interface ModelShare {
  partyId?: string;
  type: 'user' | 'group';
  permission: string;
}

/** A data security (row-level security) rule; `shares` name its users and groups, or `{type: default}`. */
export interface SecurityRule {
  table: string;
  column: string;
  datatype: string;
  members: string[];
  allMembers?: boolean | null;
  exclusionary?: boolean | null;
  shares: Array<{ party: string | null; type: string }>;
}

const enc = encodeURIComponent;

/** Shares and data security are read through the elasticube paths: extract models by server and title, live ones by oid (shares) or title (rules). */
export function sharesPath(m: ModelRef): string {
  return m.type === 'live' ? `/api/v1/elasticubes/live/${enc(m.oid)}/permissions` : `/api/elasticubes/${enc(m.server)}/${enc(m.title)}/permissions`;
}

export function rulesPath(m: ModelRef): string {
  return m.type === 'live' ? `/api/v1/elasticubes/live/${enc(m.title)}/datasecurity` : `/api/elasticubes/${enc(m.server)}/${enc(m.title)}/datasecurity`;
}

export async function readShares(side: Side, m: ModelRef): Promise<ModelShare[]> {
  return side.once(`shares:${m.oid}`, async () => {
    const answer = await side.get<unknown>(sharesPath(m));
    const list = m.type === 'live' ? answer : asObject<{ shares?: unknown }>(answer, 'data model shares').shares;
    return asArray<ModelShare>(list ?? [], 'data model shares');
  });
}

export async function readRules(side: Side, m: ModelRef): Promise<SecurityRule[]> {
  return side.once(`rules:${m.oid}`, async () => asArray<SecurityRule>(await side.get(rulesPath(m)), 'data security rules'));
}

/**
 * Collects what a mapping could not find. Both fail the model: a share or rule that loses a party would grant or
 * restrict something other than what the source does (a party unknown even in the source cannot be given either).
 */
export class MappingLog {
  readonly missing: string[] = [];

  /** `written`: the ids are about to be written, so a party an earlier phase was to create must have its id now. */
  constructor(private readonly written = false) {}

  take(m: Mapped): string | undefined | null {
    if (m.kind === 'found' && (m.id || !this.written)) return m.id;
    if (m.kind === 'found') {
      this.missing.push(`${m.name} (not created in the target)`);
      return null;
    }
    this.missing.push(m.kind === 'missing' ? m.what : `${m.what} (unknown in the source)`);
    return null;
  }
}

export function mapShares(shares: readonly ModelShare[], map: PrincipalMap, log: MappingLog): ModelShare[] {
  const out: ModelShare[] = [];
  for (const s of shares) {
    const id = log.take(map.party(s.type, s.partyId ?? ''));
    if (id !== null) out.push({ partyId: id, type: s.type, permission: s.permission });
  }
  return out;
}

export function mapRules(rules: readonly SecurityRule[], map: PrincipalMap, log: MappingLog): SecurityRule[] {
  return rules.map((r) => {
    const shares: SecurityRule['shares'] = [];
    for (const s of r.shares ?? []) {
      if (s.type !== 'user' && s.type !== 'group') shares.push({ party: null, type: s.type });
      else {
        const id = log.take(map.party(s.type, s.party ?? ''));
        if (id !== null) shares.push({ party: id ?? null, type: s.type });
      }
    }
    return { table: r.table, column: r.column, datatype: r.datatype, members: r.members ?? [], allMembers: r.allMembers ?? null, exclusionary: r.exclusionary ?? false, shares };
  });
}

const ruleKey = (r: SecurityRule) => JSON.stringify([r.table, r.column, r.datatype, [...(r.members ?? [])].sort(), r.exclusionary ?? false, (r.shares ?? []).map((s) => `${s.type}:${s.party}`).sort()]);

const shareKey = (s: ModelShare) => `${s.type}:${s.partyId}:${s.permission}`;

/**
 * How a model the target has (same title) differs from the source's shares and data security, mapped to the
 * target's users and groups: `[]` when it has them all. Read only. A live model that is not published cannot be read
 * (404): said so.
 */
export async function accessDifferences(target: Side, m: ModelRef, shares: ModelShare[], rules: SecurityRule[] | undefined): Promise<string[]> {
  const out: string[] = [];
  try {
    const answer = await target.get<unknown>(sharesPath(m));
    const list = m.type === 'live' ? answer : (answer as { shares?: unknown } | undefined)?.shares;
    const have = new Set(asArray<ModelShare>(list ?? [], 'data model shares').map(shareKey));
    const lacking = shares.filter((s) => s.partyId && !have.has(shareKey(s))).length;
    if (lacking) out.push(`${lacking} of the source's shares missing`);
    if (rules?.length) {
      const kept = new Set(asArray<SecurityRule>(await target.get(rulesPath(m)), 'data security rules').map(ruleKey));
      const lost = rules.filter((r) => !kept.has(ruleKey(r))).length;
      if (lost) out.push(`${lost} of the source's data security rules missing`);
    }
  } catch (e) {
    if ((e as { detail?: { status?: unknown } }).detail?.status !== 404) throw e;
    out.push(m.type === 'live' ? 'not published (its shares and data security cannot be read)' : 'its shares cannot be read (404)');
  }
  return out;
}

/**
 * Writes a model's shares in the target (the whole list is replaced; entries keyed `partyId`, api.md §1.6) and reads
 * them back: a share the target dropped fails the model.
 */
export async function writeShares(target: Side, m: ModelRef, shares: ModelShare[]): Promise<void> {
  if (m.type === 'live') await target.patch(sharesPath(m), shares);
  else await target.put(sharesPath(m), shares);
  const answer = await target.get<unknown>(sharesPath(m));
  const list = m.type === 'live' ? answer : (answer as { shares?: unknown } | undefined)?.shares;
  const kept = new Set(asArray<ModelShare>(list ?? [], 'data model shares').map(shareKey));
  const lost = shares.filter((s) => !kept.has(shareKey(s)));
  if (lost.length) throw new Error(`the target dropped ${lost.length} share(s): ${lost.map((s) => `${s.type} ${s.partyId}`).join(', ')}`);
}

/**
 * Writes a model's data security in the target: an extract model's rules are replaced as a whole; a live model's
 * missing rules are added (its API has no replace), so running it again adds nothing.
 */
export async function writeRules(target: Side, m: ModelRef, rules: SecurityRule[], replace: boolean): Promise<void> {
  if (m.type !== 'live') {
    if (rules.length || replace) await target.put(rulesPath(m), rules);
  } else if (rules.length) {
    const there = new Set(asArray<SecurityRule>(await target.get(rulesPath(m)), 'data security rules').map(ruleKey));
    const add = rules.filter((r) => !there.has(ruleKey(r)));
    if (add.length) await target.post(`${rulesPath(m)}/addMany`, add);
  }
  if (!rules.length) return;
  // Read back: a rule whose users or groups the target dropped would filter rows for nobody (or everybody).
  const kept = new Set(asArray<SecurityRule>(await target.get(rulesPath(m)), 'data security rules').map(ruleKey));
  const lost = rules.filter((r) => !kept.has(ruleKey(r)));
  if (lost.length) throw new Error(`the target did not keep ${lost.length} data security rule(s) as written: ${lost.map((r) => `${r.table}.${r.column}`).join(', ')}`);
}

const FINAL = new Set(['done', 'failed', 'cancelled', 'canceled']);

/** Builds an extract model (full) or publishes a live one, and waits for the build to end; resolves to its final status. */
export async function buildAndWait(s: Session, m: ModelRef): Promise<string> {
  const started = asObject<{ oid: string; status?: string }>(await s.target.post('/api/v2/builds', { datamodelId: m.oid, buildType: m.type === 'live' ? 'publish' : 'full' }), 'a build');
  const deadline = Date.now() + s.deps.settings.buildTimeoutMs;
  let status = started.status ?? 'pending';
  while (!FINAL.has(status)) {
    if (Date.now() > deadline) throw new Error(`the build did not finish within ${s.deps.settings.buildTimeoutMs} ms (still ${status})`);
    await sleep(s.deps.settings.buildPollMs, undefined, { signal: s.ctx.signal });
    status = asObject<{ status?: string }>(await s.target.get(`/api/v2/builds/${enc(started.oid)}`), 'a build').status ?? 'unknown';
  }
  return status;
}

/** Query parameters of the schema export: the dependencies that travel inside it. */
export function exportQuery(oid: string, dependencies: readonly string[]): Query {
  return { datamodelId: oid, type: 'schema-latest', ...(dependencies.length && { dependenciesIdsToInclude: dependencies.join(',') }) };
}

import type { JsonObject, SimGroup, SimUser } from '../sim.types.js';
import type { SeedBuilder } from './seed.builder.js';

/** Column type codes as the v2 schema carries them. */
export const COLUMN_TYPES = { text: 18, int: 8, decimal: 5, datetime: 4, bigint: 0 } as const;
export type ColumnKind = keyof typeof COLUMN_TYPES;

export interface TableSpec {
  name: string;
  columns: Array<[name: string, kind: ColumnKind]>;
  /** CSV file name, for CSV connections (table id and configOptions.Table). */
  file?: string;
  /** A custom import query (configOptions.importQuery). */
  importQuery?: string;
  /** SQL of a custom table (type "custom"). */
  customSql?: string;
}

export interface DatasetSpec {
  connection: JsonObject;
  database: string;
  schemaName: string;
  tables: TableSpec[];
}

export interface ModelSpec {
  title: string;
  type: 'extract' | 'live';
  creator: SimUser;
  datasets: DatasetSpec[];
  /** [["Table", "Column"], ["Table", "Column"]] pairs joined by a relation. */
  relations: Array<[[string, string], [string, string]]>;
  shares: Array<{ party: SimUser | SimGroup; permission: 'r' | 'w' | 'a' }>;
  /** Built (extract) or published (live); false leaves lastBuildTime/lastPublishTime null. */
  built: boolean;
}

export interface ConnectionSpec {
  name: string;
  provider: string;
  owner: SimUser;
  parameters: Record<string, string | string[]>;
  supportedModelTypes?: string[];
}

/** A connection as GET /api/v2/connections lists it and as a dataset embeds it. */
export function addConnection(b: SeedBuilder, spec: ConnectionSpec): JsonObject {
  const connection: JsonObject = {
    id: null,
    oid: b.ids.uuid(),
    provider: spec.provider,
    parameters: spec.parameters,
    schema: null,
    owner: null,
    fileName: null,
    protectedParameters: null,
    uiParams: null,
    globalTableConfigOptions: null,
    enabled: true,
    created: null,
    lastModified: b.clock.now().replace('Z', '+00:00'),
    supportedModelTypes: spec.supportedModelTypes ?? ['EXTRACT'],
    ownerId: spec.owner._id,
    createdByUser: false,
    name: spec.name,
    description: '',
    connectionPermissions: null,
  };
  b.state.connections.push(connection);
  return connection;
}

/** CSV connection parameters shaped like a real CSV connection. */
export function csvParameters(path: string): Record<string, string | string[]> {
  return {
    culture: 'en-US',
    Database: 'null',
    delimiter: ',',
    files: [path],
    folder: '',
    hasHeader: 'true',
    ignoreFirstRows: '0',
    ignoreLastRows: '0',
    IsUsingDirectConnection: 'false',
    Password: '',
    Port: '-1',
    Schema: 'null',
    Server: path,
    stringQuote: '"',
    UserName: 'null',
  };
}

/** A data model in the shape of GET /api/v2/datamodels/schema, added to the tenant. */
export function addDatamodel(b: SeedBuilder, spec: ModelSpec): JsonObject {
  const t = b.clock.now();
  const tableIndex = new Map<string, { dataset: string; table: string; columns: Map<string, string> }>();
  const datasets = spec.datasets.map((ds) => {
    const datasetOid = b.ids.uuid();
    const name = b.ids.uuid();
    const tables = ds.tables.map((ts) => {
      const table = buildTable(b, ts, t);
      tableIndex.set(ts.name, { dataset: datasetOid, table: table.oid as string, columns: new Map((table.columns as JsonObject[]).map((c) => [c.name as string, c.oid as string])) });
      return table;
    });
    return {
      oid: datasetOid,
      type: spec.type,
      connection: ds.connection,
      lastUpdated: t,
      database: ds.database,
      schemaName: ds.schemaName,
      name,
      fullname: `${ds.connection.provider as string}:${name}`,
      modelingTransformations: [],
      schema: { tables },
      schedule: { type: null, lastExecution: null, day: null, days: null, hour: null, minute: null, second: null },
      shares: [],
      liveQuerySettings: null,
    } as JsonObject;
  });
  const relations: JsonObject[] = [];
  const relationsTables: JsonObject[] = [];
  for (const [left, right] of spec.relations) {
    const ends = [left, right].map(([table, column]) => {
      const tbl = tableIndex.get(table);
      const col = tbl?.columns.get(column);
      if (!tbl || !col) throw new Error(`seed: ${spec.title}: no column ${table}.${column}`);
      return { dataset: tbl.dataset, table: tbl.table, column: col, isDropped: null };
    });
    relations.push({ oid: b.ids.uuid(), columns: ends, type: null });
    relationsTables.push({ firstTable: ends[0].table, secondTable: ends[1].table, directionType: null, joinType: 'default' });
  }
  const built = spec.built ? b.clock.now() : null;
  const model: JsonObject = {
    oid: b.ids.uuid(),
    title: spec.title,
    server: 'LocalHost',
    serverId: b.state.serverId,
    shares: spec.shares.map((s) => ({ partyId: s.party._id, type: 'email' in s.party ? 'user' : 'group', permission: s.permission })),
    revision: null,
    lastBuildTime: spec.type === 'extract' ? built : null,
    lastSuccessfulBuildTime: spec.type === 'extract' ? built : null,
    lastBuildTimeFromNextECM: null,
    lastPublishTime: spec.type === 'live' ? built : null,
    lastUpdated: t,
    datasets,
    modelingTransformations: [],
    relations,
    schedule: null,
    creator: creatorOf(spec.creator),
    type: spec.type,
    relationType: 'direct',
    tenant: { _id: b.state.tenant._id, name: 'system', default: true, systemManagement: true },
    aiAccessController: { availableForAnalyticsAssistant: true, availableForStudioAssistant: true, availableForSemanticEnrichment: true },
    relationsTables,
    analyticalEngine: { queryAeMode: 'AE_ONLY', customTranslationMode: null, generateDependenciesMode: null },
  };
  b.state.datamodels.push(model);
  return model;
}

function buildTable(b: SeedBuilder, ts: TableSpec, t: string): JsonObject {
  const columns = ts.columns.map(([name, kind]) => ({
    id: name,
    name,
    displayName: null,
    semanticIndex: null,
    aiGeneratedDescription: null,
    oid: b.ids.uuid(),
    type: COLUMN_TYPES[kind],
    size: kind === 'datetime' ? 8 : 50,
    precision: kind === 'decimal' ? 16 : 0,
    scale: 0,
    hidden: false,
    indexed: true,
    isUpsertBy: false,
    lastUpdated: t,
    description: null,
    expression: null,
    import: null,
    isCustom: null,
  }));
  const tableId = ts.file ?? ts.name;
  const configOptions: JsonObject = { Table: tableId };
  if (ts.importQuery) configOptions.importQuery = ts.importQuery;
  return {
    oid: b.ids.uuid(),
    id: tableId,
    name: ts.name,
    displayName: null,
    type: ts.customSql ? 'custom' : 'base',
    expression: ts.customSql ? { expression: ts.customSql } : null,
    columns,
    buildBehavior: { type: 'sync', accumulativeConfig: null },
    lastUpdated: t,
    hidden: false,
    vTag: b.ids.uuid(),
    configOptions,
    createdAt: t,
    description: null,
    tags: null,
    aiGeneratedDescription: null,
    isMaterialized: false,
    schemaName: null,
  };
}

/** The data model's `creator`: a user record with the API's own misspelling `prefrences`. */
export function creatorOf(user: SimUser): JsonObject {
  return {
    id: user._id,
    userName: user.userName,
    active: user.active,
    created: user.created,
    email: user.email,
    encryptionSHA: null,
    firstName: user.firstName ?? null,
    lastName: user.lastName,
    lastLogin: user.lastLogin,
    lastUpdated: user.lastUpdated,
    prefrences: null,
    roleId: user.roleId,
  };
}

export interface RuleSpec {
  model: string;
  table: string;
  column: string;
  datatype: 'text' | 'numeric' | 'datetime';
  members: string[];
  /** Users and groups the rule applies to; an empty list makes the default rule (everyone else). */
  parties: Array<SimUser | SimGroup>;
  exclusionary?: boolean | null;
}

/** A data security (row-level security) rule as GET .../datasecurity lists it. */
export function addSecurityRule(b: SeedBuilder, spec: RuleSpec): JsonObject {
  const shares = spec.parties.length
    ? spec.parties.map((p) => ('email' in p ? { party: p._id, type: 'user', partyName: p.email } : { party: p._id, type: 'group', partyName: p.name }))
    : [{ party: null, type: 'default' }];
  const rule: JsonObject = {
    _id: b.ids.hex24(),
    server: 'LocalHost',
    elasticube: spec.model,
    table: spec.table,
    column: spec.column,
    datatype: spec.datatype,
    members: spec.members,
    allMembers: spec.members.length ? null : true,
    exclusionary: spec.exclusionary ?? false,
    fullname: `LocalHost/${spec.model}`,
    shares,
  };
  b.state.dataSecurity.push(rule);
  return rule;
}

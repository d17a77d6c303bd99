import type { JsonSchema } from '../../../src/plugins/plugin-api.js';

/** JSON Schema pieces the Sisense tools share. */

export const ref = (description: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength: 500, description });

export const dashboardRef = ref('The dashboard: its oid (24 hex characters) or its exact title (case-insensitive when no exact match).');
export const datamodelRef = ref('The data model: its oid (a UUID) or its title (case-insensitive when no exact match).');
export const userRef = ref('The user: email (case-insensitive), user id (24 hex), or user name.');
export const groupRef = ref('The group: its name (case-insensitive when no exact match) or id (24 hex).');
export const folderRef = ref('The folder: its oid, its path like "Sales/Deep Dives", or its name when only one folder has it.');

/** How a folder input names the root (no folder): one type for hosts that take no `null` (no folder name has a "/"). */
export const ROOT_FOLDER = '/';

/** For outputs only: input schemas take one type (src/plugins/schema-check.ts). */
export const nullableString: JsonSchema = { type: ['string', 'null'] };

/** A dashboard as the dashboard tools return it (closed, so `validate` catches a misspelt field in a reference). */
export const dashboardView: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['oid', 'title'],
  properties: {
    oid: { type: 'string' },
    title: { type: 'string' },
    ownerId: nullableString,
    ownerEmail: nullableString,
    folderId: nullableString,
    folderPath: nullableString,
    datasource: nullableString,
    live: { type: 'boolean' },
    lastUpdated: nullableString,
  },
};

/** A user with role and group names (closed, like dashboardView). */
export const userView: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'email', 'role', 'groups'],
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    userName: nullableString,
    firstName: nullableString,
    lastName: nullableString,
    role: nullableString,
    groups: { type: 'array', items: { type: 'string' } },
    active: { type: 'boolean' },
    lastLogin: nullableString,
  },
};

export const objectOut = (properties: Record<string, JsonSchema>, required = Object.keys(properties)): JsonSchema => ({ type: 'object', additionalProperties: false, required, properties });
export const arrayOf = (items: JsonSchema): JsonSchema => ({ type: 'array', items });

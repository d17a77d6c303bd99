import type { AnyToolDefinition } from '../../../../src/plugins/plugin-api.js';
import { remove } from './delete.tool.js';
import { get } from './get.tool.js';
import { history } from './history.tool.js';
import { list } from './list.tool.js';
import { merge } from './merge.tool.js';
import { search } from './search.tool.js';
import { upsert } from './upsert.tool.js';

/** The catalog needs no connection to the database: it lives in Steward's store (ctx.records), per environment. */
export const catalogTools = (): AnyToolDefinition[] => [upsert(), get(), search(), list(), merge(), remove(), history()] as AnyToolDefinition[];

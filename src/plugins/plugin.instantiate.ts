import type { Logger } from 'pino';
import { createAjv, formatAjvErrors } from '../common/json-schema.js';
import type { PluginSettings } from '../config/config.types.js';
import { deepFreeze } from './deep-freeze.js';
import type { AnyToolDefinition, PluginDefinition } from './plugin-api.js';
import { compileJsonSchema } from './schema-check.js';
import { PluginLoadError, type LoadedTool, type PluginManifest } from './plugin.types.js';
import { checkTool, schemaCompilers } from './tool.definition.js';

export const DEFAULT_FACTORY_TIMEOUT_MS = 10_000;

export interface InstantiateOptions {
  manifest: PluginManifest;
  definition: PluginDefinition;
  /** `plugins.<id>` from steward.yaml, if present. */
  config?: PluginSettings;
  logger: Logger;
  factoryTimeoutMs?: number;
}

export interface PluginInstance {
  /** The tools the config lets through. */
  tools: LoadedTool[];
  /** Ids the plugin registered that `plugins.<id>.modules` / `.tools` leave out. */
  filtered: string[];
  dispose: () => Promise<void>;
}

/**
 * Validates the plugin's settings, runs its factory (with a time limit), checks every tool it registers and applies
 * the config's allow-lists. Throws PluginLoadError with the reason; disposes what the factory set up if it does.
 */
export async function instantiatePlugin(opts: InstantiateOptions): Promise<PluginInstance> {
  const { manifest, definition, config = {} } = opts;
  const settings = validateSettings(manifest, config.settings ?? {});
  const disposers: (() => void | Promise<void>)[] = [];
  const dispose = async () => {
    for (const fn of disposers.splice(0).reverse()) await Promise.resolve().then(fn).catch((e: unknown) => opts.logger.warn({ err: e }, 'plugin dispose failed'));
  };
  const registered: AnyToolDefinition[] = [];
  let open = true;
  const api = {
    id: manifest.id,
    version: manifest.version,
    settings,
    logger: opts.logger,
    register: (...tools: AnyToolDefinition[]) => {
      if (!open) throw new Error('register() may only be called while the plugin factory runs');
      registered.push(...tools);
    },
    onDispose: (fn: () => void | Promise<void>) => void disposers.push(fn),
  };
  try {
    await withTimeout(Promise.resolve().then(() => definition.setup(api)), opts.factoryTimeoutMs ?? DEFAULT_FACTORY_TIMEOUT_MS);
    open = false;
    const ajv = schemaCompilers();
    const tools = registered.map((def) => checkTool(def, manifest, settings, ajv));
    const seen = new Set<string>();
    for (const t of tools) {
      if (seen.has(t.id)) throw new PluginLoadError(`tool "${t.id}": registered twice (duplicate tool id)`);
      seen.add(t.id);
    }
    const allowed = allowList(manifest, config, tools);
    return { tools: tools.filter(allowed), filtered: tools.filter((t) => !allowed(t)).map((t) => t.id), dispose };
  } catch (e) {
    open = false;
    await dispose();
    if (e instanceof PluginLoadError) throw e;
    throw new PluginLoadError(`plugin factory failed: ${(e as Error)?.message ?? String(e)}`);
  }
}

function validateSettings(manifest: PluginManifest, given: Record<string, unknown>): Readonly<Record<string, unknown>> {
  const schema = manifest.settings ?? { type: 'object', additionalProperties: false };
  let validate;
  try {
    validate = compileJsonSchema(createAjv({ useDefaults: true }), schema, 'settings');
  } catch (e) {
    throw new PluginLoadError(`plugin.yaml: ${(e as Error).message}`);
  }
  const settings = structuredClone(given);
  if (!validate(settings)) {
    const errors = formatAjvErrors(validate.errors ?? [], undefined, `plugins.${manifest.id}.settings`);
    throw new PluginLoadError(`invalid settings in steward.yaml: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
  }
  return deepFreeze(settings);
}

/** `plugins.<id>.modules` and `.tools` (entries `module.name` or full ids); an entry naming nothing is an error. */
function allowList(manifest: PluginManifest, config: PluginSettings, tools: LoadedTool[]): (t: LoadedTool) => boolean {
  const where = `plugins.${manifest.id}`;
  const modules = config.modules;
  for (const m of modules ?? []) {
    if (!manifest.modules.some((d) => d.id === m)) throw new PluginLoadError(`${where}.modules lists "${m}", which is not a module of this plugin`);
  }
  const names = config.tools?.map((n) => (n.split('.').length === 2 ? `${manifest.id}.${n}` : n));
  for (const [i, n] of (names ?? []).entries()) {
    if (!tools.some((t) => t.id === n)) throw new PluginLoadError(`${where}.tools lists "${config.tools?.[i]}", which is not a tool of this plugin`);
  }
  return (t) => (!modules || modules.includes(t.module)) && (!names || names.includes(t.id));
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PluginLoadError(`plugin factory did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

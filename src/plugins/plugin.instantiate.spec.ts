import { describe, expect, it } from '@jest/globals';
import { definePlugin, defineTool, type PluginSetup } from './plugin-api.js';
import { hostForDefinition } from './test-host.js';

const ping = defineTool({
  id: 'acme.util.ping',
  title: 'Ping',
  description: 'Pong.',
  inputSchema: { type: 'object' },
  effect: 'read',
  idempotent: true,
  environments: [],
  examples: [{ title: 'Ping', input: {} }],
  handler: () => ({ pong: true }),
});
const manifest = { id: 'acme', settings: { type: 'object', required: ['region'], properties: { region: { type: 'string' }, retries: { type: 'integer', default: 2 } } } };

describe('instantiatePlugin', () => {
  it('hands the factory its id, version and validated settings (defaults applied, frozen)', async () => {
    let seen: PluginSetup | undefined;
    await hostForDefinition(manifest, definePlugin((api) => void (seen = api)), { config: { settings: { region: 'eu' } } });
    expect(seen).toMatchObject({ id: 'acme', version: '0.0.0', settings: { region: 'eu', retries: 2 } });
    expect(Object.isFrozen(seen?.settings)).toBe(true);
  });

  it('fails on missing required settings, naming the config path', async () => {
    await expect(hostForDefinition(manifest, definePlugin(() => undefined))).rejects.toThrow('invalid settings in steward.yaml: plugins.acme.settings.region: is required');
  });

  it('fails on a settings schema that does not compile', async () => {
    await expect(hostForDefinition({ id: 'acme', settings: { type: 'object', properties: { n: { type: 'integr' } } } }, definePlugin(() => undefined))).rejects.toThrow(
      'plugin.yaml: settings is not a valid JSON Schema: settings.properties.n.type: must be one of: "array", "boolean", "integer", "null", "number", "object", "string"',
    );
  });

  it('register() after the factory returned throws', async () => {
    let late: (() => void) | undefined;
    const { catalogue } = await hostForDefinition({ id: 'acme' }, definePlugin((api) => void (late = () => api.register(ping))));
    expect(late).toThrow('register() may only be called while the plugin factory runs');
    expect(catalogue.tools()).toEqual([]);
  });

  it('runs onDispose callbacks in reverse on dispose, and at once when loading fails after the factory', async () => {
    const order: string[] = [];
    const setup = (extra: unknown[]) =>
      definePlugin((api) => {
        api.onDispose(() => void order.push('first'));
        api.onDispose(async () => void order.push('second'));
        api.register(ping, ...(extra as []));
      });
    const { catalogue } = await hostForDefinition({ id: 'acme' }, setup([]));
    expect(order).toEqual([]);
    await catalogue.dispose();
    expect(order).toEqual(['second', 'first']);

    order.length = 0;
    await expect(hostForDefinition({ id: 'acme' }, setup([ping]))).rejects.toThrow('tool "acme.util.ping": registered twice (duplicate tool id)');
    expect(order).toEqual(['second', 'first']);
  });
});

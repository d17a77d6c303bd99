import { describe, expect, it } from '@jest/globals';
import { AzureChatOpenAI, ChatOpenAI } from '@langchain/openai';
import { fromText } from '../config/config.loader.js';
import { createChatModel } from './llm.js';
import { allowed } from './llm.checks.js';

const load = (yaml: string) => () => fromText('/tmp/steward.yaml', yaml, '/tmp', { KEY: 'sk-test-key-123' });

describe('llm providers', () => {
  it('reports every missing provider setting with its path at config load', () => {
    expect(load('llm: { provider: databricks }\n')).toThrow(/llm\.model[\s\S]*llm\.baseUrl[\s\S]*llm\.apiKey/);
    expect(load('llm: { provider: azure-openai, apiKey: x }\n')).toThrow(/llm\.azure\.deploymentName/);
    expect(load('llm: { provider: openai-compatible, model: m }\n')).toThrow(/llm\.baseUrl: is required for provider openai-compatible/);
    expect(load('llm: { provider: openai, model: gpt-4.1, apiKey: "${env:KEY}" }\n')).not.toThrow();
  });

  it('no provider: a clear LLM_NOT_CONFIGURED', () => {
    expect(() => createChatModel(undefined)).toThrow(expect.objectContaining({ code: 'LLM_NOT_CONFIGURED' }));
  });

  it('builds the right client for each provider', () => {
    const openai = createChatModel({ provider: 'openai', model: 'gpt-4.1', apiKey: 'k', maxRetries: 5, timeoutMs: 1000 }) as ChatOpenAI;
    expect(openai).toBeInstanceOf(ChatOpenAI);
    expect(openai.model).toBe('gpt-4.1');
    expect((openai.caller as unknown as { maxRetries: number }).maxRetries).toBe(5);
    const dbx = createChatModel({ provider: 'databricks', model: 'llama', apiKey: 'k', baseUrl: 'https://adb-1.azuredatabricks.net/' }) as ChatOpenAI;
    expect((dbx as unknown as { clientConfig: { baseURL: string } }).clientConfig.baseURL).toBe('https://adb-1.azuredatabricks.net/serving-endpoints');
    const local = createChatModel({ provider: 'openai-compatible', model: 'qwen', baseUrl: 'http://127.0.0.1:11434/v1' }) as ChatOpenAI;
    expect((local as unknown as { clientConfig: { baseURL: string } }).clientConfig.baseURL).toBe('http://127.0.0.1:11434/v1');
    const azure = createChatModel({ provider: 'azure-openai', apiKey: 'k', azure: { instanceName: 'i', deploymentName: 'gpt-4o', apiVersion: '2024-10-21' } });
    expect(azure).toBeInstanceOf(AzureChatOpenAI);
  });

  it('allow-list patterns: ids, plugin.module.*, plugin.*, and undefined means all', () => {
    expect(allowed('sisense.dashboard.list', ['sisense.dashboard.*'])).toBe(true);
    expect(allowed('sisense.dashboard.list', ['sisense.*'])).toBe(true);
    expect(allowed('sisense.dashboard.list', ['sisense.datamodel.*', 'sisense.dashboard.get'])).toBe(false);
    expect(allowed('sisense.dashboardx.list', ['sisense.dashboard.*'])).toBe(false);
    expect(allowed('anything', undefined)).toBe(true);
  });
});

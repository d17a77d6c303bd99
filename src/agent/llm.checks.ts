import type { EnvironmentConfig, LlmConfig } from '../config/config.types.js';
import type { LoadedTool } from '../plugins/plugin.types.js';

/**
 * The system prompt's line for an agent step with an output schema (the schema follows on the next line, as one line
 * of JSON): the model knows the answer's shape from its first call instead of learning it from a repair request.
 */
export const FINAL_JSON = 'Your final answer (after any tool calls) must be only a JSON value, no other text, valid against this JSON Schema:';

/** Provider settings checks, apart from the client so config loading does not load LangChain. */
export const LLM_DEFAULTS = { timeoutMs: 120_000, maxRetries: 3, maxModelCalls: 25, maxToolCalls: 50, maxTokens: 200_000, maxResultBytes: 16_384 } as const;

/** What is missing for the configured provider (empty: usable). Config check reports these with their YAML paths. */
export function llmProblems(llm: LlmConfig | undefined): { path: string; message: string }[] {
  if (!llm?.provider) return [];
  const out: { path: string; message: string }[] = [];
  const need = (key: keyof LlmConfig, why: string) => {
    if (llm[key] === undefined || llm[key] === '') out.push({ path: `llm.${key}`, message: `is required for provider ${llm.provider} (${why})` });
  };
  switch (llm.provider) {
    case 'openai':
      need('model', 'e.g. gpt-4.1');
      need('apiKey', 'use ${env:OPENAI_API_KEY}');
      break;
    case 'azure-openai':
      need('apiKey', 'use ${env:AZURE_OPENAI_API_KEY}');
      if (!llm.azure?.deploymentName) out.push({ path: 'llm.azure.deploymentName', message: 'is required for provider azure-openai' });
      if (!llm.azure?.instanceName && !llm.azure?.endpoint) out.push({ path: 'llm.azure', message: 'needs instanceName or endpoint' });
      if (!llm.azure?.apiVersion) out.push({ path: 'llm.azure.apiVersion', message: 'is required for provider azure-openai (e.g. 2024-10-21)' });
      break;
    case 'databricks':
      need('model', 'the serving endpoint name');
      need('baseUrl', 'the workspace URL, e.g. https://adb-123.azuredatabricks.net');
      need('apiKey', 'a Databricks token: use ${env:DATABRICKS_TOKEN}');
      break;
    case 'openai-compatible':
      need('model', 'the model the server serves');
      need('baseUrl', 'e.g. http://127.0.0.1:11434/v1 for Ollama');
      break;
  }
  return out;
}

/** Matches a canonical tool id against ids and `plugin.*` / `plugin.module.*` patterns. */
export function allowed(id: string, patterns: readonly string[] | undefined): boolean {
  if (!patterns) return true;
  return patterns.some((p) => p === id || p === '*' || (p.endsWith('.*') && id.startsWith(p.slice(0, -1))));
}

/**
 * Whether an agent given these environments and allow-list may use the tool: the allow-list names it, an environment
 * of a kind it serves is among them (unless it takes none), and each such environment's agentTools allows it.
 */
export function agentMayUse(tool: LoadedTool, names: readonly string[], environments: Readonly<Record<string, EnvironmentConfig>>, patterns: readonly string[] | undefined): boolean {
  if (!allowed(tool.id, patterns)) return false;
  const envs = names.filter((n) => environments[n] && tool.kinds.includes(environments[n].kind));
  if (tool.environments.length > 0 && envs.length === 0) return false;
  return envs.every((n) => allowed(tool.id, environments[n].agentTools));
}

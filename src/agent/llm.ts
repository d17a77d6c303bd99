import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AzureChatOpenAI, ChatOpenAI } from '@langchain/openai';
import { StewardError } from '../common/errors.js';
import type { LlmConfig } from '../config/config.types.js';
import { LLM_DEFAULTS, llmProblems } from './llm.checks.js';

const QUOTA = /insufficient[_ -]?quota|quota (?:has been )?exhausted|exceeded (?:your|the current).+quota|billing/i;

/**
 * Which failed model calls are retried (LangChain's caller backs off exponentially between attempts): 429 (waiting
 * out a Retry-After of up to 60 s; never an exhausted quota), 5xx, timeouts and network errors. Other 4xx are not:
 * the same request would fail the same way. Throwing stops the retries.
 */
export async function retryPolicy(error: unknown): Promise<void> {
  const e = error as { name?: string; message?: string; status?: number; code?: string; error?: { code?: string }; headers?: Record<string, string> | Headers; response?: { status?: number } };
  if (e?.name === 'AbortError' || e?.message?.startsWith('Cancel') || e?.message?.startsWith('AbortError')) throw error;
  const status = e?.status ?? e?.response?.status;
  if (status === 429) {
    if (e.code === 'insufficient_quota' || e.error?.code === 'insufficient_quota' || QUOTA.test(e.message ?? '')) throw error;
    const h = e.headers;
    const raw = h ? (typeof (h as Headers).get === 'function' ? (h as Headers).get('retry-after') : (h as Record<string, string>)['retry-after']) : null;
    const seconds = raw ? Number(raw) : NaN;
    const waitMs = Number.isFinite(seconds) ? seconds * 1000 : raw ? Date.parse(raw) - Date.now() : 0;
    if (waitMs > 60_000) throw error;
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
    return;
  }
  if (typeof status === 'number' && status < 500) throw error;
}

/**
 * The chat model for `llm:`, through @langchain/openai for every provider (they all speak the OpenAI chat API).
 * Retries: LangChain's caller with retryPolicy (429, 5xx, timeouts, network errors; maxRetries); the openai SDK's
 * own retries are off so a call is not retried twice over.
 */
export function createChatModel(llm: LlmConfig | undefined): BaseChatModel {
  if (!llm?.provider) {
    throw new StewardError('LLM_NOT_CONFIGURED', 'no language model is configured: set llm.provider (openai, azure-openai, databricks or openai-compatible) and its keys in steward.yaml');
  }
  const problems = llmProblems(llm);
  if (problems.length) throw new StewardError('LLM_NOT_CONFIGURED', problems.map((p) => `${p.path} ${p.message}`).join('; '));
  const common = {
    onFailedAttempt: retryPolicy,
    temperature: llm.temperature,
    timeout: llm.timeoutMs ?? LLM_DEFAULTS.timeoutMs,
    maxRetries: llm.maxRetries ?? LLM_DEFAULTS.maxRetries,
    // Not `streaming: true`: that path estimates token counts with tiktoken, which downloads its encodings from the
    // internet on first use. The agent streams instead by giving the call a token handler that prefers streaming
    // (llm.streaming, default on); the usage then comes in the stream's last chunk, which the token budget needs.
    streamUsage: true,
  };
  switch (llm.provider) {
    case 'azure-openai':
      return new AzureChatOpenAI({
        ...common,
        azureOpenAIApiKey: llm.apiKey,
        azureOpenAIApiInstanceName: llm.azure?.instanceName,
        azureOpenAIEndpoint: llm.azure?.endpoint,
        azureOpenAIApiDeploymentName: llm.azure?.deploymentName,
        azureOpenAIApiVersion: llm.azure?.apiVersion,
      });
    case 'databricks': {
      const base = llm.baseUrl!.replace(/\/+$/, '');
      return new ChatOpenAI({ ...common, model: llm.model, apiKey: llm.apiKey, configuration: { baseURL: base.endsWith('/serving-endpoints') ? base : `${base}/serving-endpoints`, maxRetries: 0 } });
    }
    case 'openai-compatible':
      // Local servers often need no key; the SDK insists on one.
      return new ChatOpenAI({ ...common, model: llm.model, apiKey: llm.apiKey || 'not-needed', configuration: { baseURL: llm.baseUrl, maxRetries: 0 } });
    case 'openai':
      return new ChatOpenAI({ ...common, model: llm.model, apiKey: llm.apiKey, configuration: { ...(llm.baseUrl ? { baseURL: llm.baseUrl } : {}), maxRetries: 0 } });
  }
}

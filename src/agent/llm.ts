import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AzureChatOpenAI, ChatOpenAI } from '@langchain/openai';
import { StewardError } from '../common/errors.js';
import type { LlmConfig } from '../config/config.types.js';
import { LLM_DEFAULTS, llmProblems } from './llm.checks.js';

/**
 * The chat model for `llm:`, through @langchain/openai for every provider (they all speak the OpenAI chat API).
 * Retries: LangChain's caller retries 429 and 5xx with exponential backoff (maxRetries), never other 4xx; the
 * openai SDK's own retries are off so a call is not retried twice over.
 */
export function createChatModel(llm: LlmConfig | undefined): BaseChatModel {
  if (!llm?.provider) {
    throw new StewardError('LLM_NOT_CONFIGURED', 'no language model is configured: set llm.provider (openai, azure-openai, databricks or openai-compatible) and its keys in steward.yaml');
  }
  const problems = llmProblems(llm);
  if (problems.length) throw new StewardError('LLM_NOT_CONFIGURED', problems.map((p) => `${p.path} ${p.message}`).join('; '));
  const common = {
    temperature: llm.temperature,
    timeout: llm.timeoutMs ?? LLM_DEFAULTS.timeoutMs,
    maxRetries: llm.maxRetries ?? LLM_DEFAULTS.maxRetries,
    streamUsage: false,
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

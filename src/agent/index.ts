/** The agent, loaded on demand (one dynamic import: LangChain is not loaded by daemons that never run an agent). */
import type { Store } from '../store/store.types.js';
import { AgentRuntime, type AgentRuntimeDeps } from './agent.runtime.js';
import { StoreCheckpointSaver } from './checkpointer.js';
import { createChatModel } from './llm.js';

export function createAgentRuntime(deps: Omit<AgentRuntimeDeps, 'checkpointer' | 'model'> & { store: Store }): AgentRuntime {
  let model: ReturnType<typeof createChatModel> | undefined;
  return new AgentRuntime({ ...deps, checkpointer: new StoreCheckpointSaver(deps.store), model: () => (model ??= createChatModel(deps.llm)) });
}

export { AgentRuntime, StoreCheckpointSaver };

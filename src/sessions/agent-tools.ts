/**
 * @module sessions/agent-tools
 * The agent's tools bound to one tenant: each catalogue entry of agent/
 * gets an implementation over the retrieval services. Retriever tools
 * report `retriever_execution` (and `pipeline_config` when ad hoc) so a
 * client sees which data the answer came from. The groups live in
 * agent-retrieval-tools, agent-read-tools and agent-write-tools.
 */
import type { AgentTool } from '../agent/tool-definition.js';
import type { TenantScope } from '../store/scope.js';
import { createNamespaceSnapshot, SNAPSHOT_LIMIT } from './namespace-snapshot.js';
import { TOOL_PAGE, type AgentToolKit, type AgentToolServices } from './agent-tool-kit.js';
import { createRetrievalTools } from './agent-retrieval-tools.js';
import { createReadTools } from './agent-read-tools.js';
import { createWriteTools } from './agent-write-tools.js';

export type { AgentToolServices } from './agent-tool-kit.js';

export function createAgentTools(tenant: TenantScope, services: AgentToolServices): AgentTool[] {
  const { retrievers, collections } = services;
  const snapshotPage = { limit: SNAPSHOT_LIMIT, offset: 0, includeTotal: false } as const;
  const snapshot =
    services.snapshot ??
    createNamespaceSnapshot({
      collections: async () => (await collections.list(tenant, snapshotPage)).items,
      retrievers: async () => (await retrievers.list(tenant, snapshotPage)).items,
    });
  const kit: AgentToolKit = {
    tenant,
    services,
    listedCollections: async () => (await snapshot.collections()).slice(0, TOOL_PAGE.limit),
    changing: async <T>(work: Promise<T>): Promise<T> => {
      try {
        return await work;
      } finally {
        snapshot.invalidate();
      }
    },
  };
  // The catalogue's order: the model sees the tools in it.
  return [...createRetrievalTools(kit), ...createReadTools(kit), ...createWriteTools(kit)];
}

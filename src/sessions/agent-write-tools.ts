/**
 * @module sessions/agent-write-tools
 * The agent's tools that change data (create, update and delete collections,
 * retrievers and documents); the catalogue marks them as needing confirmation.
 * A change to collections or retrievers drops the run's namespace snapshot.
 */
import type { AgentTool } from '../agent/tool-definition.js';
import { TOOL_CATALOG } from '../agent/tool-catalog.js';
import { defineAgentTool } from '../agent/tool-definition.js';
import type { AgentToolKit } from './agent-tool-kit.js';

export function createWriteTools({ tenant, services, changing }: AgentToolKit): AgentTool[] {
  const { retrievers, collections, documents } = services;
  return [
    defineAgentTool(TOOL_CATALOG.create_collection, async (input) => {
      const collection = await changing(
        collections.create(tenant, {
          collection_name: input.collection_name,
          description: input.description,
          source: input.source ?? { type: 'bucket' },
          feature_extractor: {
            feature_extractor_name: 'text_extractor',
            version: 'v1',
            field_passthrough: [],
            include_all_source_fields: false,
            ...(input.feature_extractor as object),
          },
          enabled: true,
          metadata: input.metadata,
        }),
      );
      return {
        output: { collection_id: collection.collection_id, collection_name: collection.collection_name, created: true },
      };
    }),
    defineAgentTool(TOOL_CATALOG.create_retriever, async (input) => {
      const retriever = await changing(retrievers.create(tenant, input));
      return {
        output: { retriever_id: retriever.retriever_id, retriever_name: retriever.retriever_name, created: true },
      };
    }),
    defineAgentTool(TOOL_CATALOG.update_retriever, async (input) => {
      const retriever = await changing(retrievers.patch(tenant, input.retriever_id, input));
      return {
        output: { retriever_id: retriever.retriever_id, retriever_name: retriever.retriever_name, updated: true },
      };
    }),
    defineAgentTool(TOOL_CATALOG.delete_retriever, async (input) => {
      const retriever = await changing(retrievers.delete(tenant, input.retriever_id));
      return { output: { retriever_id: retriever.retriever_id, deleted: true } };
    }),
    defineAgentTool(TOOL_CATALOG.delete_collection, async (input) => ({
      output: { ...(await changing(collections.delete(tenant, input.collection_id))), deleted: true },
    })),
    defineAgentTool(TOOL_CATALOG.delete_document, async (input) => {
      const deleted = await documents.delete(tenant, input.collection_id, [input.document_id]);
      if (deleted === 0) throw new Error(`Document '${input.document_id}' was not found in '${input.collection_id}'.`);
      return { output: { document_id: input.document_id, deleted: true } };
    }),
  ];
}

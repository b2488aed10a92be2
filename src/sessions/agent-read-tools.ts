/**
 * @module sessions/agent-read-tools
 * The agent's read-only tools: list and get retrievers, collections,
 * documents and namespaces, intent detection, and the feedback search
 * (the memory of answers users rated).
 */
import type { AgentTool } from '../agent/tool-definition.js';
import { TOOL_CATALOG } from '../agent/tool-catalog.js';
import { defineAgentTool } from '../agent/tool-definition.js';
import { detectIntent } from '../agent/detect-intent.js';
import { summarizeDocuments } from './document-summary.js';
import { TOOL_PAGE, type AgentToolKit } from './agent-tool-kit.js';

export function createReadTools({ tenant, services, listedCollections }: AgentToolKit): AgentTool[] {
  const { retrievers, collections, documents } = services;
  return [
    defineAgentTool(TOOL_CATALOG.search_retrievers, async (input) => ({
      output: {
        results: (await retrievers.list(tenant, { ...TOOL_PAGE, search: input.query })).items.map(describeRetriever),
      },
    })),
    defineAgentTool(TOOL_CATALOG.list_retrievers, async (input) => ({
      output: {
        results: (
          await retrievers.list(tenant, { ...TOOL_PAGE, search: input.search, limit: input.limit ?? 100 })
        ).items.map(describeRetriever),
      },
    })),
    defineAgentTool(TOOL_CATALOG.get_retriever, async (input) => ({
      output: { ...describeRetriever(await retrievers.get(tenant, input.retriever_id)) },
    })),
    defineAgentTool(TOOL_CATALOG.list_collections, async (input) => {
      const listed = await collections.list(tenant, { ...TOOL_PAGE, search: input.search, limit: input.limit ?? 100 });
      return {
        output: {
          results: listed.items.map((collection) => ({
            collection_id: collection.collection_id,
            collection_name: collection.collection_name,
            description: collection.description,
          })),
          total: listed.total,
        },
      };
    }),
    defineAgentTool(TOOL_CATALOG.get_collection, async (input) => {
      const collection = await collections.get(tenant, input.collection_id);
      return {
        output: {
          collection_id: collection.collection_id,
          collection_name: collection.collection_name,
          description: collection.description,
          embedding_model: collection.embedding_model,
          text_field: collection.text_field,
        },
      };
    }),
    defineAgentTool(TOOL_CATALOG.list_documents, async (input) => {
      const { page: listed } = await documents.list(tenant, input.collection_id, {
        filters: input.filters,
        limit: input.limit ?? 20,
        offset: 0,
        includeTotal: true,
      });
      return {
        output: {
          results: summarizeDocuments(
            listed.items.map((document) => ({
              ...document.data,
              document_id: document.document_id,
              collection_id: document.collection_id,
              score: 0,
            })),
          ),
          total: listed.total,
        },
      };
    }),
    defineAgentTool(TOOL_CATALOG.get_document, async (input) => {
      const { document } = await documents.get(tenant, input.collection_id, input.document_id);
      return { output: { ...document.data, document_id: document.document_id, collection_id: document.collection_id } };
    }),
    defineAgentTool(TOOL_CATALOG.list_namespaces, async () => ({
      output: {
        results: (
          await services.namespaces.list({ orgId: tenant.orgId }, { ...TOOL_PAGE, ids: services.namespaceIds })
        ).items.map((namespace) => ({
          namespace_id: namespace.namespace_id,
          namespace_name: namespace.namespace_name,
          description: namespace.description,
        })),
      },
    })),
    defineAgentTool(TOOL_CATALOG.detect_intent, async (input) => ({
      output: detectIntent(input.user_request, await listedCollections(), [], {
        includeCollectionAnalysis: input.include_collection_analysis,
      }),
    })),
    defineAgentTool(TOOL_CATALOG.search_feedback, async (input) => ({
      output: {
        results: (
          await services.feedback.search(
            tenant,
            { userId: services.userId, sessionId: services.sessionId },
            input.query,
            input.limit ?? 5,
          )
        ).map(({ user_message, assistant_message, score, message_id }) => ({
          message_id,
          user_message,
          assistant_message,
          score,
        })),
      },
    })),
  ];
}

function describeRetriever(retriever: {
  retriever_id: string;
  retriever_name: string;
  description: string | null;
  config: Record<string, unknown>;
}) {
  return {
    retriever_id: retriever.retriever_id,
    retriever_name: retriever.retriever_name,
    description: retriever.description,
    input_schema: retriever.config.input_schema,
    collection_ids: retriever.config.collection_ids,
  };
}

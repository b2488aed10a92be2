/**
 * @module sessions/agent-tools
 * The agent's tools bound to one tenant: each catalogue entry of agent/
 * gets an implementation over the retrieval services. Retriever tools
 * report `retriever_execution` (and `pipeline_config` when ad hoc) so a
 * client sees which data the answer came from.
 */
import type { AgentTool, ToolContext } from '../agent/tool-definition.js';
import { TOOL_CATALOG } from '../agent/tool-catalog.js';
import { defineAgentTool } from '../agent/tool-definition.js';
import { detectIntent } from '../agent/detect-intent.js';
import type { RetrieverExecutionEvent } from '../agent/events.js';
import type { TenantScope } from '../store/scope.js';
import type { ExecutionOutcome, RetrieverService } from '../retrieval/retriever-service.js';
import type { CollectionService } from '../retrieval/collection-service.js';
import type { DocumentService } from '../retrieval/document-service.js';
import type { NamespaceService } from './namespace-service.js';
import type { FeedbackService } from './feedback-service.js';
import { buildSmartSearch, SMART_SEARCH_TEXT_KEY, SMART_SEARCH_VECTOR_KEY } from './smart-search-pipeline.js';
import { applyRelevanceFloor, textSearchKeyOf, type RelevanceSplit } from '../retrieval/relevance-floor.js';
import { isLexicalEmbedding } from '../retrieval/stages/fusion-weights.js';
import { summarizeDocuments } from './document-summary.js';
import { createNamespaceSnapshot, SNAPSHOT_LIMIT, type NamespaceSnapshot } from './namespace-snapshot.js';

export interface AgentToolServices {
  retrievers: RetrieverService;
  collections: CollectionService;
  documents: DocumentService;
  namespaces: NamespaceService;
  feedback: FeedbackService;
  /** Executions the run made, in order, for the `done` event's retriever_summary. */
  executions: RetrieverExecutionEvent[];
  userId: string | null;
  /** The run's session: whose memory a session without a user_id reads (null outside a session: no memory). */
  sessionId: string | null;
  /** The namespaces the key behind this run was granted; null for an organization-wide key. */
  namespaceIds: readonly string[] | null;
  /** The run's view of the namespace's collections and retrievers; read on first use when absent. */
  snapshot?: NamespaceSnapshot;
  /** Told the tokens LLM stages spent in a retrieval, for the session's stats. */
  onAuxiliaryTokens?: (tokens: number) => void;
}

const page = { limit: 100, offset: 0, includeTotal: true } as const;

export function createAgentTools(tenant: TenantScope, services: AgentToolServices): AgentTool[] {
  const { retrievers, collections, documents } = services;
  const snapshotPage = { limit: SNAPSHOT_LIMIT, offset: 0, includeTotal: false } as const;
  const snapshot =
    services.snapshot ??
    createNamespaceSnapshot({
      collections: async () => (await collections.list(tenant, snapshotPage)).items,
      retrievers: async () => (await retrievers.list(tenant, snapshotPage)).items,
    });
  /** The first `page.limit` collections, newest first: what a fresh list call would answer. */
  const listedCollections = async () => (await snapshot.collections()).slice(0, page.limit);
  /** Runs a tool that changes collections or retrievers, then lets the run's next read see the change. */
  const changing = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } finally {
      snapshot.invalidate();
    }
  };

  const report = (
    context: ToolContext,
    toolName: string,
    outcome: ExecutionOutcome,
    retrieverId: string | null,
    label: string,
    shown = outcome.page,
  ) => {
    const results = summarizeDocuments(shown);
    const event: RetrieverExecutionEvent = {
      tool_name: toolName,
      execution_id: outcome.execution.execution_id,
      retriever_id: retrieverId,
      is_adhoc: retrieverId === null,
      documents_returned: shown.length,
      latency_ms: Math.round(outcome.execution.duration_ms * 100) / 100,
      message: `${label} returned ${shown.length} document${shown.length === 1 ? '' : 's'}`,
      documents: results.map(({ document_id, collection_id, title, snippet, score }) => ({
        document_id,
        collection_id,
        title,
        snippet,
        score,
      })),
    };
    services.executions.push(event);
    const tokens = Object.values(outcome.result?.stage_statistics.stages ?? {}).reduce(
      (sum, stage) => sum + (stage.tokens_used ?? 0),
      0,
    );
    if (tokens > 0) services.onAuxiliaryTokens?.(tokens);
    context.emit({ type: 'retriever_execution', data: event });
    return { results, total: shown.length, execution_id: outcome.execution.execution_id };
  };

  return [
    defineAgentTool(TOOL_CATALOG.smart_search, async (input, context) => {
      const listed = await listedCollections();
      const chosen = input.collection_identifiers?.length
        ? input.collection_identifiers
        : pickCollections(input.query, listed);
      if (chosen.length === 0)
        return { output: { results: [], total: 0, note: 'This namespace has no collections yet.' } };
      // Rank more than the page so that matches below a few non-matches still make the page.
      const candidates = Math.min(100, input.limit * 3);
      const pipeline = buildSmartSearch(chosen, input.limit, input.filters);
      const executed = buildSmartSearch(chosen, candidates, input.filters);
      const outcome = await retrievers.executeAdhoc(
        tenant,
        { ...executed, inputs: { query: input.query }, pagination: { method: 'offset', page_size: candidates } },
        { signal: context.signal },
      );
      // Semantic vector hits find paraphrases no shared word shows: trusted. The built-in hashed embedding's are not.
      const searched = listed.filter(
        (collection) => chosen.includes(collection.collection_id) || chosen.includes(collection.collection_name),
      );
      const semantic = searched.some((collection) => !isLexicalEmbedding(collection.embedding_model));
      const split = applyRelevanceFloor(outcome.page, {
        textKey: SMART_SEARCH_TEXT_KEY,
        trusted: semantic ? (scores) => SMART_SEARCH_VECTOR_KEY in scores : undefined,
      });
      const matches = split.matches.slice(0, input.limit);
      const output = noteNothingFits(
        report(context, 'smart_search', outcome, null, `Hybrid search over ${chosen.join(', ')}`, matches),
        matches,
        split,
      );
      context.emit({
        type: 'pipeline_config',
        data: {
          tool_name: 'smart_search',
          config: {
            retriever_name: `search_${Date.now().toString(36)}`,
            description: `Hybrid search for: ${input.query}`.slice(0, 200),
            ...pipeline,
          },
          message: 'Save this pipeline as a retriever with POST /v1/retrievers.',
        },
      });
      return { output };
    }),
    defineAgentTool(TOOL_CATALOG.execute_retriever, async (input, context) => {
      const outcome = await retrievers.executeSaved(
        tenant,
        input.retriever_id,
        { inputs: input.inputs, pagination: input.limit ? { method: 'offset', page_size: input.limit } : null },
        { signal: context.signal },
      );
      const label = `Retriever '${outcome.retriever.retriever_name}'`;
      // The same floor as smart_search where the retriever's text search reports coverage, so a saved retriever the
      // intent suggests does not present unrelated documents as answers either. A semantic embedding's hits are trusted.
      const textKey = textSearchKeyOf(outcome.retriever.config.stages);
      const searchedIds = (outcome.retriever.config.collection_ids as string[] | undefined) ?? [];
      const semantic = async () =>
        (await listedCollections()).some(
          (collection) =>
            searchedIds.includes(collection.collection_id) && !isLexicalEmbedding(collection.embedding_model),
        );
      if (textKey === null || (await semantic()))
        return { output: report(context, 'execute_retriever', outcome, outcome.retriever.retriever_id, label) };
      const split = applyRelevanceFloor(outcome.page, { textKey });
      return {
        output: noteNothingFits(
          report(context, 'execute_retriever', outcome, outcome.retriever.retriever_id, label, split.matches),
          split.matches,
          split,
        ),
      };
    }),
    defineAgentTool(TOOL_CATALOG.execute_adhoc_retriever, async (input, context) => {
      const outcome = await retrievers.executeAdhoc(
        tenant,
        {
          collection_identifiers: input.collection_identifiers,
          stages: input.stages,
          inputs: input.inputs,
          input_schema: input.input_schema,
        },
        { signal: context.signal },
      );
      const output = report(context, 'execute_adhoc_retriever', outcome, null, 'Ad-hoc retriever');
      context.emit({
        type: 'pipeline_config',
        data: {
          tool_name: 'execute_adhoc_retriever',
          config: {
            retriever_name: `adhoc_${Date.now().toString(36)}`,
            collection_identifiers: input.collection_identifiers,
            stages: input.stages,
            input_schema: input.input_schema ?? {},
          },
          message: 'Save this pipeline as a retriever with POST /v1/retrievers.',
        },
      });
      return { output };
    }),
    defineAgentTool(TOOL_CATALOG.search_retrievers, async (input) => ({
      output: {
        results: (await retrievers.list(tenant, { ...page, search: input.query })).items.map(describeRetriever),
      },
    })),
    defineAgentTool(TOOL_CATALOG.list_retrievers, async (input) => ({
      output: {
        results: (
          await retrievers.list(tenant, { ...page, search: input.search, limit: input.limit ?? 100 })
        ).items.map(describeRetriever),
      },
    })),
    defineAgentTool(TOOL_CATALOG.get_retriever, async (input) => ({
      output: { ...describeRetriever(await retrievers.get(tenant, input.retriever_id)) },
    })),
    defineAgentTool(TOOL_CATALOG.list_collections, async (input) => {
      const listed = await collections.list(tenant, { ...page, search: input.search, limit: input.limit ?? 100 });
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
          await services.namespaces.list({ orgId: tenant.orgId }, { ...page, ids: services.namespaceIds })
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

/** The collections whose names or descriptions share words with the query; all of them when none do. */
function pickCollections(
  query: string,
  all: { collection_id: string; collection_name: string; description: string | null }[],
): string[] {
  const scored = detectIntent(query, all, [], { includeCollectionAnalysis: true }).suitable_collections ?? [];
  const matching = scored
    .filter((collection) => collection.match_score > 0)
    .map((collection) => collection.collection_id);
  return (matching.length > 0 ? matching : all.map((collection) => collection.collection_id)).slice(0, 10);
}

/** When nothing passed the relevance floor: say so, and offer the closest candidates labelled as non-matches. */
function noteNothingFits(
  output: Record<string, unknown>,
  matches: readonly object[],
  split: RelevanceSplit<Record<string, unknown>>,
): Record<string, unknown> {
  if (matches.length === 0 && split.closest.length > 0) {
    output.note = 'nothing in the data matches that';
    output.closest = summarizeDocuments(split.closest.slice(0, 3)).map((document) => ({ ...document, match: false }));
  }
  return output;
}

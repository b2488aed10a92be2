/**
 * @module sessions/agent-retrieval-tools
 * The agent's tools that run retrievals: smart_search (a hybrid pipeline over
 * the collections the query suggests), saved and ad-hoc retrievers. Each
 * reports `retriever_execution`, and a relevance floor keeps unrelated
 * documents from being presented as answers.
 */
import type { AgentTool, ToolContext } from '../agent/tool-definition.js';
import { TOOL_CATALOG } from '../agent/tool-catalog.js';
import { defineAgentTool } from '../agent/tool-definition.js';
import { detectIntent } from '../agent/detect-intent.js';
import type { RetrieverExecutionEvent } from '../agent/events.js';
import type { ExecutionOutcome } from '../retrieval/retriever-service.js';
import { buildSmartSearch, SMART_SEARCH_TEXT_KEY, SMART_SEARCH_VECTOR_KEY } from './smart-search-pipeline.js';
import { applyRelevanceFloor, textSearchKeyOf, type RelevanceSplit } from '../retrieval/relevance-floor.js';
import { isLexicalEmbedding } from '../retrieval/stages/fusion-weights.js';
import { summarizeDocuments } from './document-summary.js';
import type { AgentToolKit } from './agent-tool-kit.js';

export function createRetrievalTools({ tenant, services, listedCollections }: AgentToolKit): AgentTool[] {
  const { retrievers } = services;

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
  ];
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

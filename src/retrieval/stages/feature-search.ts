/**
 * @module retrieval/stages/feature-search
 * (About 315 lines: one stage whose fusion, pre/post filters, facets and grouping act on the same candidate list in one order.)
 * The search stage: one or more feature searches (full text or vector),
 * fused when there are several, with `pre_filters` pushed into the index,
 * `post_filters` applied before the final cut, facets and grouping.
 * With no searches it is a filter-only scan.
 */
import { z } from 'zod';
import { invalidField } from '../../errors.js';
import type { FilterNode } from '../../store/filter-node.js';
import { matchesFilter } from '../filters/match-filter.js';
import { parseFilter } from '../filters/parse-filter.js';
import type { CollectionInfo, PipelineDocument, ScoredHit } from '../types.js';
import { computeFacets } from './compute-facets.js';
import { defaultSearchWeight } from './fusion-weights.js';
import { fuseRankings } from './fuse-rankings.js';
import { groupDocuments } from './group-documents.js';
import { parseFeatureUri, readFeatureQuery, searchFeature } from './search-feature.js';
import { defineStage, renameAliases, type StageContext } from './stage-definition.js';

const searchSchema = z.object({
  feature_uri: z.string().min(1),
  query: z.union([
    z.string(),
    z.looseObject({ input_mode: z.enum(['text', 'content', 'vector', 'document']).default('text') }),
  ]),
  top_k: z.int().min(1).max(1000).default(100),
  min_score: z.number().nullish(),
  /** Unset: the list's known quality decides (`fusion-weights.ts`). */
  weight: z
    .number()
    .min(0)
    .max(1)
    .nullish()
    .describe(
      'Weight in fusion. Default by what the list is worth: 1 for full text, 0.1 for vectors of the built-in quarry-hash-embed, 1 for any other embedding model',
    ),
  on_empty: z.enum(['error', 'skip', 'random']).default('error'),
  query_preprocessing: z.record(z.string(), z.unknown()).nullish(),
  collection_identifiers: z.array(z.string()).nullish(),
});

const parameters = z.object({
  searches: z.array(searchSchema).max(10).default([]),
  final_top_k: z.int().min(1).max(500).default(25),
  fusion: z.enum(['rrf', 'dbsf', 'weighted', 'max', 'learned']).default('rrf'),
  learning_config: z.record(z.string(), z.unknown()).nullish(),
  query_preprocessing: z.record(z.string(), z.unknown()).nullish(),
  collection_identifiers: z.array(z.string()).nullish(),
  filters: z.unknown().optional(),
  facets: z
    .array(
      z.object({
        key: z.string().min(1),
        limit: z.int().min(1).max(1000).default(10),
        exact: z.boolean().default(false),
      }),
    )
    .nullish(),
  group_by: z
    .object({
      field: z.string().min(1),
      max_per_group: z.int().min(1).max(100).default(1),
      limit: z.int().min(1).max(500).default(25),
      output_mode: z.enum(['first', 'all', 'flatten']).default('all'),
    })
    .nullish(),
  cache_behavior: z.enum(['auto', 'disabled', 'aggressive']).default('auto'),
  cache_ttl_seconds: z.int().nullish(),
});

type Parameters = z.output<typeof parameters>;

export const featureSearchStage = defineStage({
  stage_id: 'feature_search',
  description:
    'Search collections by text (BM25) and vector features, fuse several searches, push filters into the index.',
  category: 'filter',
  icon: 'search',
  parameters,
  normalize(raw) {
    const renamed = renameAliases(raw, {
      limit: 'final_top_k',
      fusion_method: 'fusion',
      collection_ids: 'collection_identifiers',
    });
    if (renamed.searches !== undefined || renamed.query === undefined) return renamed;
    // Legacy ids (semantic_search, hybrid_search, feature_filter) carry one flat search.
    const { query, feature_uri, feature_address, vector_index, top_k, min_score, ...rest } = renamed;
    const output = typeof vector_index === 'string' ? vector_index : 'multilingual_e5_large_instruct_v1';
    return {
      ...rest,
      searches: [
        {
          feature_uri: feature_uri ?? feature_address ?? `mixpeek://text_extractor@v1/${output}`,
          query,
          ...(top_k !== undefined && { top_k }),
          ...(min_score !== undefined && { min_score }),
        },
      ],
    };
  },
  readsIndex: () => true,
  async run(_documents, params, context) {
    const { services, signal, location } = context;
    const collections = resolveCollections(params.collection_identifiers, services.collections, [
      ...location,
      'collection_identifiers',
    ]);
    const filter = combineFilters(context.indexFilter, parseFilter(params.filters ?? null, [...location, 'filters']));
    const wantsAll = Boolean(context.postFilter || params.facets?.length || params.group_by);
    const searchMetadata: Record<string, unknown>[] = [];
    const lists: { hits: ScoredHit[]; weight: number; key: string }[] = [];
    const keys = scoreKeys(
      params.searches.map((search, index) => ({
        uri: search.feature_uri,
        location: [...location, 'searches', index, 'feature_uri'],
      })),
    );
    // The searches run side by side (over PostgreSQL each is a round trip or more); their results are
    // taken in order, and the first failing search (by position) is the error, as when they ran in turn.
    const outcomes = await Promise.allSettled(
      params.searches.map(
        async (
          search,
          index,
        ): Promise<{ hits: ScoredHit[]; mode: string; searchCollections: CollectionInfo[] } | null> => {
          const searchLocation = [...location, 'searches', index];
          const query = readFeatureQuery(search.query, [...searchLocation, 'query']);
          const searchCollections = search.collection_identifiers
            ? resolveCollections(search.collection_identifiers, services.collections, [
                ...searchLocation,
                'collection_identifiers',
              ])
            : collections;
          if (query.mode === 'text' && !query.text?.trim()) {
            if (search.on_empty === 'error') {
              throw invalidField(
                [...searchLocation, 'query'],
                `Search ${index} (${search.feature_uri}) has an empty query; provide one or set on_empty to 'skip' or 'random'`,
              );
            }
            if (search.on_empty === 'skip') return null;
            return {
              hits: await services.index.scan(
                services.scope,
                { collectionIds: ids(searchCollections), filter, topK: search.top_k },
                signal,
              ),
              mode: query.mode,
              searchCollections,
            };
          }
          return {
            hits: await searchFeature(
              {
                featureUri: search.feature_uri,
                query,
                topK: search.top_k,
                collections: searchCollections,
                filter,
                location: searchLocation,
              },
              services,
              signal,
            ),
            mode: query.mode,
            searchCollections,
          };
        },
      ),
    );
    for (const [index, search] of params.searches.entries()) {
      const outcome = outcomes[index];
      if (outcome.status === 'rejected') throw outcome.reason;
      if (outcome.value === null) {
        searchMetadata.push({ feature_uri: search.feature_uri, skipped: true });
        continue;
      }
      let { hits } = outcome.value;
      const { mode, searchCollections } = outcome.value;
      if (search.min_score !== undefined && search.min_score !== null)
        hits = hits.filter((hit) => hit.score >= search.min_score!);
      const weight =
        search.weight ??
        defaultSearchWeight(
          parseFeatureUri(search.feature_uri, [...location, 'searches', index, 'feature_uri']).kind,
          searchCollections,
        );
      searchMetadata.push({ feature_uri: search.feature_uri, mode, hits: hits.length, weight });
      lists.push({ hits, weight, key: keys[index] });
    }
    const filterOnly = lists.length === 0;
    const candidates = filterOnly
      ? await services.index.scan(
          services.scope,
          { collectionIds: ids(collections), filter, topK: wantsAll ? 10_000 : params.final_top_k },
          signal,
        )
      : lists.length === 1
        ? lists[0].hits
        : fuseRankings(lists, params.fusion);
    const chosen = wantsAll ? candidates : candidates.slice(0, params.final_top_k);
    let documents = await loadDocuments(chosen, lists, context);
    if (context.postFilter) documents = documents.filter((document) => matchesFilter(context.postFilter!, document));
    const facets = params.facets?.length ? computeFacets(documents, params.facets) : undefined;
    documents = params.group_by
      ? groupDocuments(documents, {
          field: params.group_by.field,
          maxPerGroup: params.group_by.max_per_group,
          limit: params.group_by.limit,
          outputMode: params.group_by.output_mode,
        })
      : documents.slice(0, params.final_top_k);
    return {
      documents,
      metadata: {
        mode: filterOnly ? 'filter_only' : lists.length > 1 ? 'fused' : 'single',
        fusion: lists.length > 1 ? params.fusion : null,
        searches: searchMetadata,
        candidates: candidates.length,
        filters_pushed_down: filter !== null,
        ...(facets && { facets }),
      },
    };
  },
  plan(params: Parameters) {
    const notes = params.searches.map((search, index) => {
      const uri = parseFeatureUri(search.feature_uri, ['searches', index, 'feature_uri']);
      const weight =
        search.weight ?? (uri.kind === 'text' ? 1 : 'by the model: 0.1 for the built-in hashed embedding, else 1');
      return `search ${index}: ${uri.kind === 'text' ? 'full-text (BM25)' : 'vector'} on '${uri.output}', top_k ${search.top_k}, weight ${weight}`;
    });
    if (params.searches.length === 0) notes.push('no searches: filter-only scan of the collections');
    if (params.searches.length > 1) notes.push(`fusion: ${params.fusion}${params.fusion === 'rrf' ? ' (k = 60)' : ''}`);
    return { estimatedOutput: params.group_by ? params.group_by.limit : params.final_top_k, notes };
  },
});

async function loadDocuments(
  hits: ScoredHit[],
  lists: { hits: ScoredHit[]; key: string }[],
  context: StageContext,
): Promise<PipelineDocument[]> {
  const loaded = await context.services.index.loadDocuments(
    context.services.scope,
    hits.map((hit) => hit.document_id),
  );
  const byId = new Map(loaded.map((document) => [String(document.document_id), document]));
  const rawScores = lists.map(({ hits: listHits, key }) => ({
    key,
    scores: new Map(listHits.map((hit) => [hit.document_id, hit.score])),
  }));
  // Query-term coverage rides along as `<key>_coverage` where the text index reports it (the relevance floor reads it).
  for (const { hits: listHits, key } of lists) {
    const coverage = new Map(
      listHits.filter((hit) => hit.coverage !== undefined).map((hit) => [hit.document_id, hit.coverage!]),
    );
    if (coverage.size > 0) rawScores.push({ key: `${key}_coverage`, scores: coverage });
  }
  const documents: PipelineDocument[] = [];
  for (const hit of hits) {
    const document = byId.get(hit.document_id);
    if (!document) continue;
    const scores: Record<string, number> = {};
    for (const { key, scores: map } of rawScores) if (map.has(hit.document_id)) scores[key] = map.get(hit.document_id)!;
    documents.push({
      ...document,
      document_id: hit.document_id,
      collection_id: hit.collection_id,
      score: hit.score,
      scores,
    });
  }
  return documents;
}

/** `scores` keys are the feature outputs (`bm25`, `multilingual_e5_large_instruct_v1`), numbered when repeated. */
function scoreKeys(searches: { uri: string; location: (string | number)[] }[]): string[] {
  const outputs = searches.map(({ uri, location }) => parseFeatureUri(uri, location).output);
  return outputs.map((output, index) =>
    outputs.indexOf(output) !== outputs.lastIndexOf(output) ? `${output}_${index}` : output,
  );
}

export function resolveCollections(
  identifiers: string[] | null | undefined,
  available: CollectionInfo[],
  location: (string | number)[],
): CollectionInfo[] {
  if (!identifiers || identifiers.length === 0) return available;
  return identifiers.map((identifier, index) => {
    const found = available.find(
      (collection) => collection.collection_id === identifier || collection.collection_name === identifier,
    );
    if (!found) {
      const names = available.map((collection) => collection.collection_name).join(', ') || 'none';
      throw invalidField(
        [...location, index],
        `Collection '${identifier}' is not one of the retriever's collections (${names})`,
      );
    }
    return found;
  });
}

function combineFilters(left: FilterNode | null, right: FilterNode | null): FilterNode | null {
  if (!left) return right;
  if (!right) return left;
  return { kind: 'and', children: [left, right] };
}

function ids(collections: CollectionInfo[]): string[] {
  return collections.map((collection) => collection.collection_id);
}

/**
 * @module retrieval/stages/query-expand
 * Runs a feature search for the query and for several rewrites of it, and
 * fuses the result lists (RRF by default). `feature_search_config` is a full
 * feature_search parameter object; {{QUERY}} and {{INPUT.query}} inside it
 * become each variation in turn. Without a model the rewrites are
 * deterministic: the stemmed query and word subsets of it.
 * `expansion_model: "rm3"` needs no model: pseudo-relevance feedback
 * (relevance-feedback.ts) searches once, expands the query with the words
 * of the best documents, searches again, and fuses both rankings (only the
 * expanded one with `include_original: false`); no feedback when no
 * document covers the query.
 */
import { z } from 'zod';
import { renderTemplate, resolveTemplates, stringify } from '../templates.js';
import type { PipelineDocument, ScoredHit } from '../types.js';
import { featureSearchStage } from './feature-search.js';
import { fuseRankings } from './fuse-rankings.js';
import { LOCAL_FALLBACK_METADATA, modelMetadata, renameModelAlias } from './language-model-options.js';
import { defineStage, renameAliases, type StageContext } from './stage-definition.js';
import { stem, words } from './text-analysis.js';
import { validateStageParameters } from './validate-parameters.js';
import { expandQuery, FEEDBACK_DOCUMENTS } from './relevance-feedback.js';
import { extractText } from '../document-service.js';
import { MIN_QUERY_COVERAGE } from '../relevance-floor.js';

const parameters = z.object({
  query: z.string().default('{{INPUT.query}}'),
  num_expansions: z.int().min(1).max(10).default(3),
  expansion_prompt: z.string().nullish(),
  expansion_model: z.string().default('gpt-4o-mini'),
  feature_search_config: z.record(z.string(), z.unknown()),
  include_original: z.boolean().default(true),
  rrf_k: z.int().min(1).max(1000).default(60),
  fusion_strategy: z.enum(['rrf', 'linear', 'max']).default('rrf'),
  deduplicate: z.boolean().default(true),
  top_k: z.int().min(1).max(500).nullish(),
});

const DEFAULT_PROMPT =
  'Write {{NUM_EXPANSIONS}} alternative search queries for: {{QUERY}}\nReturn one query per line, nothing else.';

export const queryExpandStage = defineStage({
  stage_id: 'query_expand',
  description:
    'Search with the query and several rewrites of it, then fuse the results (RRF); local rewrites without a model.',
  category: 'filter',
  icon: 'git-branch-plus',
  parameters,
  deferredParameters: ['feature_search_config', 'expansion_prompt'],
  normalize(raw) {
    const renamed = renameAliases(renameModelAlias(raw), {
      model_name: 'expansion_model',
      num_variations: 'num_expansions',
      fusion_method: 'fusion_strategy',
    });
    if (renamed.feature_search_config === undefined && typeof renamed.vector_index === 'string') {
      renamed.feature_search_config = {
        searches: [{ feature_uri: `mixpeek://text_extractor@v1/${renamed.vector_index}`, query: '{{QUERY}}' }],
      };
    }
    delete renamed.vector_index;
    return renamed;
  },
  readsIndex: () => true,
  async run(_documents, params, context) {
    if (params.expansion_model.toLowerCase() === RM3) return runFeedback(params, context);
    const { languageModel } = context.services;
    const expansion = languageModel
      ? await expandWithModel(params, context)
      : { queries: localVariations(params.query, params.num_expansions), tokensUsed: 0 };
    const queries = [...(params.include_original ? [params.query] : []), ...expansion.queries];
    const unique = params.deduplicate ? [...new Set(queries.map((query) => query.trim()).filter(Boolean))] : queries;
    const byId = new Map<string, PipelineDocument>();
    const lists: { hits: ScoredHit[]; weight: number }[] = [];
    let finalTopK = params.top_k ?? 25;
    for (const query of unique) {
      const result = await searchVariation(query, params.feature_search_config, context);
      finalTopK = params.top_k ?? result.finalTopK;
      for (const document of result.documents)
        if (!byId.has(document.document_id)) byId.set(document.document_id, document);
      lists.push({
        hits: result.documents.map(({ document_id, collection_id, score }) => ({ document_id, collection_id, score })),
        weight: 1,
      });
    }
    const fused = fuseRankings(
      lists,
      params.fusion_strategy === 'linear' ? 'weighted' : params.fusion_strategy,
      params.rrf_k,
    );
    const documents = fused.slice(0, finalTopK).map((hit) => ({ ...byId.get(hit.document_id)!, score: hit.score }));
    const metadata = languageModel
      ? modelMetadata(languageModel, { model_name: params.expansion_model })
      : LOCAL_FALLBACK_METADATA;
    return {
      documents,
      metadata: { ...metadata, queries: unique, fusion: params.fusion_strategy },
      llmCalls: languageModel ? 1 : 0,
      tokensUsed: expansion.tokensUsed,
    };
  },
  plan: (params) => ({
    estimatedOutput: params.top_k ?? null,
    notes: [
      params.expansion_model.toLowerCase() === RM3
        ? `RM3 pseudo-relevance feedback from the best ${FEEDBACK_DOCUMENTS} documents, then one search for the expanded query`
        : `${params.num_expansions} expansion(s)${params.include_original ? ' plus the original query' : ''}, fused with ${params.fusion_strategy}`,
    ],
  }),
});

const RM3 = 'rm3';

/**
 * Two searches: the query, then the query expanded with what its best documents are about; with
 * `include_original` (the default) the two rankings are fused, else the expanded one ranks alone. RM3 assumes
 * the first search's best documents are relevant; when the text index says none of them covers the
 * query (the relevance floor's "nothing fits", relevance-floor.ts), that assumption is false and
 * feedback would only learn the unrelated documents' words, so the first search's ranking is returned.
 * Otherwise the expanded search ranks, and each document keeps the query-term coverage of the ORIGINAL
 * query, as the first search measured it (0 for one outside its `FEEDBACK_POOL` best): coverage of the
 * expanded query would judge the user's words by words they never wrote.
 */
async function runFeedback(params: z.output<typeof parameters>, context: StageContext) {
  const first = await searchVariation(params.query, params.feature_search_config, context, FEEDBACK_POOL);
  const finalTopK = params.top_k ?? first.finalTopK;
  const coverage = originalCoverage(first.documents);
  const fits = coverage.keys.length === 0 || coverage.best >= MIN_QUERY_COVERAGE;
  const collections = context.services.collections;
  const feedback = fits
    ? first.documents.slice(0, FEEDBACK_DOCUMENTS).map((document) => {
        const { document_id: _id, collection_id: collectionId, score, scores: _scores, _internal, ...data } = document;
        const textField =
          collections.find((collection) => collection.collection_id === collectionId)?.text_field ?? 'text';
        return { text: extractText(data, textField), score: Number(score) || 0 };
      })
    : [];
  const expanded = fits ? expandQuery(params.query, feedback) : params.query;
  let documents: PipelineDocument[];
  if (expanded === params.query) documents = first.documents.slice(0, finalTopK);
  else {
    const second = (
      await searchVariation(
        expanded,
        params.feature_search_config,
        context,
        params.include_original ? FEEDBACK_POOL : 0,
      )
    ).documents;
    documents = (params.include_original ? fuseWithOriginal(second, first.documents, params) : second)
      .slice(0, finalTopK)
      .map((document) => coverage.carry(document));
  }
  return {
    documents,
    metadata: {
      model: RM3,
      note: fits
        ? 'pseudo-relevance feedback, no language model'
        : 'no feedback: no document covers the query (nothing fits)',
      queries: expanded === params.query ? [params.query] : [params.query, expanded],
      feedback_documents: feedback.length,
    },
    llmCalls: 0,
    tokensUsed: 0,
  };
}

/**
 * The expanded query's ranking fused with the original query's (`fusion_strategy`, RRF by default): where
 * feedback drifts off topic, the original ranking holds the documents it found (query-drift prevention by
 * fusing the two runs, Zighelnic & Kurland, SIGIR 2008). Documents keep the expanded search's fields.
 */
function fuseWithOriginal(
  expanded: PipelineDocument[],
  original: PipelineDocument[],
  params: z.output<typeof parameters>,
): PipelineDocument[] {
  const byId = new Map<string, PipelineDocument>();
  for (const document of [...expanded, ...original])
    if (!byId.has(document.document_id)) byId.set(document.document_id, document);
  const list = (documents: PipelineDocument[]) => ({
    hits: documents.map(({ document_id, collection_id, score }) => ({ document_id, collection_id, score })),
    weight: 1,
  });
  const fused = fuseRankings(
    [list(expanded), list(original)],
    params.fusion_strategy === 'linear' ? 'weighted' : params.fusion_strategy,
    params.rrf_k,
  );
  return fused.map((hit) => ({ ...byId.get(hit.document_id)!, score: hit.score }));
}

/** How many of the first search's documents carry their coverage of the original query to the second. */
const FEEDBACK_POOL = 100;

/** The first search's per-document coverage of the original query (`scores.<key>_coverage`), to carry over. */
function originalCoverage(documents: readonly PipelineDocument[]) {
  const byDocument = new Map<string, Record<string, number>>();
  const keys = new Set<string>();
  let best = 0;
  for (const document of documents) {
    const scores = (document.scores ?? {}) as Record<string, number>;
    const found = Object.entries(scores).filter(
      ([key, value]) => key.endsWith(COVERAGE_SUFFIX) && typeof value === 'number',
    );
    for (const [key, value] of found) {
      keys.add(key);
      best = Math.max(best, value);
    }
    byDocument.set(document.document_id, Object.fromEntries(found));
  }
  return {
    keys: [...keys],
    best,
    carry(document: PipelineDocument): PipelineDocument {
      if (keys.size === 0) return document;
      const known = byDocument.get(document.document_id) ?? {};
      const scores: Record<string, number> = { ...((document.scores ?? {}) as Record<string, number>) };
      for (const key of keys) scores[key] = known[key] ?? 0;
      return { ...document, scores };
    },
  };
}

const COVERAGE_SUFFIX = '_coverage';

/** One feature search for `query`; `minTopK` raises its `final_top_k` (the feedback's first search reads further). */
async function searchVariation(query: string, config: Record<string, unknown>, context: StageContext, minTopK = 0) {
  const location = [...context.location, 'feature_search_config'];
  const templateContext = {
    ...context.templateContext,
    inputs: { ...context.inputs, query },
    variables: { QUERY: query },
  };
  const resolved = featureSearchStage.normalize(
    resolveTemplates(config, templateContext, location) as Record<string, unknown>,
  );
  const params = validateStageParameters(featureSearchStage, resolved, { stageName: context.stageName, location })!;
  const result = await featureSearchStage.run(
    [],
    { ...params, final_top_k: Math.max(params.final_top_k, minTopK) },
    { ...context, location, postFilter: null },
  );
  return { documents: result.documents, finalTopK: params.final_top_k };
}

async function expandWithModel(params: z.output<typeof parameters>, context: StageContext) {
  const prompt = stringify(
    renderTemplate(
      params.expansion_prompt ?? DEFAULT_PROMPT,
      {
        ...context.templateContext,
        variables: { QUERY: params.query, NUM_EXPANSIONS: params.num_expansions },
      },
      [...context.location, 'expansion_prompt'],
    ),
  );
  const answer = await context.services.languageModel!.complete(prompt, { temperature: 0.7, signal: context.signal });
  const queries = answer.text
    .split('\n')
    .map((line) =>
      line
        .replace(/^\s*(?:\d+[.)]|[-*•])\s*/, '')
        .replace(/^["']|["']$/g, '')
        .trim(),
    )
    .filter(Boolean)
    .slice(0, params.num_expansions);
  return { queries, tokensUsed: answer.tokensUsed };
}

/** Rewrites with no model: the stemmed query, then the query without one word at a time. */
export function localVariations(query: string, count: number): string[] {
  const tokens = words(query);
  const original = tokens.join(' ');
  const candidates = [tokens.map(stem).join(' ')];
  if (tokens.length > 1)
    for (let index = tokens.length - 1; index >= 0; index--)
      candidates.push(tokens.filter((_, position) => position !== index).join(' '));
  return [...new Set(candidates)].filter((candidate) => candidate && candidate !== original).slice(0, count);
}

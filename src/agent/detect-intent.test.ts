import { describe, expect, it } from 'vitest';
import { detectIntent, suggestRetriever, toIntentEvent, type IntentCollection } from './detect-intent.js';

const collections: IntentCollection[] = [
  {
    collection_id: 'col_videos',
    collection_name: 'lecture_videos',
    description: 'Recorded machine learning lectures',
    feature_extractor: 'multimodal_extractor',
  },
  {
    collection_id: 'col_products',
    collection_name: 'products',
    description: 'Shop catalogue',
    feature_extractor: { feature_extractor_name: 'text_extractor' },
  },
];
const retrievers = [
  { retriever_id: 'ret_1', retriever_name: 'lecture-search', description: 'Search machine learning lectures' },
];

describe('detectIntent', () => {
  it('classifies a search as execution and ranks the matching collection first', () => {
    const result = detectIntent('Find videos about machine learning', collections);
    expect(result).toMatchObject({
      intent: 'execution',
      recommended_action: 'smart_search',
      clarification_needed: false,
      clarification_options: [],
      keywords_found: { setup_keywords: [], execution_keywords: ['find'], neutral_keywords: ['videos'] },
    });
    expect(result.confidence).toBeGreaterThan(0.8);
    expect(result.suitable_collections).toEqual([
      {
        collection_id: 'col_videos',
        collection_name: 'lecture_videos',
        feature_extractor: 'multimodal_extractor',
        capabilities: ['video search', 'image search', 'text search'],
        match_score: 1,
      },
    ]);
    expect(result.reasoning).toBe("Search keywords found: find. Best matching collection: 'lecture_videos'.");
  });

  it('recommends a saved retriever that fits, and suggests the same one to the run', () => {
    expect(detectIntent('search machine learning lectures', collections, retrievers).recommended_action).toBe(
      'execute_retriever',
    );
    expect(suggestRetriever('search machine learning lectures', retrievers)?.retriever_id).toBe('ret_1');
  });

  it('never names a retriever that needs inputs besides the query (the agent could not run it on the request alone)', () => {
    const needsMore = [
      {
        ...retrievers[0],
        config: {
          input_schema: { query: { type: 'string', required: true }, user_id: { type: 'string', required: true } },
        },
      },
    ];
    expect(detectIntent('search machine learning lectures', collections, needsMore).recommended_action).toBe(
      'smart_search',
    );
    expect(suggestRetriever('search machine learning lectures', needsMore)).toBeNull();
    const optional = [
      {
        ...retrievers[0],
        config: {
          input_schema: { query: { type: 'string', required: true }, limit: { type: 'integer', required: false } },
        },
      },
    ];
    expect(suggestRetriever('search machine learning lectures', optional)?.retriever_id).toBe('ret_1');
  });

  it('classifies setup requests', () => {
    const result = detectIntent('Create a new collection and upload my PDFs', collections);
    expect(result).toMatchObject({ intent: 'setup', recommended_action: 'setup_pipeline' });
    expect(result.keywords_found.setup_keywords).toEqual(['create', 'new collection', 'upload']);
    expect(detectIntent('What do I need to create a retriever?', collections).intent).toBe('setup');
  });

  it('asks for clarification when unclear', () => {
    const result = detectIntent('hello there', collections);
    expect(result).toMatchObject({
      intent: 'ambiguous',
      confidence: 0.3,
      clarification_needed: true,
      recommended_action: 'clarify',
    });
    expect(result.clarification_options.map((option) => option.action)).toEqual(['smart_search', 'setup_pipeline']);
    expect(detectIntent('find and delete duplicates', collections).intent).toBe('ambiguous');
  });

  it('treats a bare topic that matches a collection as a search', () => {
    expect(detectIntent('products catalogue', collections)).toMatchObject({ intent: 'execution', confidence: 0.6 });
  });

  it('can skip collection analysis, and notes an empty namespace', () => {
    expect(
      detectIntent('Find videos', collections, [], { includeCollectionAnalysis: false }).suitable_collections,
    ).toEqual([]);
    expect(detectIntent('Find videos', [])).toMatchObject({
      intent: 'execution',
      recommended_action: 'setup_pipeline',
    });
  });

  it('maps to the intent event vocabulary', () => {
    expect(toIntentEvent(detectIntent('Find videos about machine learning', collections))).toMatchObject({
      intent: 'retriever_search',
      category: 'retriever',
      context_scope: ['col_videos'],
    });
    expect(toIntentEvent(detectIntent('hi', collections))).toMatchObject({
      intent: 'conversation',
      category: 'general',
      context_scope: 'namespace',
    });
    expect(toIntentEvent(detectIntent('set up a pipeline', []))).toMatchObject({ intent: 'setup', category: 'setup' });
  });
});

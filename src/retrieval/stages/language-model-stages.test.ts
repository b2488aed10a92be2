import { describe, expect, it } from 'vitest';
import { createFakeServices, fakeLanguageModel, SAMPLE_DOCUMENTS } from '../testing/fake-services.js';
import { runStage, sampleDocuments } from '../testing/run-stage.js';
import { localVariations } from './query-expand.js';

const ids = (documents: { document_id: string }[]) => documents.map((document) => document.document_id);
const LOCAL = { model: 'quarry-local', note: 'deterministic local fallback; configure a provider for LLM output' };

async function issue(promise: Promise<unknown>) {
  const error = (await promise.catch((caught: unknown) => caught)) as {
    status: number;
    details: { validation_errors: { location: (string | number)[]; message: string }[] };
  };
  expect(error.status).toBe(422);
  return error.details.validation_errors[0];
}

describe('llm_filter', () => {
  it('keeps documents sharing a content word with the criteria when no model is configured', async () => {
    const result = await runStage('llm_filter', {}, sampleDocuments(), { inputs: { query: 'feeding cat' } });
    expect(ids(result.documents)).toEqual(['doc_1', 'doc_3']);
    expect(result.metadata).toMatchObject({ ...LOCAL, criteria: 'Keep only documents relevant to feeding cat' });
    expect(result.llmCalls).toBe(0);
  });

  it('asks the model once per document and keeps the yes answers, with reasoning', async () => {
    const model = fakeLanguageModel((prompt) => (prompt.includes('Rocket') ? 'Yes, it is about rockets.' : 'no'));
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS, languageModel: model });
    const result = await runStage(
      'llm_filter',
      { criteria: 'About rockets', explanation: true, model: 'gpt-4o' },
      sampleDocuments(),
      { services },
    );
    expect(ids(result.documents)).toEqual(['doc_2']);
    expect(result.documents[0].llm_reasoning).toBe('it is about rockets.');
    expect(model.prompts).toHaveLength(5);
    expect(result.llmCalls).toBe(5);
    expect(result.tokensUsed).toBeGreaterThan(0);
    expect(result.metadata).toMatchObject({ model: 'fake-model', requested_model: 'gpt-4o' });
  });

  it('validates provider', async () => {
    expect((await issue(runStage('llm_filter', { criteria: 'x', provider: 'mistral' }, []))).message).toContain(
      "(llm_filter): parameter 'provider'",
    );
  });
});

describe('llm_enrich', () => {
  it('writes an extractive summary into output_field without a model', async () => {
    const result = await runStage('llm_enrich', {}, sampleDocuments().slice(0, 1));
    expect(result.documents[0].metadata).toEqual({ summary: 'Cats are small furry pets. Dogs are loyal pets.' });
    expect(result.metadata).toMatchObject(LOCAL);
  });

  it('renders the prompt per document for the model, honours when and the legacy id', async () => {
    const model = fakeLanguageModel((prompt) => `SUMMARY OF ${prompt.slice(-12)}`);
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS, languageModel: model });
    const result = await runStage(
      'llm_enrichment',
      {
        prompt: 'Title: {{DOC.title}} for {{INPUT.user}}',
        output_field: 'blurb',
        when: { field: 'category', value: 'space' },
      },
      sampleDocuments(),
      { services, inputs: { user: 'ann' } },
    );
    expect(model.prompts).toEqual(['Title: Rocket engines for ann', 'Title: Mars missions for ann']);
    expect(result.documents.filter((document) => document.blurb).map((document) => document.document_id)).toEqual([
      'doc_2',
      'doc_4',
    ]);
    expect(result.llmCalls).toBe(2);
  });

  it('parses JSON answers when a schema is given, and fills the schema locally', async () => {
    const schema = { type: 'object', properties: { summary: { type: 'string' }, score: { type: 'number' } } };
    const model = fakeLanguageModel(() => 'Here: {"summary": "s", "score": 3}');
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS, languageModel: model });
    const withModel = await runStage(
      'llm_enrich',
      { output_schema: schema, output_field: 'facts' },
      sampleDocuments().slice(0, 1),
      { services },
    );
    expect(withModel.documents[0].facts).toEqual({ summary: 's', score: 3 });
    const local = await runStage('llm_enrich', { schema, output_field: 'facts' }, sampleDocuments().slice(1, 2));
    expect(local.documents[0].facts).toEqual({
      summary: 'Rocket engines burn fuel to produce thrust for launch.',
      score: null,
    });
  });

  it('validates temperature', async () => {
    expect((await issue(runStage('llm_enrich', { temperature: 3 }, []))).location.at(-1)).toBe('temperature');
  });
});

describe('summarize', () => {
  it('reduces documents to one extractive summary with sources when no model is configured', async () => {
    const result = await runStage('summarize', {}, sampleDocuments().slice(0, 2));
    expect(result.documents).toEqual([
      {
        document_id: 'summary',
        collection_id: 'col_test',
        score: 1,
        summary: 'Cats are small furry pets. [1] Rocket engines burn fuel to produce thrust for launch. [2]',
        source_document_ids: ['doc_1', 'doc_2'],
        document_count: 2,
        tokens_used: 0,
      },
    ]);
    expect(result.metadata).toMatchObject(LOCAL);
  });

  it('fills {{DOCUMENTS}} and {{DOC_COUNT}} for the model and summarises per group', async () => {
    const model = fakeLanguageModel((prompt) => `summary of ${prompt.length} chars`);
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS, languageModel: model });
    const result = await runStage('summarize', { group_by: 'category', output_field: 'text' }, sampleDocuments(), {
      services,
    });
    expect(result.documents.map((document) => document.group_key)).toEqual(['pets', 'space', 'nature']);
    expect(model.prompts[0]).toBe(
      'Summarize the following 2 documents concisely:\n\n[1] Cats are small furry pets. Dogs are loyal pets.\n[2] Cats need protein rich food. Feeding cats well keeps them healthy.\n',
    );
    expect(result.llmCalls).toBe(3);
  });

  it('drops documents past max_input_tokens', async () => {
    const long = sampleDocuments().map((document) => ({ ...document, text: `${'x'.repeat(300)}.` }));
    const result = await runStage('summarize', { max_input_tokens: 200 }, long);
    expect(result.documents[0].document_count).toBe(2);
  });

  it('requires {{DOCUMENTS}} in the prompt', async () => {
    expect((await issue(runStage('summarize', { prompt: 'Summarize please' }, []))).message).toContain(
      'must contain {{DOCUMENTS}}',
    );
  });
});

describe('query_expand', () => {
  const config = {
    searches: [{ feature_uri: 'mixpeek://text_extractor@v1/bm25', query: '{{QUERY}}' }],
    final_top_k: 10,
  };

  it('makes deterministic local variations', () => {
    expect(localVariations('Feeding cats', 3)).toEqual(['feed cat', 'feeding', 'cats']);
    expect(localVariations('cat', 3)).toEqual([]);
  });

  it('searches the query and its variations and fuses them with RRF', async () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
    const result = await runStage('query_expand', { feature_search_config: config, num_expansions: 2 }, [], {
      services,
      inputs: { query: 'rocket missions' },
      stageIndex: 0,
    });
    expect(result.metadata).toMatchObject({ ...LOCAL, queries: ['rocket missions', 'rocket mission', 'rocket'] });
    expect(services.calls.filter((call) => call.method === 'searchText').map((call) => call.text)).toEqual([
      'rocket missions',
      'rocket mission',
      'rocket',
    ]);
    expect(ids(result.documents)).toEqual(['doc_4', 'doc_2']);
    // doc_4 is first for two of the three queries and second for the third.
    expect(result.documents[0].score).toBeCloseTo(2 / 61 + 1 / 62, 8);
  });

  it('uses the model for expansions and accepts the docs aliases', async () => {
    const model = fakeLanguageModel(() => '1. space rockets\n2. "launch vehicles"');
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS, languageModel: model });
    const result = await runStage(
      'query_expand',
      { vector_index: 'bm25', num_variations: 2, include_original: false, fusion_method: 'max' },
      [],
      { services, inputs: { query: 'rockets' }, stageIndex: 0 },
    );
    expect(result.metadata).toMatchObject({
      model: 'fake-model',
      queries: ['space rockets', 'launch vehicles'],
      fusion: 'max',
    });
    expect(model.prompts[0]).toContain('Write 2 alternative search queries for: rockets');
  });

  it('expands the query from its best documents with expansion_model "rm3", with no model and two searches', async () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
    const result = await runStage('query_expand', { feature_search_config: config, expansion_model: 'rm3' }, [], {
      services,
      inputs: { query: 'rocket' },
      stageIndex: 0,
    });
    const searched = services.calls.filter((call) => call.method === 'searchText').map((call) => call.text!);
    expect(searched).toHaveLength(2);
    expect(searched[0]).toBe('rocket');
    // The second search is the query (repeated, as its weight) plus words of the two rocket documents.
    expect(searched[1].startsWith('rocket rocket')).toBe(true);
    expect(searched[1]).toMatch(/\blaunch\b/);
    expect(result.metadata).toMatchObject({ model: 'rm3', queries: ['rocket', searched[1]], feedback_documents: 2 });
    expect(result.llmCalls).toBe(0);
    expect(ids(result.documents)).toEqual(['doc_2', 'doc_4']);
  });

  it('RM3 learns nothing when no document covers the query: one search, the first ranking, as the relevance floor will judge it', async () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS, coverage: true });
    // "rocket" is in two documents, but "piano" and "jazz" (the rest of the query) in none: below the floor.
    const result = await runStage('query_expand', { feature_search_config: config, expansion_model: 'rm3' }, [], {
      services,
      inputs: { query: 'jazz piano rocket' },
      stageIndex: 0,
    });
    expect(services.calls.filter((call) => call.method === 'searchText')).toHaveLength(1);
    expect(result.metadata).toMatchObject({ model: 'rm3', queries: ['jazz piano rocket'], feedback_documents: 0 });
    expect(ids(result.documents)).toEqual(['doc_2', 'doc_4']);
  });

  it('RM3 fuses the expanded ranking with the original one, and documents keep their coverage of the original query', async () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS, coverage: true });
    const result = await runStage('query_expand', { feature_search_config: config, expansion_model: 'rm3' }, [], {
      services,
      inputs: { query: 'rocket thrust' },
      stageIndex: 0,
    });
    const searched = services.calls.filter((call) => call.method === 'searchText').map((call) => call.text!);
    expect(searched).toHaveLength(2);
    // doc_2 has both words; doc_4 only "rocket"; the expanded query's words (launch, …) would say otherwise.
    const coverage = Object.fromEntries(
      result.documents.map((document) => [
        document.document_id,
        (document.scores as Record<string, number>).bm25_coverage,
      ]),
    );
    expect(coverage).toMatchObject({ doc_2: 1, doc_4: 0.5 });
    expect(ids(result.documents).slice(0, 2)).toEqual(['doc_2', 'doc_4']);
    // Fused by RRF: the score is a sum of reciprocal ranks, not a BM25 score.
    expect(result.documents[0].score).toBeLessThan(1);
    const alone = await runStage(
      'query_expand',
      { feature_search_config: config, expansion_model: 'rm3', include_original: false },
      [],
      { services, inputs: { query: 'rocket thrust' }, stageIndex: 0 },
    );
    expect(alone.documents[0].score).toBeGreaterThan(1);
  });

  it('requires feature_search_config and validates it at run time', async () => {
    expect((await issue(runStage('query_expand', {}, [], { inputs: { query: 'x' } }))).location.at(-1)).toBe(
      'feature_search_config',
    );
    const nested = await issue(
      runStage(
        'query_expand',
        {
          feature_search_config: {
            searches: [{ feature_uri: 'mixpeek://text_extractor@v1/bm25', query: '{{QUERY}}', top_k: 0 }],
          },
        },
        [],
        { inputs: { query: 'x' } },
      ),
    );
    expect(nested.location).toEqual([
      'body',
      'stages',
      1,
      'config',
      'parameters',
      'feature_search_config',
      'searches',
      0,
      'top_k',
    ]);
  });
});

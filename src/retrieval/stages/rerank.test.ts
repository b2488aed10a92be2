import { describe, expect, it } from 'vitest';
import { runStage, sampleDocuments } from '../testing/run-stage.js';

describe('rerank', () => {
  it('re-scores with the local lexical reranker, writes scores.rerank and re-sorts', async () => {
    const result = await runStage('rerank', {}, sampleDocuments(), { inputs: { query: 'rocket launch' } });
    expect(
      result.documents
        .slice(0, 2)
        .map((document) => document.document_id)
        .sort(),
    ).toEqual(['doc_2', 'doc_4']);
    const top = result.documents[0];
    expect((top.scores as Record<string, number> | undefined)?.rerank).toBe(top.score);
    expect(result.metadata).toMatchObject({
      requested_model: 'BAAI__bge_reranker_v2_m3',
      model: 'quarry-lexical-rerank',
      query: 'rocket launch',
    });
    expect(result.documents).toHaveLength(5);
  });

  it('is deterministic', async () => {
    const first = await runStage('rerank', { query: 'cats food' }, sampleDocuments());
    const second = await runStage('rerank', { query: 'cats food' }, sampleDocuments());
    expect(first.documents).toEqual(second.documents);
    expect(first.documents[0].document_id).toBe('doc_3');
  });

  it('keeps the incoming order when nothing matches the query', async () => {
    const result = await runStage('rerank', { query: 'zebra' }, sampleDocuments());
    expect(result.documents.map((document) => document.document_id)).toEqual([
      'doc_1',
      'doc_2',
      'doc_3',
      'doc_4',
      'doc_5',
    ]);
  });

  it('accepts the docs aliases top_n, model and a custom score_field and document_field', async () => {
    const result = await runStage(
      'rerank',
      { query: 'mars', top_n: 2, model: 'cohere-rerank-v3', score_field: 'rerank_score', document_field: 'title' },
      sampleDocuments(),
    );
    expect(result.documents).toHaveLength(2);
    expect(result.documents[0]).toMatchObject({ document_id: 'doc_4' });
    expect(result.documents[0].rerank_score).toBe(result.documents[0].score);
    expect(result.metadata?.requested_model).toBe('cohere-rerank-v3');
  });

  it('needs the query input by default and validates its parameters', async () => {
    const missing = await runStage('rerank', {}, sampleDocuments()).catch((error) => error);
    expect(missing.details.validation_errors[0].location).toEqual(['body', 'inputs', 'query']);
    const bad = await runStage('rerank', { query: 'x', max_document_chars: 5 }, sampleDocuments()).catch(
      (error) => error,
    );
    expect(bad.status).toBe(422);
    expect(bad.details.validation_errors[0].message).toContain(
      "Stage 'under_test' (rerank): parameter 'max_document_chars'",
    );
  });
});

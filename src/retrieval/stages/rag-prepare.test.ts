import { describe, expect, it } from 'vitest';
import { runStage, sampleDocuments } from '../testing/run-stage.js';

describe('rag_prepare', () => {
  it('builds one single_context document with numbered citations by default', async () => {
    const result = await runStage('rag_prepare', {}, sampleDocuments().slice(0, 2));
    expect(result.documents).toHaveLength(1);
    const [context] = result.documents;
    expect(context.document_id).toBe('rag_context');
    expect(context.rag_context).toBe(
      '[1] Cats are small furry pets. Dogs are loyal pets.\n\n\n[2] Rocket engines burn fuel to produce thrust for launch.\n\n',
    );
    expect(context.citations).toEqual([
      { index: 1, label: '[1]', document_id: 'doc_1', collection_id: 'col_test', title: 'Cats and dogs' },
      { index: 2, label: '[2]', document_id: 'doc_2', collection_id: 'col_test', title: 'Rocket engines' },
    ]);
    expect(context.source_document_ids).toEqual(['doc_1', 'doc_2']);
    expect(result.metadata).toMatchObject({ documents_in: 2, documents_used: 2 });
  });

  it('formats each document in formatted_list mode with a custom template and fields', async () => {
    const result = await runStage(
      'rag_prepare',
      {
        output_mode: 'formatted_list',
        document_template: '{{CONTEXT.INDEX}}. {{DOC.title}} ({{INPUT.label}})',
        formatted_content_field: 'text_for_llm',
        citation: { style: 'bracketed', include_url: true },
      },
      sampleDocuments().slice(0, 2),
      { inputs: { label: 'x' } },
    );
    expect(result.documents.map((document) => document.text_for_llm)).toEqual([
      '1. Cats and dogs (x)',
      '2. Rocket engines (x)',
    ]);
    expect(result.documents[0].citations).toMatchObject({ label: '[Cats and dogs]', url: null });
  });

  it('keeps within max_tokens: drop_last drops, priority_truncate cuts, proportional shares', async () => {
    const long = sampleDocuments().map((document) => ({ ...document, text: 'word '.repeat(100) }));
    const dropped = await runStage('rag_prepare', { max_tokens: 300, truncation_strategy: 'drop_last' }, long);
    expect(dropped.metadata).toMatchObject({ documents_used: 2 });
    const truncated = await runStage(
      'rag_prepare',
      { max_tokens: 300, truncation_strategy: 'priority_truncate' },
      long,
    );
    expect(truncated.metadata).toMatchObject({ documents_used: 3 });
    const shared = await runStage('rag_prepare', { max_tokens: 300, truncation_strategy: 'proportional' }, long);
    expect(shared.metadata).toMatchObject({ documents_used: 5 });
    expect(shared.metadata?.estimated_tokens as number).toBeLessThanOrEqual(310);
  });

  it('rejects bad parameters with the stage name and field', async () => {
    const error = await runStage('rag_prepare', { max_tokens: 10 }, sampleDocuments()).catch((caught) => caught);
    expect(error.details.validation_errors[0].location).toEqual([
      'body',
      'stages',
      0,
      'config',
      'parameters',
      'max_tokens',
    ]);
    const style = await runStage('rag_prepare', { citation: { style: 'apa' } }, sampleDocuments()).catch(
      (caught) => caught,
    );
    expect(style.details.validation_errors[0].message).toContain("parameter 'citation.style'");
  });
});

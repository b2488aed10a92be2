import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { createFakeServices, SAMPLE_DOCUMENTS } from '../testing/fake-services.js';
import { runStage, sampleDocuments } from '../testing/run-stage.js';

const ids = (documents: { document_id: string }[]) => documents.map((document) => document.document_id);

describe('attribute_filter', () => {
  it('filters in simple mode with eq as the default operator', async () => {
    const result = await runStage('attribute_filter', { field: 'metadata.category', value: 'pets' }, sampleDocuments());
    expect(ids(result.documents)).toEqual(['doc_1', 'doc_3']);
  });

  it('is case-sensitive in simple mode unless case_insensitive is set', async () => {
    expect(
      (await runStage('attribute_filter', { field: 'category', value: 'PETS' }, sampleDocuments())).documents,
    ).toHaveLength(0);
    expect(
      (
        await runStage(
          'attribute_filter',
          { field: 'category', value: 'PETS', case_insensitive: true },
          sampleDocuments(),
        )
      ).documents,
    ).toHaveLength(2);
  });

  it('resolves templates in values with their native type', async () => {
    const result = await runStage(
      'attribute_filter',
      { field: 'price', operator: 'lte', value: '{{INPUT.max_price}}' },
      sampleDocuments(),
      { inputs: { max_price: 25 } },
    );
    expect(ids(result.documents)).toEqual(['doc_1', 'doc_3']);
  });

  it('filters in boolean mode and with AND / OR placed directly in parameters', async () => {
    const conditions = {
      OR: [
        { field: 'category', value: 'space' },
        { field: 'tags', operator: 'contains', value: 'food' },
      ],
    };
    expect(ids((await runStage('attribute_filter', { conditions }, sampleDocuments())).documents)).toEqual([
      'doc_2',
      'doc_3',
      'doc_4',
    ]);
    expect(ids((await runStage('attribute_filter', conditions, sampleDocuments())).documents)).toEqual([
      'doc_2',
      'doc_3',
      'doc_4',
    ]);
    const legacy = await runStage(
      'structured_filter',
      { structured_filter: { AND: [{ field: 'price', operator: 'gt', value: 100 }] } },
      sampleDocuments(),
    );
    expect(ids(legacy.documents)).toEqual(['doc_2', 'doc_4']);
  });

  it('scans the index with the filter pushed down when it is the first stage', async () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
    const result = await runStage('attribute_filter', { field: 'category', value: 'space' }, [], {
      services,
      stageIndex: 0,
    });
    expect(ids(result.documents)).toEqual(['doc_4', 'doc_2']);
    expect(services.calls[0]).toMatchObject({
      method: 'scan',
      filter: { field: 'category', operator: 'eq', value: 'space' },
    });
    expect(result.metadata).toEqual({ mode: 'index_scan' });
  });

  it('rejects a bad filter with a 422 naming the place', async () => {
    const error = await runStage(
      'attribute_filter',
      { field: 'tags', operator: 'in', value: 'food' },
      sampleDocuments(),
    ).catch((caught) => caught);
    expect(AppError.is(error)).toBe(true);
    expect(error.details.validation_errors[0].location).toEqual(['body', 'stages', 1, 'config', 'parameters', 'value']);
    const missing = await runStage('attribute_filter', { batch_size: 5 }, sampleDocuments()).catch((caught) => caught);
    expect(missing.status).toBe(422);
    expect(missing.details.validation_errors[0].message).toContain(
      "Stage 'under_test' (attribute_filter): parameter 'conditions'",
    );
    const operator = await runStage(
      'attribute_filter',
      { field: 'a', operator: 'like', value: 1 },
      sampleDocuments(),
    ).catch((caught) => caught);
    expect(operator.details.validation_errors[0].location.at(-1)).toBe('operator');
  });
});

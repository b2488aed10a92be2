import { describe, expect, it } from 'vitest';
import { runStage, sampleDocuments } from '../testing/run-stage.js';

const ids = (documents: { document_id: string }[]) => documents.map((document) => document.document_id);

async function issue(promise: Promise<unknown>) {
  const error = (await promise.catch((caught: unknown) => caught)) as {
    status: number;
    details: { validation_errors: { location: (string | number)[]; message: string }[] };
  };
  expect(error.status).toBe(422);
  return error.details.validation_errors[0];
}

describe('deduplicate', () => {
  it('removes duplicates by field values, keeping the first or the last', async () => {
    expect(ids((await runStage('deduplicate', { fields: ['category'] }, sampleDocuments())).documents)).toEqual([
      'doc_1',
      'doc_2',
      'doc_5',
    ]);
    expect(
      ids((await runStage('deduplicate', { field: 'category', keep: 'last' }, sampleDocuments())).documents),
    ).toEqual(['doc_3', 'doc_4', 'doc_5']);
  });

  it('honours case_sensitive for field values', async () => {
    const documents = [
      { document_id: 'a', collection_id: 'c', score: 1, url: 'HTTP://X' },
      { document_id: 'b', collection_id: 'c', score: 1, url: 'http://x' },
    ];
    expect((await runStage('deduplicate', { fields: ['url'] }, documents)).documents).toHaveLength(2);
    expect(
      (await runStage('deduplicate', { fields: ['url'], case_sensitive: false }, documents)).documents,
    ).toHaveLength(1);
  });

  it('removes near-duplicate content by shingle Jaccard', async () => {
    const base = 'the quick brown fox jumps over the lazy dog near the river bank today';
    const documents = [
      { document_id: 'a', collection_id: 'col_test', score: 1, text: base },
      { document_id: 'b', collection_id: 'col_test', score: 0.9, text: `${base} again` },
      {
        document_id: 'c',
        collection_id: 'col_test',
        score: 0.8,
        text: 'a completely different sentence about rockets and space travel',
      },
    ];
    const result = await runStage('deduplicate', { strategy: 'content', similarity_threshold: 0.8 }, documents);
    expect(ids(result.documents)).toEqual(['a', 'c']);
    expect(result.metadata).toEqual({ removed: 1 });
    expect((await runStage('deduplicate', { strategy: 'content' }, documents)).documents).toHaveLength(3);
  });

  it('needs fields for the field strategy', async () => {
    expect((await issue(runStage('deduplicate', {}, sampleDocuments()))).message).toContain(
      "(deduplicate): parameter 'fields'",
    );
  });
});

describe('group_by', () => {
  it('returns one entry per group holding its documents by default', async () => {
    const result = await runStage('group_by', { group_by_field: 'category', max_per_group: 1 }, sampleDocuments());
    expect(
      result.documents.map((group) => [group.group_key, group.group_size, (group.documents as unknown[]).length]),
    ).toEqual([
      ['pets', 2, 1],
      ['space', 2, 1],
      ['nature', 1, 1],
    ]);
  });

  it('supports first and flatten output, the field alias, group ordering and max_groups', async () => {
    const first = await runStage('group_by', { field: 'category', output_mode: 'first' }, sampleDocuments());
    expect(ids(first.documents)).toEqual(['doc_1', 'doc_2', 'doc_5']);
    const flatten = await runStage(
      'group_by',
      { field: 'category', output_mode: 'flatten', sort_groups_by: 'field', sort_order: 'asc', max_groups: 2 },
      sampleDocuments(),
    );
    expect(ids(flatten.documents)).toEqual(['doc_5', 'doc_1', 'doc_3']);
  });

  it('groups by source_object_id by default and validates max_per_group', async () => {
    const chunks = [
      { document_id: 'c1', collection_id: 'c', score: 1, source_object_id: 'obj_a' },
      { document_id: 'c2', collection_id: 'c', score: 0.5, source_object_id: 'obj_a' },
    ];
    expect((await runStage('group_by', {}, chunks)).documents).toHaveLength(1);
    expect((await issue(runStage('group_by', { max_per_group: 0 }, chunks))).location.at(-1)).toBe('max_per_group');
  });
});

describe('aggregate', () => {
  it('aggregates over groups with aliases, sorting and limits', async () => {
    const result = await runStage(
      'aggregate',
      {
        aggregations: [
          { function: 'count', alias: 'documents' },
          { function: 'sum', field: 'price', alias: 'total' },
          { function: 'avg', field: 'price', alias: 'average' },
          { function: 'collect_distinct', field: 'tags', alias: 'tag_lists' },
        ],
        group_by: ['category'],
        sort_by: 'total',
      },
      sampleDocuments(),
    );
    expect(
      result.documents.map(({ category, documents, total, average }) => ({ category, documents, total, average })),
    ).toEqual([
      { category: 'space', documents: 2, total: 350, average: 175 },
      { category: 'pets', documents: 2, total: 35, average: 17.5 },
      { category: 'nature', documents: 1, total: 0, average: null },
    ]);
    expect(result.documents[0].document_id).toBe('aggregate_1');
  });

  it('aggregates everything into one document without group_by', async () => {
    const result = await runStage(
      'aggregate',
      {
        aggregations: [
          { function: 'min', field: 'price', alias: 'cheapest' },
          { function: 'max', field: 'created_at', alias: 'newest' },
          { function: 'count_distinct', field: 'category', alias: 'categories' },
          { function: 'first', field: 'title', alias: 'first_title' },
          { function: 'last', field: 'title' },
        ],
        include_documents: true,
      },
      sampleDocuments(),
    );
    expect(result.documents).toHaveLength(1);
    expect(result.documents[0]).toMatchObject({
      cheapest: 10,
      newest: '2025-05-01T00:00:00Z',
      categories: 3,
      first_title: 'Cats and dogs',
      last_title: 'Garden birds',
    });
    expect((result.documents[0].documents as unknown[]).length).toBe(5);
  });

  it('rejects an unknown function', async () => {
    const problem = await issue(
      runStage('aggregate', { aggregations: [{ function: 'median', field: 'price', alias: 'm' }] }, []),
    );
    expect(problem.location).toEqual(['body', 'stages', 0, 'config', 'parameters', 'aggregations', 0, 'function']);
  });
});

describe('json_transform', () => {
  it('renders a JSON string template per document, keeping ids and score', async () => {
    const result = await runStage(
      'json_transform',
      {
        template:
          '{"name": {{DOC.title | tojson}}, "upper": "{{DOC.category | upper}}", "q": "{{INPUT.query}}", "n": {{CONTEXT.INDEX}}}',
      },
      sampleDocuments().slice(0, 2),
      { inputs: { query: 'x' } },
    );
    expect(result.documents).toEqual([
      { document_id: 'doc_1', collection_id: 'col_test', score: 1, name: 'Cats and dogs', upper: 'PETS', q: 'x', n: 1 },
      {
        document_id: 'doc_2',
        collection_id: 'col_test',
        score: 0.9,
        name: 'Rocket engines',
        upper: 'SPACE',
        q: 'x',
        n: 2,
      },
    ]);
  });

  it('accepts an object template whose values keep their types', async () => {
    const result = await runStage(
      'json_transform',
      { template: { id: '{{DOC.document_id}}', price: '{{DOC.price}}', tags: '{{DOC.tags}}' } },
      sampleDocuments().slice(0, 1),
    );
    expect(result.documents[0]).toMatchObject({ id: 'doc_1', price: 10, tags: ['animals', 'pets'] });
  });

  it('keeps a document whose output is not JSON, or fails with fail_on_error', async () => {
    const kept = await runStage(
      'json_transform',
      { template: 'not json {{DOC.title}}' },
      sampleDocuments().slice(0, 1),
    );
    expect(kept.documents[0].title).toBe('Cats and dogs');
    expect(kept.metadata).toMatchObject({ transformed: 0, failures: [{ document_id: 'doc_1' }] });
    const failed = await issue(
      runStage('json_transform', { template: 'nope', fail_on_error: true }, sampleDocuments().slice(0, 1)),
    );
    expect(failed.message).toContain("for document 'doc_1'");
  });

  it('requires a template', async () => {
    expect((await issue(runStage('json_transform', {}, []))).message).toContain(
      "(json_transform): parameter 'template'",
    );
  });
});

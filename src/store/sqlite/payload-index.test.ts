import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FilterNode, FilterOperator } from '../filter-node.js';
import type { TenantScope } from '../scope.js';
import { createSqliteStore, type SqliteStore } from './create-sqlite-store.js';
import { impliedPayloadCondition, indexedFilterScan, payloadIndexName } from './payload-index.js';
import { compileFilterToSql } from './filter-to-sql.js';
import {
  makeData,
  makeFilter,
  matchReference,
  seededRandom,
  type ReferenceDocument,
} from '../../../test/store-conformance/filter-reference.js';

const condition = (field: string, operator: FilterOperator, value: unknown, caseSensitive = false): FilterNode => ({
  kind: 'condition',
  field,
  operator,
  value,
  caseSensitive,
});
/** Every JSON field the generated documents and filters use (array-index paths and system fields are refused by design). */
const INDEXED = [
  'name',
  'tags',
  'price',
  'active',
  'note',
  'nested.a.b',
  'nested.a',
  'metadata.category',
  'metadata.name',
  'missing',
  'we"ird',
  'back\\slash',
  'metadata',
  'mixed',
  'category',
  "o'quote",
];
const INDEXABLE: FilterOperator[] = ['eq', 'in', 'gt', 'gte', 'lt', 'lte'];

describe('payload indexes (SQLite)', () => {
  let store: SqliteStore;
  let scope: TenantScope;
  const documents: (ReferenceDocument & { id: string })[] = [];

  beforeAll(async () => {
    store = createSqliteStore({ dataDir: ':memory:' });
    const org = await store.organizations.create('payload');
    scope = { orgId: org.org_id, namespaceId: 'ns_payload' };
    await store.namespaces.create(
      { orgId: org.org_id },
      {
        namespace_id: scope.namespaceId,
        namespace_name: 'payload',
        description: null,
        feature_extractors: [],
        payload_indexes: [],
        auto_create_indexes: false,
        created_at: 1,
        updated_at: 1,
      },
    );
    await store.collections.create(scope, {
      collection_id: 'col_p',
      namespace_id: scope.namespaceId,
      collection_name: 'p',
      description: null,
      config: { source: { type: 'bucket' } },
      embedding_model: 'test',
      embedding_dimensions: 4,
      text_field: 'text',
      enabled: true,
      metadata: null,
      created_at: 1,
      updated_at: 1,
    });
    const next = seededRandom(18_4);
    const entries: [string, Record<string, unknown>][] = Array.from({ length: 400 }, (_, index) => [
      `doc_${index}`,
      makeData(next),
    ]);
    // Text whose JavaScript folding reaches ASCII (the Kelvin sign), other non-ASCII text, booleans, nulls, arrays, and a quote in a key.
    entries.push(
      ['doc_kelvin', { name: '\u212Aelvin', price: 5 }],
      ['doc_ascii', { name: 'kelvin', price: 5.0 }],
      ['doc_arr', { name: ['Kelvin', 7], price: [5] }],
      ['doc_quote', { "o'quote": 'Yes' }],
    );
    for (const [id, data] of entries) {
      await store.documents.insertMany(
        scope,
        'col_p',
        [{ document_id: id, data, content: id, content_hash: id, vector: null }],
        1,
      );
      documents.push({
        id,
        data,
        system: {
          document_id: id,
          collection_id: 'col_p',
          created_at: new Date(1).toISOString(),
          updated_at: new Date(1).toISOString(),
        },
      });
    }
  });
  afterAll(() => store.close());

  const indexNames = () =>
    store.database
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'documents_payload_%'")
      .pluck()
      .all() as string[];
  const declaration = (fields: string[]) =>
    fields.map((field_name) => ({ field_name, type: field_name.startsWith('geo') ? 'geo' : 'keyword' }));
  /** Declares, then waits for the background build. */
  const declare = async (fields: string[]) => {
    const declared = await store.namespaces.update(
      { orgId: scope.orgId },
      scope.namespaceId,
      { payload_indexes: declaration(fields) },
      2,
    );
    await store.payloadIndexBuilds!.settled();
    return declared;
  };
  const statuses = async () =>
    (await store.namespaces.resolve({ orgId: scope.orgId }, scope.namespaceId))!.payload_indexes.map(
      (entry) => (entry as { status?: string }).status,
    );
  const select = async (filter: FilterNode) =>
    (await store.documents.idsMatching(scope, 'col_p', filter, 10_000)).sort();
  const expected = (filter: FilterNode) =>
    documents
      .filter((document) => matchReference(document, filter))
      .map((document) => document.id)
      .sort();

  it('builds after the declaration returns (shown building, then ready), and stores the declaration without states', async () => {
    await declare([]);
    const declared = await store.namespaces.update(
      { orgId: scope.orgId },
      scope.namespaceId,
      { payload_indexes: declaration(['price', 'geo_field']) },
      2,
    );
    // The answer comes before the build: the build waits for a later turn of the event loop.
    expect(indexNames()).toEqual([]);
    expect(declared.payload_indexes).toEqual([
      { field_name: 'price', type: 'keyword', status: 'building' },
      { field_name: 'geo_field', type: 'geo' },
    ]);
    await store.payloadIndexBuilds!.settled();
    expect(indexNames()).toEqual([payloadIndexName('price')]);
    expect(await statuses()).toEqual(['ready', undefined]);
    // A status sent back (a response re-sent, an export imported) is not stored.
    const sentBack = (await store.namespaces.resolve({ orgId: scope.orgId }, scope.namespaceId))!.payload_indexes;
    await store.namespaces.update({ orgId: scope.orgId }, scope.namespaceId, { payload_indexes: sentBack }, 3);
    expect(
      JSON.parse(
        store.database
          .prepare('SELECT payload_indexes FROM namespaces WHERE namespace_id = ?')
          .pluck()
          .get(scope.namespaceId) as string,
      ),
    ).toEqual(declaration(['price', 'geo_field']));
    await store.payloadIndexBuilds!.settled();
  });

  it('reports a failed build as failed, and builds it at the next declaration once it can', async () => {
    await declare([]);
    // A row whose JSON SQLite cannot read makes the index expression fail (the store never writes such a row).
    store.database
      .prepare(
        "INSERT INTO documents (document_id, collection_id, org_id, namespace_id, data, content, content_hash, created_at, updated_at) SELECT 'doc_broken', collection_id, org_id, namespace_id, '{broken', '', '', 1, 1 FROM documents LIMIT 1",
      )
      .run();
    try {
      await declare(['price']);
      expect(indexNames()).toEqual([]);
      expect(await statuses()).toEqual(['failed']);
    } finally {
      store.database.prepare("DELETE FROM documents WHERE document_id = 'doc_broken'").run();
    }
    await declare(['price']);
    expect(await statuses()).toEqual(['ready']);
  });

  it('creates an index per declared field at declaration, and drops it when no namespace declares the field', async () => {
    await declare(['price', 'geo_field']);
    expect(indexNames()).toEqual([payloadIndexName('price')]);
    await declare(INDEXED);
    expect(indexNames().sort()).toEqual(INDEXED.map(payloadIndexName).sort());
    await declare(['name']);
    expect(indexNames()).toEqual([payloadIndexName('name')]);
  });

  it("lets SQLite's planner answer an implied condition from the index", async () => {
    await declare(INDEXED);
    for (const filter of [
      condition('name', 'eq', 'Apple'),
      condition('price', 'in', [5, 12]),
      condition('price', 'gt', 10),
      condition('name', 'lte', 'banana'),
      condition('metadata.category', 'eq', 'red'),
      condition("o'quote", 'eq', 'yes'),
    ]) {
      const implied = impliedPayloadCondition(filter, () => true)!;
      expect(implied).not.toBeNull();
      const plan = store.database
        .prepare(`EXPLAIN QUERY PLAN SELECT d.rowid FROM documents d WHERE d.collection_id = ? AND ${implied.sql}`)
        .all('col_p', ...implied.params) as { detail: string }[];
      expect(plan.map((row) => row.detail).join('\n')).toContain(implied.index);
      // And the store reads such a filter through the index rather than in slices.
      const compiled = compileFilterToSql(filter, { dataColumn: 'd.data', columns: {} });
      expect(indexedFilterScan(store.database, 'col_p', filter, compiled.sql, compiled.params)).not.toBeNull();
    }
  });

  it('implies nothing where an index could change results (case-sensitive string ranges, other operators, undeclared fields)', () => {
    expect(impliedPayloadCondition(condition('name', 'gt', 'b', true), () => true)).toBeNull();
    expect(impliedPayloadCondition(condition('name', 'contains', 'b'), () => true)).toBeNull();
    expect(impliedPayloadCondition(condition('name', 'ne', 'b'), () => true)).toBeNull();
    expect(impliedPayloadCondition({ kind: 'or', children: [condition('name', 'eq', 'b')] }, () => true)).toBeNull();
    expect(impliedPayloadCondition(condition('name', 'eq', 'b'), () => false)).toBeNull();
    expect(impliedPayloadCondition(condition('tags.0', 'eq', 'b'), () => true)).toBeNull();
  });

  it('keeps every result the reference selects, on edge cases and on generated filters over indexed fields', async () => {
    await declare(INDEXED);
    const cases: [FilterNode, string[]][] = [
      [condition('name', 'eq', 'KELVIN'), ['doc_arr', 'doc_ascii', 'doc_kelvin']],
      [condition('name', 'eq', 'kelvin', true), ['doc_ascii']],
      [condition('price', 'eq', 5), ['doc_arr', 'doc_ascii', 'doc_kelvin']],
      [condition("o'quote", 'eq', 'YES'), ['doc_quote']],
    ];
    for (const [filter, ids] of cases)
      expect(await select(filter)).toEqual([...ids, ...expected(filter).filter((id) => !ids.includes(id))].sort());
    const next = seededRandom(20261207);
    let indexed = 0;
    for (let round = 0; round < 600; round++) {
      let filter = makeFilter(next);
      if (filter.kind === 'condition')
        filter = { ...filter, operator: INDEXABLE[Math.floor(next() * INDEXABLE.length)] };
      // Half of them inside an AND with another generated filter, whose member may be the indexed one.
      if (next() < 0.5) filter = { kind: 'and', children: [filter, makeFilter(next)] };
      if (impliedPayloadCondition(filter, (field) => INDEXED.includes(field))) indexed++;
      expect(await select(filter), JSON.stringify(filter)).toEqual(expected(filter));
    }
    expect(indexed).toBeGreaterThan(200);
  });

  it('builds at start what a namespace declared before payload indexes existed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'quarry-payload-'));
    try {
      const first = createSqliteStore({ dataDir });
      const org = await first.organizations.create('old');
      await first.namespaces.create(
        { orgId: org.org_id },
        {
          namespace_id: 'ns_old',
          namespace_name: 'old',
          description: null,
          feature_extractors: [],
          payload_indexes: [],
          auto_create_indexes: false,
          created_at: 1,
          updated_at: 1,
        },
      );
      // As an older version left it: the declaration stored, no index.
      first.database
        .prepare("UPDATE namespaces SET payload_indexes = ? WHERE namespace_id = 'ns_old'")
        .run(JSON.stringify([{ field_name: 'sku', type: 'keyword' }]));
      await first.close();
      const second = createSqliteStore({ dataDir });
      await second.payloadIndexBuilds!.settled();
      expect(
        second.database
          .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'documents_payload_%'")
          .pluck()
          .all(),
      ).toEqual([payloadIndexName('sku')]);
      await second.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('stores declarations without building an index when payload indexes are off (the server default)', async () => {
    const off = createSqliteStore({ dataDir: ':memory:', payloadIndexes: false });
    try {
      const org = await off.organizations.create('off');
      await off.namespaces.create(
        { orgId: org.org_id },
        {
          namespace_id: 'ns_off',
          namespace_name: 'off',
          description: null,
          feature_extractors: [],
          payload_indexes: [{ field_name: 'sku', type: 'keyword' }],
          auto_create_indexes: false,
          created_at: 1,
          updated_at: 1,
        },
      );
      await off.namespaces.update(
        { orgId: org.org_id },
        'ns_off',
        { payload_indexes: [{ field_name: 'color', type: 'keyword' }] },
        2,
      );
      expect(
        off.database
          .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'documents_payload_%'")
          .pluck()
          .all(),
      ).toEqual([]);
      expect((await off.namespaces.resolve({ orgId: org.org_id }, 'ns_off'))?.payload_indexes).toEqual([
        { field_name: 'color', type: 'keyword' },
      ]);
    } finally {
      await off.close();
    }
  });
});

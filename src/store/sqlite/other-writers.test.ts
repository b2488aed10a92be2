import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FilterNode } from '../filter-node.js';
import type { TenantScope } from '../scope.js';
import type { NewDocument } from '../store.js';
import { createSqliteStore } from './create-sqlite-store.js';

const input = (documentId: string, text: string, category: string): NewDocument => ({
  document_id: documentId,
  data: { text, category },
  content: text,
  content_hash: `hash_${documentId}`,
  vector: Float32Array.from([1, documentId.length, 0]),
});
const category = (value: string): FilterNode => ({
  kind: 'condition',
  field: 'category',
  operator: 'eq',
  value,
  caseSensitive: false,
});

describe('writes by another process on the same SQLite file (quarry ingest next to quarry serve)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'quarry-other-writers-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("reach the server's in-memory text index, filter cache and vector slab at its next search", async () => {
    const server = createSqliteStore({ dataDir });
    const org = await server.organizations.create('two');
    const scope: TenantScope = { orgId: org.org_id, namespaceId: 'ns_two' };
    await server.namespaces.create(
      { orgId: org.org_id },
      {
        namespace_id: scope.namespaceId,
        namespace_name: 'two',
        description: null,
        feature_extractors: [],
        payload_indexes: [],
        auto_create_indexes: false,
        created_at: 1,
        updated_at: 1,
      },
    );
    await server.collections.create(scope, {
      collection_id: 'col_two',
      namespace_id: scope.namespaceId,
      collection_name: 'two',
      description: null,
      config: { source: { type: 'bucket' } },
      embedding_model: 'test',
      embedding_dimensions: 3,
      text_field: 'text',
      enabled: true,
      metadata: null,
      created_at: 1,
      updated_at: 1,
    });
    await server.documents.insertMany(scope, 'col_two', [input('d1', 'walrus on ice', 'arctic')], 1);
    const text = async () =>
      (await server.index.searchText(scope, { collectionIds: ['col_two'], text: 'walrus penguin', topK: 5 }))
        .map((hit) => hit.document_id)
        .sort();
    const filtered = async () =>
      (
        await server.index.searchVector(scope, {
          collectionIds: ['col_two'],
          vector: Float32Array.from([1, 0, 0]),
          topK: 5,
          filter: category('arctic'),
        })
      )
        .map((hit) => hit.document_id)
        .sort();
    expect(await text()).toEqual(['d1']);
    expect(await filtered()).toEqual(['d1']);

    const ingest = createSqliteStore({ dataDir });
    await ingest.documents.insertMany(scope, 'col_two', [input('d2', 'penguin colony', 'arctic')], 2);
    await ingest.documents.delete(scope, 'col_two', ['d1']);
    await ingest.close();

    expect(await text()).toEqual(['d2']);
    expect(await filtered()).toEqual(['d2']);
    await server.close();
  });
});

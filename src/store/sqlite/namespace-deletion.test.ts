import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TenantScope } from '../scope.js';
import { createSqliteStore } from './create-sqlite-store.js';
import type { SqliteDocumentIndex } from './sqlite-document-index.js';

describe('deleting a namespace', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'quarry-namespace-deletion-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("drops its collections' in-memory indexes and persisted HNSW files", async () => {
    const store = createSqliteStore({ dataDir, index: { hnswThreshold: 50 } });
    const index = store.index as SqliteDocumentIndex;
    const org = await store.organizations.create('deletion');
    const scope: TenantScope = { orgId: org.org_id, namespaceId: 'ns_doomed' };
    await store.namespaces.create(
      { orgId: org.org_id },
      {
        namespace_id: scope.namespaceId,
        namespace_name: 'doomed',
        description: null,
        feature_extractors: [],
        payload_indexes: [],
        auto_create_indexes: false,
        created_at: 1,
        updated_at: 1,
      },
    );
    await store.collections.create(scope, {
      collection_id: 'col_doomed',
      namespace_id: scope.namespaceId,
      collection_name: 'doomed',
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
    const documents = Array.from({ length: 60 }, (_, position) => ({
      document_id: `doc_${position}`,
      data: { text: `word${position % 7} shared` },
      content: `word${position % 7} shared`,
      content_hash: `hash_${position}`,
      vector: Float32Array.from([1, position, position % 3, 1]),
    }));
    await store.documents.insertMany(scope, 'col_doomed', documents, 1);
    await index.warm(scope, ['col_doomed']);
    await index.flush();
    const graphFile = join(dataDir, 'vector-index', 'col_doomed.hnsw');
    expect(existsSync(graphFile)).toBe(true);
    expect(index.textIndexStatus('col_doomed')).toEqual({ ready: true, size: 60 });

    await store.namespaces.delete({ orgId: org.org_id }, scope.namespaceId);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(graphFile)).toBe(false);
    expect(index.textIndexStatus('col_doomed')).toBeNull();
    expect(index.vectorIndexStatus('col_doomed')).toEqual({ mode: 'exact' });
    await store.close();
  });
});

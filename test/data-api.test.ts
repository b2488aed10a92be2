import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const videos = [
  {
    title: 'Intro to machine learning',
    description: 'Gradient descent and neural networks explained',
    level: 'beginner',
    views: 1200,
    tags: ['ml', 'ai'],
  },
  {
    title: 'Sourdough bread at home',
    description: 'Starter, folding and baking a crusty loaf',
    level: 'beginner',
    views: 300,
    tags: ['cooking'],
  },
  {
    title: 'Advanced deep learning',
    description: 'Transformers, attention and training tricks for neural networks',
    level: 'advanced',
    views: 5000,
    tags: ['ml'],
  },
];

describe('namespaces', () => {
  it('creates, lists, gets by name and id, patches and deletes with a cascade', async () => {
    const created = await server.request('POST', '/v1/namespaces', {
      body: {
        namespace_name: 'scratch',
        feature_extractors: [{ feature_extractor_name: 'text_extractor', version: 'v1' }],
      },
    });
    expect(created.status).toBe(200);
    expect(created.body.namespace_id).toMatch(/^ns_/);
    expect(
      (await server.request('POST', '/v1/namespaces', { body: { namespace_name: 'scratch' } })).body.error.type,
    ).toBe('AlreadyExistsError');
    const byName = await server.request('GET', '/v1/namespaces/scratch');
    const byId = await server.request('GET', `/v1/namespaces/${created.body.namespace_id}`);
    expect(byName.body.namespace_id).toBe(byId.body.namespace_id);
    const listed = await server.request('POST', '/v1/namespaces/list', { body: { search: 'scr' } });
    expect(listed.body.results.map((namespace: any) => namespace.namespace_name)).toEqual(['scratch']);
    const patched = await server.request('PATCH', '/v1/namespaces/scratch', { body: { description: 'temp' } });
    expect(patched.body.description).toBe('temp');

    await server.request('POST', '/v1/collections', {
      namespace: 'scratch',
      body: {
        collection_name: 'things',
        feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' },
      },
    });
    await server.request('POST', '/v1/collections/things/documents', { namespace: 'scratch', body: { title: 'x' } });
    await server.request('POST', '/v1/agents/sessions', { namespace: 'scratch', body: { agent_config: {} } });
    const deleted = await server.request('DELETE', '/v1/namespaces/scratch');
    expect(deleted.status).toBe(200);
    expect(deleted.body.removed).toMatchObject({ sessions: 1, collections: 1, documents: 1 });
    expect((await server.request('GET', '/v1/namespaces/scratch')).status).toBe(404);
  });
});

describe('payload indexes', () => {
  const payloadIndexCount = async (): Promise<number> => {
    const store = server.store as unknown as {
      kind: string;
      database: { prepare(sql: string): { pluck(): { all(): unknown[] } } } & {
        query(sql: string): Promise<{ rows: unknown[] }>;
      };
    };
    if (store.kind === 'sqlite')
      return store.database
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'documents_payload_%'")
        .pluck()
        .all().length;
    return (
      await store.database.query(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'documents' AND indexname LIKE 'documents_payload_%'",
      )
    ).rows.length;
  };
  /** Payload indexes are built (and dropped) in the background: waits for the store's builder. */
  const builds = async () =>
    (
      server.store as unknown as { payloadIndexBuilds?: { settled(): Promise<void> } | null }
    ).payloadIndexBuilds?.settled();
  it('refuses more than 16 declared fields per namespace with a 422 (each is an index on the shared documents table)', async () => {
    const many = Array.from({ length: 17 }, (_, index) => ({ field_name: `f${index}`, type: 'keyword' }));
    const refused = await server.request('POST', '/v1/namespaces', {
      body: { namespace_name: 'too_many_indexes', payload_indexes: many },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.type).toBe('ValidationError');
    expect(await payloadIndexCount()).toBe(0);
  });

  it('declared on the namespace, show on its collections, index their documents and leave filter results as they were', async () => {
    const payload_indexes = [{ field_name: 'level', type: 'keyword' }];
    const created = await server.request('POST', '/v1/namespaces', {
      body: { namespace_name: 'indexed', payload_indexes },
    });
    expect(created.body.payload_indexes).toMatchObject(payload_indexes);
    // Built in the background: the answer may come before the build ends.
    expect(['building', 'ready']).toContain(created.body.payload_indexes[0].status);
    await server.request('POST', '/v1/collections', {
      namespace: 'indexed',
      body: {
        collection_name: 'clips',
        feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' },
      },
    });
    for (const video of videos)
      await server.request('POST', '/v1/collections/clips/documents', { namespace: 'indexed', body: video });
    const list = (filters: unknown) =>
      server.request('POST', '/v1/collections/clips/documents/list', { namespace: 'indexed', body: { filters } });
    const before = (await list({ field: 'views', operator: 'gte', value: 1000 })).body.results
      .map((document: any) => document.title)
      .sort();
    const patched = await server.request('PATCH', '/v1/namespaces/indexed', {
      body: { payload_indexes: [...payload_indexes, { field_name: 'views', type: 'integer' }] },
    });
    expect(patched.body.payload_indexes.map((index: any) => index.field_name)).toEqual(['level', 'views']);
    await builds();
    expect(
      (await server.request('GET', '/v1/namespaces/indexed')).body.payload_indexes.map((index: any) => index.status),
    ).toEqual(['ready', 'ready']);
    expect(
      (await server.request('GET', '/v1/collections/clips', { namespace: 'indexed' })).body.payload_indexes.map(
        (index: any) => index.field_name,
      ),
    ).toEqual(['level', 'views']);
    // Two fields: one index each on SQLite, two each (text and number keys) on PostgreSQL.
    const perField = server.store.kind === 'sqlite' ? 1 : 2;
    expect(await payloadIndexCount()).toBe(2 * perField);
    expect(
      (await list({ field: 'views', operator: 'gte', value: 1000 })).body.results
        .map((document: any) => document.title)
        .sort(),
    ).toEqual(before);
    expect((await list({ field: 'level', operator: 'eq', value: 'BEGINNER' })).body.results).toHaveLength(2);
    await server.request('DELETE', '/v1/namespaces/indexed');
    await builds();
    expect(await payloadIndexCount()).toBe(0);
  });
});

describe('collections and documents', () => {
  let collectionId: string;
  const ids: string[] = [];

  beforeAll(async () => {
    const created = await server.request('POST', '/v1/collections', {
      body: {
        collection_name: 'videos',
        description: 'demo',
        source: { type: 'bucket', bucket_ids: ['bkt_1'] },
        feature_extractor: {
          feature_extractor_name: 'text_extractor',
          version: 'v1',
          input_mappings: { text: 'description' },
        },
      },
    });
    expect(created.status).toBe(200);
    collectionId = created.body.collection_id;
    for (const video of videos) {
      const response = await server.request('POST', '/v1/collections/videos/documents', { body: video });
      expect(response.status).toBe(200);
      ids.push(response.body.document_id);
    }
  });

  it("orders collection and namespace lists by the SDK's `sorts` as by `sort`", async () => {
    for (const name of ['sort_b', 'sort_a', 'sort_c'])
      await server.request('POST', '/v1/collections', {
        body: { collection_name: name, feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' } },
      });
    const names = (body: { results: { collection_name: string }[] }) =>
      body.results.map((collection) => collection.collection_name).filter((name) => name.startsWith('sort_'));
    const bySorts = await server.request('POST', '/v1/collections/list', {
      body: { sorts: [{ field: 'collection_name', direction: 'asc' }] },
    });
    expect(names(bySorts.body)).toEqual(['sort_a', 'sort_b', 'sort_c']);
    const bySort = await server.request('POST', '/v1/collections/list', {
      body: { sort: { field: 'collection_name', direction: 'desc' } },
    });
    expect(names(bySort.body)).toEqual(['sort_c', 'sort_b', 'sort_a']);
    const namespaces = await server.request('POST', '/v1/namespaces/list', {
      body: { sorts: [{ field: 'namespace_name', direction: 'asc' }] },
    });
    const listed = namespaces.body.results.map((namespace: { namespace_name: string }) => namespace.namespace_name);
    expect(listed).toEqual([...listed].sort());
  });

  it('validates names and extractors with clear 422s', async () => {
    const badName = await server.request('POST', '/v1/collections', {
      body: { collection_name: 'a b', feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' } },
    });
    expect(badName.status).toBe(422);
    const badExtractor = await server.request('POST', '/v1/collections', {
      body: {
        collection_name: 'pics',
        feature_extractor: { feature_extractor_name: 'image_extractor', version: 'v1' },
      },
    });
    expect(badExtractor.status).toBe(422);
    expect(badExtractor.body.error.message).toContain('text_extractor@v1');
    const duplicate = await server.request('POST', '/v1/collections', {
      body: {
        collection_name: 'videos',
        feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' },
      },
    });
    expect(duplicate.status).toBe(409);
  });

  it('gets a collection by name and id with its document count, and its features', async () => {
    expect(collectionId).toMatch(/^col_[a-z0-9]{10}$/);
    const byName = await server.request('GET', '/v1/collections/videos');
    expect(byName.body).toMatchObject({ collection_id: collectionId, document_count: 3 });
    const features = await server.request('GET', `/v1/collections/${collectionId}/features`);
    expect(features.body.features[0].feature_address).toBe('mixpeek://text_extractor@v1/quarry-hash-embed');
    const extractors = await server.request('GET', '/v1/collections/features/extractors');
    expect(extractors.body[0].feature_extractor_id).toBe('text_extractor_v1');
    const patched = await server.request('PATCH', '/v1/collections/videos', { body: { description: 'updated' } });
    expect(patched.body.description).toBe('updated');
    expect((await server.request('PATCH', '/v1/collections/videos', { body: { feature_extractor: {} } })).status).toBe(
      422,
    );
  });

  it('returns documents with user fields at the root', async () => {
    const document = await server.request('GET', `/v1/collections/videos/documents/${ids[0]}`);
    expect(document.body).toMatchObject({
      document_id: ids[0],
      collection_id: collectionId,
      title: 'Intro to machine learning',
      level: 'beginner',
    });
    expect(document.body._internal.namespace_id).toMatch(/^ns_/);
    const withVector = await server.request('GET', `/v1/collections/videos/documents/${ids[0]}?return_vectors=true`);
    expect(withVector.body.features[0].vectors.text_extractor_v1_embedding).toHaveLength(384);
  });

  it('lists with the filter language, sort, select and cursor paging', async () => {
    const list = (body: unknown, query = '') =>
      server.request('POST', `/v1/collections/videos/documents/list${query}`, { body });
    const beginners = await list({ filters: { AND: [{ field: 'level', operator: 'eq', value: 'beginner' }] } });
    expect(beginners.body.results).toHaveLength(2);
    const popular = await list({
      filters: { field: 'views', operator: 'gte', value: 1000 },
      sort: { field: 'views', direction: 'desc' },
      select: ['title'],
    });
    expect(popular.body.results.map((document: any) => document.title)).toEqual([
      'Advanced deep learning',
      'Intro to machine learning',
    ]);
    expect(Object.keys(popular.body.results[0]).sort()).toEqual(['collection_id', 'document_id', 'title']);
    const tagged = await list({ filters: { field: 'tags', operator: 'contains', value: 'ml' } });
    expect(tagged.body.results).toHaveLength(2);
    const searched = await list({ search: 'neural' });
    expect(searched.body.results).toHaveLength(2);
    const first = await list({}, '?limit=2');
    expect(first.body.pagination.next_cursor).toBeTruthy();
    const second = await list({ cursor: first.body.pagination.next_cursor }, '?limit=2');
    expect(second.body.results).toHaveLength(1);
    const bad = await list({ filters: { field: 'views', operator: 'between', value: 1 } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/between/);
  });

  it('re-indexes on update and deletes', async () => {
    const before = await server.request('POST', '/v1/collections/videos/documents/list', {
      body: { search: 'sourdough' },
    });
    expect(before.body.results).toHaveLength(0); // the text field is `description`
    await server.request('PATCH', `/v1/collections/videos/documents/${ids[1]}`, {
      body: { description: 'A sourdough loaf with a crisp crust' },
    });
    const after = await server.request('POST', '/v1/collections/videos/documents/list', {
      body: { search: 'sourdough' },
    });
    expect(after.body.results.map((document: any) => document.document_id)).toEqual([ids[1]]);
    const updated = await server.request('GET', `/v1/collections/videos/documents/${ids[1]}`);
    expect(updated.body.title).toBe('Sourdough bread at home');
    const batch = await server.request('POST', '/v1/collections/videos/documents/batch', {
      body: { filters: { field: 'level', operator: 'eq', value: 'advanced' }, update_data: { featured: true } },
    });
    expect(batch.body.updated_count).toBe(1);
    const deleted = await server.request('DELETE', `/v1/collections/videos/documents/${ids[1]}`);
    expect(deleted.body.success).toBe(true);
    expect((await server.request('GET', `/v1/collections/videos/documents/${ids[1]}`)).status).toBe(404);
  });

  it('batch delete by ids names the id that failed', async () => {
    const created = await server.request('POST', '/v1/collections/videos/documents', {
      body: { title: 'Short-lived', description: 'to delete' },
    });
    const id = created.body.document_id as string;
    const batch = await server.request('DELETE', '/v1/collections/videos/documents/batch', {
      body: { document_ids: [id, 'doc_missing'] },
    });
    expect(batch.status).toBe(200);
    expect(batch.body).toMatchObject({
      deleted_count: 1,
      failed_count: 1,
      results: [
        { document_id: id, success: true },
        { document_id: 'doc_missing', success: false, error: expect.stringContaining('doc_missing') },
      ],
    });
  });

  it('creates batches all or nothing and chunks long text', async () => {
    const bad = await server.request('POST', '/v1/collections/videos/documents/bulk-create', {
      body: {
        documents: [
          { title: 'ok' },
          { title: 'bad', features: [{ feature_extractor_id: 'text_extractor_v1', vectors: { e: [1, 2, 3] } }] },
        ],
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toContain('384');
    const count = (await server.request('GET', '/v1/collections/videos')).body.document_count;
    const good = await server.request('POST', '/v1/collections/videos/documents', {
      body: {
        documents: [
          { title: 'a', description: 'x' },
          { title: 'b', description: 'y' },
        ],
      },
    });
    expect(good.body.created_count).toBe(2);
    expect((await server.request('GET', '/v1/collections/videos')).body.document_count).toBe(count + 2);

    await server.request('POST', '/v1/collections', {
      body: {
        collection_name: 'chunked',
        feature_extractor: {
          feature_extractor_name: 'text_extractor',
          version: 'v1',
          input_mappings: { text: 'body' },
          parameters: { split_by: 'words', chunk_size: 3, chunk_overlap: 0 },
        },
      },
    });
    const chunked = await server.request('POST', '/v1/collections/chunked/documents', {
      body: { body: 'one two three four five six seven' },
    });
    expect(chunked.body.chunk_document_ids).toHaveLength(3);
    expect(chunked.body.metadata).toMatchObject({ chunk_index: 0, total_chunks: 3, chunk_text: 'one two three' });
  });

  it("keeps other tenants' collections invisible", async () => {
    const other = await server.createOrganization('data-other');
    expect((await server.request('GET', '/v1/collections/videos', { apiKey: other.apiKey })).status).toBe(404);
    expect((await server.request('GET', `/v1/collections/${collectionId}`, { apiKey: other.apiKey })).status).toBe(404);
    expect(
      (await server.request('GET', `/v1/collections/${collectionId}/documents/${ids[0]}`, { apiKey: other.apiKey }))
        .status,
    ).toBe(404);
    expect(
      (
        await server.request('POST', `/v1/collections/${collectionId}/documents`, {
          apiKey: other.apiKey,
          body: { title: 'intruder' },
        })
      ).status,
    ).toBe(404);
    const theirs = await server.request('POST', '/v1/collections/list', { apiKey: other.apiKey });
    expect(theirs.body.results).toEqual([]);
    expect(
      (await server.request('GET', '/v1/namespaces/default', { apiKey: other.apiKey })).body.namespace_id,
    ).not.toBe((await server.request('GET', '/v1/namespaces/default')).body.namespace_id);
  });
});

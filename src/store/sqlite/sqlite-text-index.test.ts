import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantScope } from '../scope.js';
import type { NewDocument } from '../store.js';
import { createSqliteStore, type SqliteStore } from './create-sqlite-store.js';
import type { SqliteDocumentIndex } from './sqlite-document-index.js';
import { ftsAnyOf } from './fts-query.js';
import { tokenize } from '../text/tokenize.js';

const DEMO = fileURLToPath(new URL('../../../data/demo/videos.jsonl', import.meta.url));
const videos = readFileSync(DEMO, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as { title: string; description: string; tags: string[] });
const textOf = (video: (typeof videos)[number]) => `${video.title}\n${video.description}\n${video.tags.join(', ')}`;
const QUERIES = [
  'machine learning',
  'videos about machine learning',
  'sourdough bread baking',
  'Jupiter moons',
  'budget travel Japan',
  'learn guitar chords',
  'the',
  'transformers pytorch from scratch',
  'climate science permafrost',
  'chess openings for beginners',
];

function input(documentId: string, text: string): NewDocument {
  return { document_id: documentId, data: { text }, content: text, content_hash: `hash_${documentId}`, vector: null };
}

async function openStore(inlineLimit?: number) {
  const store = createSqliteStore({
    dataDir: ':memory:',
    index: inlineLimit === undefined ? {} : { textInlineBuildLimit: inlineLimit },
  });
  const org = await store.organizations.create('text');
  const scope: TenantScope = { orgId: org.org_id, namespaceId: 'ns_text' };
  await store.namespaces.create(
    { orgId: org.org_id },
    {
      namespace_id: scope.namespaceId,
      namespace_name: 'text',
      description: null,
      feature_extractors: [],
      payload_indexes: [],
      auto_create_indexes: false,
      created_at: 1,
      updated_at: 1,
    },
  );
  await store.collections.create(scope, {
    collection_id: 'col_text',
    namespace_id: scope.namespaceId,
    collection_name: 'text',
    description: null,
    config: { source: { type: 'bucket' } },
    embedding_model: 'none',
    embedding_dimensions: 3,
    text_field: 'text',
    enabled: true,
    metadata: null,
    created_at: 1,
    updated_at: 1,
  });
  return { store, scope, index: store.index as SqliteDocumentIndex };
}

/** What FTS5's own bm25() says, best first (scores made higher-is-better). */
function ftsRanking(store: SqliteStore, text: string, limit: number): { document_id: string; score: number }[] {
  return store.database
    .prepare(
      `SELECT d.document_id, -bm25(documents_fts) AS score FROM documents_fts JOIN documents d ON d.rowid = documents_fts.rowid
       WHERE documents_fts MATCH ? ORDER BY rank LIMIT ?`,
    )
    .all(ftsAnyOf(text), limit) as { document_id: string; score: number }[];
}

describe('the in-memory BM25 index against FTS5 on the demo catalogue', () => {
  let fixture: Awaited<ReturnType<typeof openStore>>;
  beforeAll(async () => {
    fixture = await openStore();
    await fixture.store.documents.insertMany(
      fixture.scope,
      'col_text',
      videos.map((video, position) => input(`doc_${position}`, textOf(video))),
      1,
    );
  });
  afterAll(() => fixture.store.close());

  it('tokenizes every document into exactly the terms FTS5 indexed', () => {
    const indexed = new Set(
      fixture.store.database
        .exec(`CREATE VIRTUAL TABLE temp.vocabulary USING fts5vocab(main, documents_fts, 'row')`)
        .prepare('SELECT term FROM temp.vocabulary')
        .pluck()
        .all() as string[],
    );
    const ours = new Set(videos.flatMap((video) => tokenize(textOf(video))));
    expect([...ours].filter((term) => !indexed.has(term))).toEqual([]);
    expect([...indexed].filter((term) => !ours.has(term))).toEqual([]);
  });

  it('gives the same scores as FTS5 bm25() when the collection is the whole table', async () => {
    for (const query of QUERIES) {
      const ours = await fixture.index.searchText(fixture.scope, {
        collectionIds: ['col_text'],
        text: query,
        topK: 20,
      });
      const theirs = ftsRanking(fixture.store, query, 20);
      expect(ours.length, query).toBe(theirs.length);
      ours.forEach((hit, position) =>
        expect(hit.score, `${query} #${position}`).toBeCloseTo(theirs[position].score, 6),
      );
      // Equal scores may come in either order; any other difference is a ranking bug.
      const distinctScores = new Set(theirs.map((hit) => hit.score.toFixed(9))).size === theirs.length;
      if (distinctScores)
        expect(
          ours.map((hit) => hit.document_id),
          query,
        ).toEqual(theirs.map((hit) => hit.document_id));
    }
    expect(fixture.index.textIndexStatus('col_text')).toEqual({ ready: true, size: videos.length });
  });
});

describe('the in-memory BM25 index follows writes', () => {
  it('sees inserts, replacements and deletions made through the documents repository', async () => {
    const { store, scope, index } = await openStore();
    const search = async (text: string) =>
      (await index.searchText(scope, { collectionIds: ['col_text'], text, topK: 5 })).map((hit) => hit.document_id);
    await store.documents.insertMany(
      scope,
      'col_text',
      [input('doc_a', 'walrus on the ice'), input('doc_b', 'penguin colony')],
      1,
    );
    expect(await search('walrus')).toEqual(['doc_a']);
    await store.documents.insertMany(scope, 'col_text', [input('doc_c', 'a walrus and a penguin')], 2);
    expect((await search('walrus')).sort()).toEqual(['doc_a', 'doc_c']);
    await store.documents.replace(scope, 'col_text', input('doc_a', 'narwhal under the ice'), 3);
    expect(await search('walrus')).toEqual(['doc_c']);
    expect(await search('narwhal')).toEqual(['doc_a']);
    expect(await store.documents.delete(scope, 'col_text', ['doc_c', 'doc_missing'])).toBe(1);
    expect(await search('walrus penguin')).toEqual(['doc_b']);
    expect(index.textIndexStatus('col_text')).toEqual({ ready: true, size: 2 });
    await store.close();
  });

  it('builds a large collection in the background while FTS5 answers, with the same results', async () => {
    const { store, scope, index } = await openStore(100);
    const documents = videos.slice(0, 600).map((video, position) => input(`doc_${position}`, textOf(video)));
    await store.documents.insertMany(scope, 'col_text', documents, 1);
    const query = { collectionIds: ['col_text'], text: 'machine learning tutorial', topK: 10 };
    const fromFts = await index.searchText(scope, query);
    expect(index.textIndexStatus('col_text')).toEqual({ ready: false, size: expect.any(Number) });
    // A write during the build lands in the index too.
    await store.documents.insertMany(
      scope,
      'col_text',
      [input('doc_new', 'machine learning machine learning tutorial')],
      2,
    );
    await index.warm(scope, ['col_text']);
    expect(index.textIndexStatus('col_text')).toEqual({ ready: true, size: 601 });
    const fromMemory = await index.searchText(scope, query);
    expect(fromMemory[0].document_id).toBe('doc_new');
    expect(new Set(fromMemory.slice(1, 6).map((hit) => hit.document_id))).toEqual(
      new Set(fromFts.slice(0, 5).map((hit) => hit.document_id)),
    );
    await store.close();
  });
});

describe('the in-memory BM25 index and the rows it reads', () => {
  it('never indexes a rowid SQLite reused for another collection during a background build', async () => {
    const { store, scope, index } = await openStore(10);
    await store.collections.create(scope, {
      collection_id: 'col_other',
      namespace_id: scope.namespaceId,
      collection_name: 'other',
      description: null,
      config: { source: { type: 'bucket' } },
      embedding_model: 'none',
      embedding_dimensions: 3,
      text_field: 'text',
      enabled: true,
      metadata: null,
      created_at: 1,
      updated_at: 1,
    });
    await store.documents.insertMany(
      scope,
      'col_text',
      Array.from({ length: 200 }, (_, position) => input(`doc_${position}`, `ordinary text ${position}`)),
      1,
    );
    await index.searchText(scope, { collectionIds: ['col_text'], text: 'ordinary', topK: 5 });
    expect(index.textIndexStatus('col_text')?.ready).toBe(false);
    // The highest rowid is freed, and the next insert anywhere takes it.
    await store.documents.delete(scope, 'col_text', ['doc_199']);
    await store.documents.insertMany(scope, 'col_other', [input('doc_secret', 'secretword payroll')], 2);
    await index.warm(scope, ['col_text']);
    expect(await index.searchText(scope, { collectionIds: ['col_text'], text: 'secretword payroll', topK: 5 })).toEqual(
      [],
    );
    expect(
      (await index.searchText(scope, { collectionIds: ['col_other'], text: 'secretword', topK: 5 })).map(
        (hit) => hit.document_id,
      ),
    ).toEqual(['doc_secret']);
    await store.close();
  });
});

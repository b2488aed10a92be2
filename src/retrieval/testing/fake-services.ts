/**
 * @module retrieval/testing/fake-services
 * An in-memory `DocumentIndex` and `Embedder` for tests: BM25 over the
 * collection's text field, cosine over hashed word vectors, filters through
 * `matchesFilter`. Every index call is recorded so tests can assert pushdown.
 */
import type { FilterNode } from '../../store/filter-node.js';
import { matchesFilter } from '../filters/match-filter.js';
import { bm25Scores, contentTerms } from '../stages/text-analysis.js';
import type {
  CollectionInfo,
  DocumentIndex,
  Embedder,
  IndexQuery,
  RetrievalServices,
  ScoredHit,
  StageLanguageModel,
} from '../types.js';

export const FAKE_EMBEDDING_MODEL = 'fake-hash-embed';
export const FAKE_DIMENSIONS = 32;

export interface FakeIndexCall {
  method: 'searchText' | 'searchVector' | 'scan' | 'loadDocuments' | 'loadVectors';
  collectionIds?: string[];
  filter?: FilterNode | null;
  topK?: number;
  text?: string;
}

export interface FakeServices extends RetrievalServices {
  calls: FakeIndexCall[];
  embedCalls: { model: string; texts: string[] }[];
}

export function fakeCollection(overrides: Partial<CollectionInfo> = {}): CollectionInfo {
  return {
    collection_id: 'col_test',
    collection_name: 'articles',
    embedding_model: FAKE_EMBEDDING_MODEL,
    embedding_dimensions: FAKE_DIMENSIONS,
    text_field: 'text',
    ...overrides,
  };
}

/** Hashes each content word into one of `dimensions` buckets, then L2-normalises. */
export function hashEmbedding(text: string, dimensions = FAKE_DIMENSIONS): Float32Array {
  const vector = new Float32Array(dimensions);
  for (const term of contentTerms(text)) {
    let hash = 2166136261;
    for (const character of term) hash = Math.imul(hash ^ character.charCodeAt(0), 16777619);
    vector[Math.abs(hash) % dimensions] += 1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

export function createFakeServices(options: {
  documents: Record<string, unknown>[];
  collections?: CollectionInfo[];
  now?: () => number;
  languageModel?: StageLanguageModel | null;
  /** Called before every index search, e.g. to advance a fake clock or wait for an abort. */
  onSearch?: (signal?: AbortSignal) => Promise<void> | void;
  /** Text hits report query-term coverage (the share of the query's distinct content words the document has), as the real index does. */
  coverage?: boolean;
}): FakeServices {
  const collections = options.collections ?? [fakeCollection()];
  const calls: FakeIndexCall[] = [];
  const embedCalls: { model: string; texts: string[] }[] = [];
  const textOf = (document: Record<string, unknown>) => {
    const collection = collections.find((candidate) => candidate.collection_id === document.collection_id);
    return String(document[collection?.text_field ?? 'text'] ?? '');
  };
  const vectors = new Map<string, Float32Array>();
  for (const document of options.documents) {
    const collection = collections.find((candidate) => candidate.collection_id === document.collection_id);
    vectors.set(
      String(document.document_id),
      hashEmbedding(textOf(document), collection?.embedding_dimensions ?? FAKE_DIMENSIONS),
    );
  }
  const candidates = (query: IndexQuery) =>
    options.documents.filter(
      (document) =>
        query.collectionIds.includes(String(document.collection_id)) &&
        (!query.filter || matchesFilter(query.filter, document)),
    );
  const hit = (document: Record<string, unknown>, score: number): ScoredHit => ({
    document_id: String(document.document_id),
    collection_id: String(document.collection_id),
    score,
  });
  const ranked = (hits: ScoredHit[], topK: number) =>
    hits
      .sort((left, right) => right.score - left.score || left.document_id.localeCompare(right.document_id))
      .slice(0, topK);

  const index: DocumentIndex = {
    async searchText(_scope, query, signal) {
      calls.push({
        method: 'searchText',
        collectionIds: query.collectionIds,
        filter: query.filter,
        topK: query.topK,
        text: query.text,
      });
      await options.onSearch?.(signal);
      const pool = candidates(query);
      const scores = bm25Scores(query.text, pool.map(textOf));
      const terms = [...new Set(contentTerms(query.text))];
      const coverageOf = (document: Record<string, unknown>) => {
        const present = new Set(contentTerms(textOf(document)));
        return terms.filter((term) => present.has(term)).length / (terms.length || 1);
      };
      const hits = pool.map((document, position) => ({
        ...hit(document, scores[position]),
        ...(options.coverage && { coverage: coverageOf(document) }),
      }));
      return ranked(
        hits.filter((entry) => entry.score > 0),
        query.topK,
      );
    },
    async searchVector(_scope, query, signal) {
      calls.push({
        method: 'searchVector',
        collectionIds: query.collectionIds,
        filter: query.filter,
        topK: query.topK,
      });
      await options.onSearch?.(signal);
      return ranked(
        candidates(query).map((document) =>
          hit(document, cosine(query.vector, vectors.get(String(document.document_id))!)),
        ),
        query.topK,
      );
    },
    async scan(_scope, query, signal) {
      calls.push({ method: 'scan', collectionIds: query.collectionIds, filter: query.filter, topK: query.topK });
      await options.onSearch?.(signal);
      const pool = [...candidates(query)].sort((left, right) =>
        String(right.created_at ?? '').localeCompare(String(left.created_at ?? '')),
      );
      return pool.slice(0, query.topK).map((document) => hit(document, 0));
    },
    async loadDocuments(_scope, documentIds) {
      calls.push({ method: 'loadDocuments' });
      const byId = new Map(options.documents.map((document) => [String(document.document_id), document]));
      return documentIds.flatMap((id) => (byId.has(id) ? [structuredClone(byId.get(id)!)] : []));
    },
    async loadVectors(_scope, documentIds) {
      calls.push({ method: 'loadVectors' });
      return new Map(documentIds.flatMap((id) => (vectors.has(id) ? [[id, vectors.get(id)!] as const] : [])));
    },
  };
  const embedder: Embedder = {
    async embed(model, texts) {
      embedCalls.push({ model, texts });
      const dimensions =
        collections.find((collection) => collection.embedding_model === model)?.embedding_dimensions ?? FAKE_DIMENSIONS;
      return texts.map((text) => hashEmbedding(text, dimensions));
    },
  };
  return {
    scope: { orgId: 'org_test', namespaceId: 'ns_test' },
    index,
    embedder,
    collections,
    languageModel: options.languageModel ?? null,
    now: options.now ?? (() => Date.now()),
    calls,
    embedCalls,
  };
}

function cosine(left: Float32Array, right: Float32Array): number {
  let dot = 0;
  for (let position = 0; position < Math.min(left.length, right.length); position++)
    dot += left[position] * right[position];
  return dot;
}

/** A scripted language model: answers come from `respond`, every prompt is recorded. */
export function fakeLanguageModel(respond: (prompt: string) => string): StageLanguageModel & { prompts: string[] } {
  const prompts: string[] = [];
  return {
    modelId: 'fake-model',
    prompts,
    async complete(prompt) {
      prompts.push(prompt);
      return { text: respond(prompt), tokensUsed: Math.ceil(prompt.length / 4) };
    },
  };
}

export const SAMPLE_DOCUMENTS: Record<string, unknown>[] = [
  {
    document_id: 'doc_1',
    collection_id: 'col_test',
    title: 'Cats and dogs',
    text: 'Cats are small furry pets. Dogs are loyal pets.',
    category: 'pets',
    price: 10,
    tags: ['animals', 'pets'],
    created_at: '2025-01-01T00:00:00Z',
  },
  {
    document_id: 'doc_2',
    collection_id: 'col_test',
    title: 'Rocket engines',
    text: 'Rocket engines burn fuel to produce thrust for launch.',
    category: 'space',
    price: 200,
    tags: ['space'],
    created_at: '2025-02-01T00:00:00Z',
  },
  {
    document_id: 'doc_3',
    collection_id: 'col_test',
    title: 'Cat nutrition',
    text: 'Cats need protein rich food. Feeding cats well keeps them healthy.',
    category: 'pets',
    price: 25,
    tags: ['animals', 'food'],
    created_at: '2025-03-01T00:00:00Z',
  },
  {
    document_id: 'doc_4',
    collection_id: 'col_test',
    title: 'Mars missions',
    text: 'Missions to Mars use rocket launch windows every two years.',
    category: 'space',
    price: 150,
    tags: ['space', 'mars'],
    created_at: '2025-04-01T00:00:00Z',
  },
  {
    document_id: 'doc_5',
    collection_id: 'col_test',
    title: 'Garden birds',
    text: 'Birds visit gardens for seeds and water.',
    category: 'nature',
    price: null,
    tags: [],
    created_at: '2025-05-01T00:00:00Z',
  },
];

/**
 * @module retrieval/document-service
 * (About 335 lines: create, update, re-index and batch share one preparation path — extract, chunk, embed, hash — kept in one place so they cannot drift.)
 * Documents: user fields at the root, the text the collection's extractor
 * reads (chunked when the collection says so), its embedding, and a
 * content hash so re-ingesting the same record stores nothing new.
 */
import type { DocumentListQuery, NewDocument, Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { CollectionRecord, DocumentRecord } from '../store/data-records.js';
import type { EmbeddingCatalog } from './embedding-catalog.js';
import { ALL_TEXT_FIELDS } from './collection-service.js';
import { chunkText, type SplitBy } from './chunk-text.js';
import { errors, type ValidationIssue } from '../errors.js';
import { newDocumentId } from '../lib/ids.js';
import { contentHash } from '../lib/content-hash.js';
import { parseFilter } from './filters/parse-filter.js';
import { normalizeVector } from '../lib/normalize-vector.js';
import { valueDeeperThan } from '../lib/json-depth.js';
import { workSlices } from '../lib/work-slices.js';

/** Keys of a create body that describe the document rather than being its fields. */
const RESERVED = new Set(['collection_id', 'features', 'document_id', '_internal', 'document_blobs', 'score']);
export const MAX_BATCH = 1000;
/** How deep a document's fields may nest (SQLite's JSON functions refuse past 1,000 levels). */
export const MAX_DOCUMENT_DEPTH = 100;

export interface PreparedDocument extends NewDocument {
  source_index: number;
}

export function createDocumentService(store: Store, embeddings: EmbeddingCatalog, now: () => number) {
  /** Validates, chunks and embeds a batch; throws a 422 naming every bad document. */
  async function prepare(
    collection: CollectionRecord,
    bodies: Record<string, unknown>[],
    signal?: AbortSignal,
  ): Promise<PreparedDocument[]> {
    const issues: ValidationIssue[] = [];
    const prepared: PreparedDocument[] = [];
    const toEmbed: { document: PreparedDocument; text: string }[] = [];
    const parameters =
      (collection.config.feature_extractor as { parameters?: Record<string, unknown> }).parameters ?? {};
    // Hashing, chunking and checking 1,000 large documents is long synchronous work: done in slices.
    const slices = workSlices();
    for (const [index, body] of bodies.entries()) {
      await slices.maybeYield();
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        issues.push({
          type: 'dict_type',
          location: ['body', 'documents', index],
          message: 'A document must be a JSON object.',
        });
        continue;
      }
      const data = Object.fromEntries(Object.entries(body).filter(([key]) => !RESERVED.has(key)));
      if (valueDeeperThan(data, MAX_DOCUMENT_DEPTH)) {
        // Refused at write time: SQLite's JSON functions stop at 1,000 levels, and one such document made every filtered query of its collection fail.
        issues.push({
          type: 'json_depth',
          location: ['body', 'documents', index],
          message: `The document nests objects and arrays deeper than the limit of ${MAX_DOCUMENT_DEPTH} levels.`,
        });
        continue;
      }
      const suppliedVector = readSuppliedVector(body, collection, index, issues);
      const text = extractText(data, collection.text_field);
      const chunks = chunkText(text, {
        splitBy: (parameters.split_by as SplitBy) ?? 'none',
        chunkSize: Number(parameters.chunk_size ?? 1000),
        chunkOverlap: Number(parameters.chunk_overlap ?? 0),
      });
      const hash = contentHash(data);
      chunks.forEach((chunk, chunkIndex) => {
        const chunked = chunks.length > 1;
        const chunkData = chunked
          ? {
              ...data,
              metadata: {
                ...(data.metadata as object),
                chunk_index: chunkIndex,
                chunk_text: chunk,
                total_chunks: chunks.length,
              },
            }
          : data;
        const document: PreparedDocument = {
          document_id: newDocumentId(),
          data: chunkData,
          content: chunk,
          content_hash: chunked ? `${hash}:${chunkIndex}` : hash,
          vector: suppliedVector && !chunked ? suppliedVector : null,
          source_index: index,
        };
        prepared.push(document);
        if (!document.vector && chunk.trim().length > 0) toEmbed.push({ document, text: chunk });
      });
    }
    if (issues.length > 0) throw errors.validation(issues);
    if (toEmbed.length > 0) {
      const vectors = await embeddings.embed(
        collection.embedding_model,
        toEmbed.map((item) => item.text),
        signal,
      );
      toEmbed.forEach((item, position) => (item.document.vector = vectors[position]));
    }
    return prepared;
  }

  async function collectionOf(scope: TenantScope, identifier: string) {
    const collection = await store.collections.resolve(scope, identifier);
    if (!collection) throw errors.notFound('collection', identifier);
    return collection;
  }

  async function getDocument(scope: TenantScope, collection: CollectionRecord, documentId: string) {
    const document = await store.documents.get(scope, collection.collection_id, documentId);
    if (!document) throw errors.notFound('document', documentId);
    return document;
  }

  async function rewrite(
    scope: TenantScope,
    collection: CollectionRecord,
    existing: DocumentRecord,
    data: Record<string, unknown>,
  ) {
    const [prepared] = await prepare(collection, [data]);
    await store.documents.replace(
      scope,
      collection.collection_id,
      { ...prepared, document_id: existing.document_id },
      now(),
    );
    return getDocument(scope, collection, existing.document_id);
  }

  return {
    collectionOf,
    prepare,

    async createMany(
      scope: TenantScope,
      identifier: string,
      bodies: Record<string, unknown>[],
      options: { skipExisting?: boolean; signal?: AbortSignal } = {},
    ) {
      if (bodies.length > MAX_BATCH)
        throw errors.validation([
          {
            type: 'too_long',
            location: ['body', 'documents'],
            message: `At most ${MAX_BATCH} documents per call; split the batch.`,
          },
        ]);
      const collection = await collectionOf(scope, identifier);
      let prepared = await prepare(collection, bodies, options.signal);
      let skipped = 0;
      if (options.skipExisting) {
        const existing = await store.documents.existingHashes(
          scope,
          collection.collection_id,
          prepared.map((document) => document.content_hash),
        );
        const before = prepared.length;
        prepared = prepared.filter((document) => !existing.has(document.content_hash));
        skipped = before - prepared.length;
      }
      await store.documents.insertMany(scope, collection.collection_id, prepared, now());
      return { collection, documents: prepared, skipped };
    },

    async get(scope: TenantScope, identifier: string, documentId: string) {
      const collection = await collectionOf(scope, identifier);
      return { collection, document: await getDocument(scope, collection, documentId) };
    },

    /** A document as stored (system fields filled in), in a collection already resolved. */
    stored: getDocument,

    /** The document's stored embedding, when it has one. */
    async vector(scope: TenantScope, documentId: string): Promise<Float32Array | undefined> {
      return (await store.index.loadVectors(scope, [documentId])).get(documentId);
    },

    async list(
      scope: TenantScope,
      identifier: string,
      query: Omit<DocumentListQuery, 'filter'> & { filters?: unknown },
    ) {
      const collection = await collectionOf(scope, identifier);
      const filter = parseFilter(query.filters, ['body', 'filters']);
      return { collection, page: await store.documents.list(scope, collection.collection_id, { ...query, filter }) };
    },

    /** PUT replaces the user fields; PATCH merges them. Both re-index changed text. */
    async update(
      scope: TenantScope,
      identifier: string,
      documentId: string,
      body: Record<string, unknown>,
      mode: 'replace' | 'merge',
    ) {
      const collection = await collectionOf(scope, identifier);
      const existing = await getDocument(scope, collection, documentId);
      const fields = Object.fromEntries(Object.entries(body).filter(([key]) => !RESERVED.has(key)));
      return rewrite(
        scope,
        collection,
        existing,
        mode === 'replace' ? fields : { ...stripChunkFields(existing.data), ...fields },
      );
    },

    async delete(scope: TenantScope, identifier: string, documentIds: string[]) {
      const collection = await collectionOf(scope, identifier);
      return store.documents.delete(scope, collection.collection_id, documentIds);
    },

    /** Deletes the listed documents; says for each id whether it was deleted (an unknown id is not found, not an error). */
    async deleteEach(scope: TenantScope, identifier: string, documentIds: string[]) {
      const collection = await collectionOf(scope, identifier);
      const unique = [...new Set(documentIds)];
      // One query for which ids exist, not one read per id.
      const existing = await store.documents.idsMatching(
        scope,
        collection.collection_id,
        { kind: 'condition', field: 'document_id', operator: 'in', value: unique, caseSensitive: true },
        unique.length,
      );
      await store.documents.delete(scope, collection.collection_id, existing);
      const deleted = new Set(existing);
      return unique.map((id) =>
        deleted.has(id)
          ? { document_id: id, success: true }
          : { document_id: id, success: false, error: `Document '${id}' not found in collection '${identifier}'` },
      );
    },

    async idsMatching(scope: TenantScope, identifier: string, filters: unknown, location: (string | number)[]) {
      const collection = await collectionOf(scope, identifier);
      const filter = parseFilter(filters, location);
      return store.documents.idsMatching(scope, collection.collection_id, filter, 100_000);
    },

    /** Applies `update` to each document; reports per-document success instead of failing the batch. */
    async updateEach(
      scope: TenantScope,
      identifier: string,
      updates: { document_id: string; update_data: Record<string, unknown> }[],
    ) {
      const collection = await collectionOf(scope, identifier);
      const results: { document_id: string; success: boolean; error?: string }[] = [];
      for (const update of updates) {
        const existing = await store.documents.get(scope, collection.collection_id, update.document_id);
        if (!existing) {
          results.push({ document_id: update.document_id, success: false, error: 'Document not found' });
          continue;
        }
        const fields = Object.fromEntries(Object.entries(update.update_data).filter(([key]) => !RESERVED.has(key)));
        await rewrite(scope, collection, existing, { ...stripChunkFields(existing.data), ...fields });
        results.push({ document_id: update.document_id, success: true });
      }
      return results;
    },
  };
}

export type DocumentService = ReturnType<typeof createDocumentService>;

function readSuppliedVector(
  body: Record<string, unknown>,
  collection: CollectionRecord,
  index: number,
  issues: ValidationIssue[],
): Float32Array | null {
  if (!Array.isArray(body.features)) return null;
  for (const [featureIndex, feature] of (body.features as Record<string, unknown>[]).entries()) {
    const vectors = feature?.vectors as Record<string, unknown> | undefined;
    if (!vectors || typeof vectors !== 'object') continue;
    for (const [name, value] of Object.entries(vectors)) {
      if (!Array.isArray(value) || !value.every((number) => typeof number === 'number' && Number.isFinite(number)))
        continue;
      if (value.length !== collection.embedding_dimensions) {
        issues.push({
          type: 'vector_dimension',
          location: ['body', 'documents', index, 'features', featureIndex, 'vectors', name],
          message: `The vector has ${value.length} dimensions; collection '${collection.collection_name}' uses ${collection.embedding_model} with ${collection.embedding_dimensions}.`,
        });
        return null;
      }
      return normalizeVector(Float32Array.from(value as number[]));
    }
  }
  return null;
}

/** The mapped text field, or every textual field joined when the collection maps none (or the field is absent). */
export function extractText(data: Record<string, unknown>, textField: string): string {
  if (textField !== ALL_TEXT_FIELDS) {
    const value = readPath(data, textField) ?? readPath(data, `metadata.${textField}`);
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.filter((item) => typeof item === 'string').join(' ');
  }
  const parts: string[] = [];
  const visit = (value: unknown, depth: number) => {
    if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) value.forEach((item) => visit(item, depth + 1));
    else if (value && typeof value === 'object' && depth < 3)
      Object.values(value).forEach((item) => visit(item, depth + 1));
  };
  visit(data, 0);
  return parts.join('\n');
}

function readPath(data: Record<string, unknown>, path: string): unknown {
  let current: unknown = data;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function stripChunkFields(data: Record<string, unknown>): Record<string, unknown> {
  if (!data.metadata || typeof data.metadata !== 'object') return data;
  const {
    chunk_index: _index,
    chunk_text: _text,
    total_chunks: _total,
    ...metadata
  } = data.metadata as Record<string, unknown>;
  return { ...data, metadata };
}

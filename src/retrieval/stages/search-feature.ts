/**
 * @module retrieval/stages/search-feature
 * Runs one entry of `feature_search.searches` against the index: parses the
 * feature URI, decides between full-text and vector search, embeds the
 * query with each collection's own model, and checks vector dimensions.
 */
import { errors, invalidField } from '../../errors.js';
import type { FilterNode } from '../../store/filter-node.js';
import type { CollectionInfo, RetrievalServices, ScoredHit } from '../types.js';

export const KNOWN_EXTRACTORS = ['text_extractor'] as const;
const TEXT_OUTPUTS = new Set(['text', 'bm25', 'fulltext', 'full_text', 'keyword']);

export interface FeatureQuery {
  mode: 'text' | 'vector' | 'document';
  text?: string;
  vector?: number[];
  documentId?: string;
}

export interface FeatureSearchRequest {
  featureUri: string;
  query: FeatureQuery;
  topK: number;
  collections: CollectionInfo[];
  filter: FilterNode | null;
  location: (string | number)[];
}

export interface ParsedFeatureUri {
  extractor: string;
  version: string;
  output: string;
  kind: 'text' | 'vector';
}

export function parseFeatureUri(uri: string, location: (string | number)[]): ParsedFeatureUri {
  const match = /^mixpeek:\/\/([\w-]+)@([\w.-]+)\/([\w.-]+)$/.exec(uri.trim());
  if (!match) {
    throw invalidField(
      location,
      `Feature URI ${JSON.stringify(uri)} is not of the form mixpeek://{extractor}@{version}/{output}, e.g. mixpeek://text_extractor@v1/multilingual_e5_large_instruct_v1`,
    );
  }
  const [, extractor, version, output] = match;
  if (!(KNOWN_EXTRACTORS as readonly string[]).includes(extractor)) {
    throw invalidField(
      location,
      `Unknown feature extractor '${extractor}' in ${JSON.stringify(uri)}; known extractors: ${KNOWN_EXTRACTORS.join(', ')}`,
    );
  }
  return { extractor, version, output, kind: TEXT_OUTPUTS.has(output.toLowerCase()) ? 'text' : 'vector' };
}

/** Accepts a bare string, `{input_mode, value}`, the legacy `{text}` and `{document_ref}`. */
export function readFeatureQuery(query: unknown, location: (string | number)[]): FeatureQuery {
  if (typeof query === 'string') return { mode: 'text', text: query };
  const record = (query ?? {}) as Record<string, unknown>;
  const mode = typeof record.input_mode === 'string' ? record.input_mode : 'text';
  const value = record.value ?? record.text;
  if (mode === 'vector') {
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'number')) {
      throw invalidField([...location, 'value'], 'A vector query needs `value` as an array of numbers');
    }
    return { mode: 'vector', vector: value as number[] };
  }
  if (mode === 'document') {
    const reference = (record.document_ref ?? {}) as Record<string, unknown>;
    if (typeof reference.document_id !== 'string') {
      throw invalidField(
        [...location, 'document_ref', 'document_id'],
        'A document query needs `document_ref.document_id`',
      );
    }
    return { mode: 'document', documentId: reference.document_id };
  }
  if (value !== undefined && value !== null && typeof value !== 'string') {
    throw invalidField([...location, 'value'], `A ${mode} query needs \`value\` as a string`);
  }
  // `content` mode (URL or base64) is embedded as text: the built-in extractor is text-only.
  return { mode: 'text', text: (value as string | undefined) ?? '' };
}

export async function searchFeature(
  request: FeatureSearchRequest,
  services: RetrievalServices,
  signal?: AbortSignal,
): Promise<ScoredHit[]> {
  const uri = parseFeatureUri(request.featureUri, [...request.location, 'feature_uri']);
  const collectionIds = request.collections.map((collection) => collection.collection_id);
  const base = { collectionIds, filter: request.filter, topK: request.topK };
  const queryLocation = [...request.location, 'query'];
  if (uri.kind === 'text') {
    if (request.query.mode !== 'text') {
      throw invalidField(
        queryLocation,
        `Feature '${request.featureUri}' is a full-text index and needs a text query, not a ${request.query.mode}`,
      );
    }
    return services.index.searchText(services.scope, { ...base, text: request.query.text ?? '' }, signal);
  }
  let vector: Float32Array | null = null;
  let excluded: string | null = null;
  if (request.query.mode === 'vector') vector = Float32Array.from(request.query.vector ?? []);
  if (request.query.mode === 'document') {
    const documentId = request.query.documentId!;
    vector = (await services.index.loadVectors(services.scope, [documentId])).get(documentId) ?? null;
    if (!vector) throw errors.notFound('document vector', documentId);
    excluded = documentId;
  }
  if (vector) {
    for (const collection of request.collections) {
      if (collection.embedding_dimensions !== vector.length) {
        throw invalidField(
          [...queryLocation, request.query.mode === 'vector' ? 'value' : 'document_ref'],
          `Query vector has ${vector.length} dimensions but collection '${collection.collection_name}' stores ${collection.embedding_dimensions}-dimensional vectors (${collection.embedding_model})`,
        );
      }
    }
    const hits = await services.index.searchVector(
      services.scope,
      { ...base, topK: request.topK + (excluded ? 1 : 0), vector },
      signal,
    );
    return hits.filter((hit) => hit.document_id !== excluded).slice(0, request.topK);
  }
  // Collections may be embedded with different models: embed once per model and merge.
  const byModel = new Map<string, string[]>();
  for (const collection of request.collections) {
    byModel.set(collection.embedding_model, [
      ...(byModel.get(collection.embedding_model) ?? []),
      collection.collection_id,
    ]);
  }
  const merged: ScoredHit[] = [];
  for (const [model, ids] of byModel) {
    const [embedding] = await services.embedder.embed(model, [request.query.text ?? ''], signal);
    merged.push(
      ...(await services.index.searchVector(
        services.scope,
        { ...base, collectionIds: ids, vector: embedding },
        signal,
      )),
    );
  }
  return merged.sort((left, right) => right.score - left.score).slice(0, request.topK);
}

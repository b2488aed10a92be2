/**
 * @module retrieval/stages/document-fields
 * Reading a document's text and writing derived fields back. Writes copy
 * the path they touch, because documents are shared between the results
 * of earlier stages (STAGE.<name>.documents) and the next one.
 */
import { readField } from '../filters/match-filter.js';
import type { CollectionInfo, PipelineDocument } from '../types.js';

/**
 * The text of `field`. The default field `content` falls back to the field
 * the collection's extractor reads, since user documents rarely call it `content`.
 */
export function documentText(
  document: Record<string, unknown>,
  field: string,
  collections: CollectionInfo[] = [],
): string {
  const reading = readField(document, field);
  if (reading.found) return asText(reading.value);
  if (field === 'content') {
    const collection = collections.find((candidate) => candidate.collection_id === document.collection_id);
    for (const fallback of [collection?.text_field, 'text', 'body', 'description', 'title']) {
      if (!fallback) continue;
      const value = readField(document, fallback);
      if (value.found) return asText(value.value);
    }
  }
  return '';
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(asText).join(' ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Returns a copy of `document` with `value` at the dot path, creating objects along the way. */
export function writeField<T extends Record<string, unknown>>(document: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split('.');
  if (rest.length === 0) return { ...document, [head]: value };
  const child = document[head];
  const base =
    child !== null && typeof child === 'object' && !Array.isArray(child) ? (child as Record<string, unknown>) : {};
  return { ...document, [head]: writeField(base, rest.join('.'), value) };
}

/** A numeric reading of a score path such as `score` or `scores.rerank`; null when absent or not a number. */
export function readScore(document: PipelineDocument, path: string): number | null {
  const reading = readField(document, path);
  return typeof reading.value === 'number' && Number.isFinite(reading.value) ? reading.value : null;
}

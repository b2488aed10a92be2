/**
 * @module sessions/document-summary
 * Documents as a tool result: ids, score, a title and a snippet, other
 * short fields kept, long text cut so tool outputs (streamed, stored and
 * shown to the model) stay small.
 */
import { clipText } from '../lib/clip-text.js';

const TITLE_FIELDS = ['title', 'name', 'collection_name', 'heading'];
const SNIPPET_FIELDS = ['description', 'snippet', 'summary', 'content', 'text', 'body'];
const MAX_FIELD_CHARS = 300;

export interface DocumentSummary {
  document_id: string;
  collection_id: string;
  score: number;
  title: string | null;
  snippet: string;
  [field: string]: unknown;
}

export function summarizeDocuments(documents: Record<string, unknown>[]): DocumentSummary[] {
  return documents.map((document) => {
    const title = firstString(document, TITLE_FIELDS);
    const snippet = firstString(document, SNIPPET_FIELDS) ?? '';
    const summary: DocumentSummary = {
      document_id: String(document.document_id),
      collection_id: String(document.collection_id),
      score: Math.round(Number(document.score ?? 0) * 10_000) / 10_000,
      title,
      snippet: clipText(snippet, MAX_FIELD_CHARS),
    };
    for (const [key, value] of Object.entries(document)) {
      if (key in summary || key === 'scores' || key === '_internal' || SNIPPET_FIELDS.includes(key)) continue;
      if (typeof value === 'string') summary[key] = clipText(value, MAX_FIELD_CHARS);
      else if (typeof value === 'number' || typeof value === 'boolean') summary[key] = value;
      else if (Array.isArray(value) && value.length <= 20 && value.every((item) => typeof item === 'string'))
        summary[key] = value;
    }
    return summary;
  });
}

function firstString(document: Record<string, unknown>, fields: string[]): string | null {
  for (const field of fields) {
    const value = document[field] ?? (document.metadata as Record<string, unknown> | undefined)?.[field];
    if (typeof value === 'string' && value.trim()) return value;
  }
  return null;
}

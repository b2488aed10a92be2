import { describe, expect, it } from 'vitest';
import { summarizeDocuments } from './document-summary.js';

describe('summarizeDocuments', () => {
  it('cuts a long snippet between words and marks the cut with "…"', () => {
    const description = `${'word '.repeat(59)}lastword and more text after the limit`;
    const [summary] = summarizeDocuments([
      { document_id: 'doc_1', collection_id: 'col_1', score: 1, title: 'T', description },
    ]);
    expect(summary.snippet.endsWith('…')).toBe(true);
    expect(summary.snippet.length).toBeLessThanOrEqual(301);
    expect(description.startsWith(summary.snippet.slice(0, -1))).toBe(true);
    expect(description.charAt(summary.snippet.length - 1)).toBe(' ');
  });
});

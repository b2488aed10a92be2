import { describe, expect, it } from 'vitest';
import { newCollectionId, newDocumentId, newId } from './ids.js';

describe('ids', () => {
  it('keep their shapes and never repeat across many refills of the random pool', () => {
    const seen = new Set<string>();
    // 20 bytes per id: 10,000 ids draw the 4 KiB pool ~50 times, crossing its boundary at every offset.
    for (let index = 0; index < 10_000; index++) {
      const id = newId('msg');
      expect(id).toMatch(/^msg_[a-z0-9]{20}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(10_000);
    expect(newCollectionId()).toMatch(/^col_[a-z0-9]{10}$/);
    expect(newDocumentId()).toMatch(/^doc_[0-9a-f]{24}$/);
    expect(newId('big', 5000)).toMatch(/^big_[a-z0-9]{5000}$/);
  });
});

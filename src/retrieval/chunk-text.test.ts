import { describe, expect, it } from 'vitest';
import { chunkText } from './chunk-text.js';

describe('chunkText', () => {
  it('keeps the text whole with split_by none', () => {
    expect(chunkText('a b c', { splitBy: 'none', chunkSize: 1, chunkOverlap: 0 })).toEqual(['a b c']);
  });
  it('splits words with overlap', () => {
    expect(chunkText('one two three four five', { splitBy: 'words', chunkSize: 2, chunkOverlap: 1 })).toEqual([
      'one two',
      'two three',
      'three four',
      'four five',
    ]);
  });
  it('splits characters without overlap', () => {
    expect(chunkText('abcdefg', { splitBy: 'characters', chunkSize: 3, chunkOverlap: 0 })).toEqual(['abc', 'def', 'g']);
  });
  it('splits sentences and paragraphs', () => {
    expect(chunkText('First one. Second one! Third?', { splitBy: 'sentences', chunkSize: 2, chunkOverlap: 0 })).toEqual(
      ['First one. Second one!', 'Third?'],
    );
    expect(chunkText('p1 line\n\np2\n\n\np3', { splitBy: 'paragraphs', chunkSize: 1, chunkOverlap: 0 })).toEqual([
      'p1 line',
      'p2',
      'p3',
    ]);
  });
  it('never loops when the overlap is as large as the chunk', () => {
    expect(chunkText('a b c', { splitBy: 'words', chunkSize: 2, chunkOverlap: 5 })).toEqual(['a b', 'b c']);
  });
});

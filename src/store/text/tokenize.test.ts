import { describe, expect, it } from 'vitest';
import { queryTerms, tokenize } from './tokenize.js';

describe('tokenize', () => {
  it('splits on anything but letters and digits, lower-cases and stems English words', () => {
    expect(tokenize('Learning: Videos about Machine-Learning (2024)!')).toEqual([
      'learn',
      'video',
      'about',
      'machin',
      'learn',
      '2024',
    ]);
  });

  it('removes Latin diacritics and keeps other scripts whole', () => {
    expect(tokenize('Crème brûlée naïve café')).toEqual(['creme', 'brule', 'naiv', 'cafe']);
    expect(tokenize('Привет мир 東京')).toEqual(['привет', 'мир', '東京']);
  });

  it('leaves words under three letters unstemmed, as FTS5 porter does', () => {
    expect(tokenize('is as us')).toEqual(['is', 'as', 'us']);
  });

  it('returns nothing for text without words', () => {
    expect(tokenize(' *** -- ')).toEqual([]);
  });
});

describe('queryTerms', () => {
  it('drops stop words and keeps repeats, in order (a word said twice weighs twice)', () => {
    expect(queryTerms('Find the videos about the video')).toEqual(['find', 'video', 'about', 'video']);
  });

  it('keeps stop words when the query has nothing else', () => {
    expect(queryTerms('to be or not to be')).toEqual(['to', 'be', 'or', 'not', 'to', 'be']);
  });

  it('caps the number of terms', () => {
    expect(queryTerms(Array.from({ length: 50 }, (_, index) => `word${index}`).join(' '), 32)).toHaveLength(32);
  });
});

import { describe, expect, it } from 'vitest';
import { clipText } from './clip-text.js';

describe('clipText', () => {
  it('keeps short text, cuts long text at a word boundary and marks the cut', () => {
    expect(clipText('short text', 20)).toBe('short text');
    expect(clipText('Sourdough bread in a home kitchen, using one pot', 30)).toBe('Sourdough bread in a home…');
    expect(clipText('one two three', 8)).toBe('one two…');
    expect(clipText('supercalifragilisticexpialidocious', 10)).toBe('supercalif…');
  });
});

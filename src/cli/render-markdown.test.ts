import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './render-markdown.js';

describe('renderMarkdown', () => {
  it('renders bold, lists and code without the Markdown marks, keeping list numbers', () => {
    const text = 'Found:\n2. **Sourdough basics** — a `starter` guide\n3. *Rye* bread\n\n- one\n- two';
    // "2." right after a paragraph continues it (CommonMark); on its own line it starts a list at 2.
    expect(renderMarkdown(text, { width: 80, color: false })).toBe(
      'Found:\n2. Sourdough basics — a starter guide\n3. Rye bread\n\n• one\n• two',
    );
    expect(renderMarkdown('2. **Sourdough basics**\n3. *Rye*', { width: 80, color: false })).toBe(
      '2. Sourdough basics\n3. Rye',
    );
  });

  it('wraps at word boundaries and indents a list item under its marker', () => {
    const rendered = renderMarkdown(
      '1. **Getting Started with Sourdough Bread** — This cooking video teaches sourdough bread in a home kitchen (doc_aece55524cb9889a22ee8b9c)',
      { width: 40, color: false },
    );
    const lines = rendered.split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
    expect(lines[0]).toBe('1. Getting Started with Sourdough Bread');
    expect(lines.slice(1).every((line) => line.startsWith('   '))).toBe(true);
    // No word is cut: joined back, the text is whole.
    expect(lines.map((line) => line.trim()).join(' ')).toBe(
      '1. Getting Started with Sourdough Bread — This cooking video teaches sourdough bread in a home kitchen (doc_aece55524cb9889a22ee8b9c)',
    );
  });

  it('styles with ANSI codes only when color is on, and decodes entities', () => {
    expect(renderMarkdown('**a** &amp; [docs](http://x.y)', { width: 80, color: true })).toBe(
      '\x1b[1ma\x1b[22m & \x1b[34mdocs\x1b[39m\x1b[2m (http://x.y)\x1b[22m',
    );
    expect(renderMarkdown('**a** &amp; b', { width: 80, color: false })).toBe('a & b');
  });
});

import { describe, expect, it } from 'vitest';
import { createAnswerPrinter } from './answer-printer.js';

const words = (text: string) => text.split(/(?<= )/);

describe('createAnswerPrinter', () => {
  it('renders each completed line as Markdown (not live: nothing until the newline)', () => {
    let output = '';
    const printer = createAnswerPrinter({ write: (text) => (output += text), width: 80, color: false, live: false });
    for (const word of words('I found 2 results:\n1. **Bread** — crusty\n2. **Rye** — dark')) printer.push(word);
    expect(output).toBe('I found 2 results:\n1. Bread — crusty\n');
    expect(printer.end()).toBe(true);
    expect(output).toBe('I found 2 results:\n1. Bread — crusty\n2. Rye — dark\n');
  });

  it('on a live terminal shows the unfinished line as it streams, then redraws it rendered', () => {
    let output = '';
    const printer = createAnswerPrinter({ write: (text) => (output += text), width: 10, color: false, live: true });
    printer.push('**Bold** words ');
    expect(output).toBe('**Bold** words ');
    printer.push('here\n');
    // 15 visible characters at width 10 took two rows: up one, clear, then the rendered, wrapped line.
    expect(output).toBe('**Bold** words \r\x1b[1A\x1b[JBold words\nhere\n');
  });

  it('counts the rows the terminal wrapped the preview into at its own width, not the answer width', () => {
    let output = '';
    const printer = createAnswerPrinter({
      write: (text) => (output += text),
      width: 10,
      columns: 40,
      color: false,
      live: true,
    });
    printer.push('**Bold** words ');
    printer.push('here\n');
    // 15 characters fit one row of a 40-column terminal: back to its start only, no row up.
    expect(output).toBe('**Bold** words \r\x1b[JBold words\nhere\n');
  });

  it('on stop() redraws the unfinished line it showed, rendered, and prints nothing more', () => {
    let output = '';
    const printer = createAnswerPrinter({ write: (text) => (output += text), width: 80, color: false, live: true });
    printer.push('2. **Rye** — da');
    printer.stop();
    printer.push('rk bread\n');
    printer.end();
    expect(output).toBe('2. **Rye** — da\r\x1b[J2. Rye — da\n');
  });

  it('keeps a fenced code block whole and prints nothing after stop()', () => {
    let output = '';
    const printer = createAnswerPrinter({ write: (text) => (output += text), width: 80, color: false, live: false });
    printer.push('```\nconst a = 1;\n');
    expect(output).toBe('');
    printer.push('```\nafter\n');
    expect(output).toBe('  const a = 1;\n\nafter\n');
    printer.stop();
    printer.push('more words\n');
    printer.end();
    expect(output).toBe('  const a = 1;\n\nafter\n');
  });
});

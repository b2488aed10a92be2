/**
 * @module cli/answer-printer
 * Prints a streamed answer as Markdown for the terminal. Each completed
 * source line (a fenced code block as a whole) is rendered and wrapped at
 * word boundaries; on a live terminal the line being written shows as plain
 * text first and is redrawn rendered when its newline arrives, so the answer
 * still appears word by word. `stop()` (Ctrl-C) freezes what is shown: the
 * tokens still in flight from the server are not printed.
 */
import { renderMarkdown } from './render-markdown.js';

export interface AnswerPrinterOptions {
  write: (text: string) => void;
  width: number;
  color: boolean;
  /** A terminal that understands cursor movement: show the unfinished line as it streams. */
  live: boolean;
  /** The terminal's own width, where it wraps the unfinished line (may be wider than `width`); `width` when absent. */
  columns?: number;
}

// CSI sequences (colors, cursor moves): not visible columns.
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

export function createAnswerPrinter(options: AnswerPrinterOptions) {
  let pending = '';
  /** Visible characters of the plain preview of `pending` on the screen. */
  let previewed = 0;
  let stopped = false;
  let printedAnything = false;

  const erasePreview = () => {
    if (previewed === 0) return;
    // The terminal wrapped the preview at its width: go back to its first row and clear to the end of the screen.
    const rows = Math.floor((previewed - 1) / Math.max(1, options.columns ?? options.width)) + 1;
    options.write(`\r${rows > 1 ? `\x1b[${rows - 1}A` : ''}\x1b[J`);
    previewed = 0;
  };

  const print = (markdown: string) => {
    const rendered =
      markdown.trim() === '' ? '' : renderMarkdown(markdown, { width: options.width, color: options.color });
    options.write(`${rendered}\n`);
    printedAnything = true;
  };

  /** The longest prefix of `pending` made of whole lines, a fenced code block kept in one piece. */
  const completeLines = (): number => {
    let end = -1;
    let fences = 0;
    let position = 0;
    for (;;) {
      const newline = pending.indexOf('\n', position);
      if (newline === -1) return end;
      if (/^\s*(```|~~~)/.test(pending.slice(position, newline))) fences++;
      if (fences % 2 === 0) end = newline;
      position = newline + 1;
    }
  };

  return {
    push(text: string) {
      if (stopped || !text) return;
      pending += text;
      const end = completeLines();
      if (end >= 0) {
        erasePreview();
        const lines = pending.slice(0, end);
        pending = pending.slice(end + 1);
        // Fenced blocks render whole; other lines one by one, so a blank line in the answer stays a blank line.
        if (/^\s*(```|~~~)/m.test(lines)) print(lines);
        else for (const line of lines.split('\n')) print(line);
      }
      if (options.live && pending) {
        const shown = pending.slice(previewed);
        options.write(shown);
        previewed += shown.replace(ANSI, '').length;
      }
    },
    /** Renders what is left; true when anything was printed at all. */
    end(): boolean {
      if (!stopped && pending) {
        erasePreview();
        print(pending);
      } else if (previewed > 0) options.write('\n');
      pending = '';
      previewed = 0;
      return printedAnything;
    },
    /** Ctrl-C: nothing more is printed; what is on the screen stays. */
    stop() {
      if (stopped) return;
      stopped = true;
      // The part already on the screen stays, redrawn rendered; nothing after it is printed.
      if (previewed > 0) {
        const shown = pending;
        erasePreview();
        print(shown);
      }
      previewed = 0;
      pending = '';
    },
    get stopped() {
      return stopped;
    },
  };
}

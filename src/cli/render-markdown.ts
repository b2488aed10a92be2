/**
 * @module cli/render-markdown
 * Markdown for a terminal: marked's lexer reads it (a small, well-kept
 * parser), this file draws the tokens with ANSI styles and wrap-ansi wraps
 * paragraphs and list items at word boundaries, continuation lines indented
 * under their list marker. marked-terminal was tried first: with marked 18 it
 * leaves `**bold**` inside list items raw and renumbers every list from 1,
 * which is exactly what an answer citing documents is made of.
 */
import { Lexer, type Token, type Tokens } from 'marked';
import wrapAnsi from 'wrap-ansi';

export interface MarkdownOptions {
  /** Columns to wrap at. */
  width: number;
  color: boolean;
}

type Style = (text: string) => string;

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

export function renderMarkdown(markdown: string, options: MarkdownOptions): string {
  const ansi =
    (open: number, close: number): Style =>
    (text) =>
      options.color ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  const style = {
    bold: ansi(1, 22),
    italic: ansi(3, 23),
    code: ansi(33, 39),
    link: ansi(34, 39),
    dim: ansi(2, 22),
    strike: ansi(9, 29),
    heading: ansi(1, 22),
  };
  const wrap = (text: string, width: number) => wrapAnsi(text, Math.max(10, width), { hard: false, trim: true });

  const inline = (tokens: Token[] | undefined, fallback = ''): string => {
    if (!tokens) return decode(fallback);
    return tokens
      .map((token): string => {
        switch (token.type) {
          case 'strong':
            return style.bold(inline((token as Tokens.Strong).tokens));
          case 'em':
            return style.italic(inline((token as Tokens.Em).tokens));
          case 'codespan':
            return style.code(decode((token as Tokens.Codespan).text));
          case 'del':
            return style.strike(inline((token as Tokens.Del).tokens));
          case 'br':
            return '\n';
          case 'link': {
            const link = token as Tokens.Link;
            const label = inline(link.tokens);
            return link.href === link.text ? style.link(label) : `${style.link(label)}${style.dim(` (${link.href})`)}`;
          }
          case 'image':
            return style.dim(`[image: ${(token as Tokens.Image).text || (token as Tokens.Image).href}]`);
          case 'text': {
            const text = token as Tokens.Text;
            return text.tokens ? inline(text.tokens) : decode(text.text);
          }
          default:
            return decode('text' in token && typeof token.text === 'string' ? token.text : token.raw);
        }
      })
      .join('');
  };

  /** Renders blocks into lines no wider than `width` (words longer than a line stay whole). */
  const blocks = (tokens: Token[], width: number): string[] => {
    const lines: string[] = [];
    const gap = () => {
      if (lines.length > 0 && lines[lines.length - 1] !== '') lines.push('');
    };
    for (const token of tokens) {
      switch (token.type) {
        case 'space':
          break;
        case 'heading':
          gap();
          lines.push(...wrap(style.heading(inline((token as Tokens.Heading).tokens)), width).split('\n'));
          break;
        case 'paragraph':
          gap();
          lines.push(...wrap(inline((token as Tokens.Paragraph).tokens), width).split('\n'));
          break;
        case 'text': {
          const text = token as Tokens.Text;
          lines.push(...wrap(inline(text.tokens, text.text), width).split('\n'));
          break;
        }
        case 'list': {
          const list = token as Tokens.List;
          gap();
          const start = typeof list.start === 'number' ? list.start : 1;
          list.items.forEach((item, index) => {
            const marker = list.ordered ? `${start + index}. ` : item.task ? (item.checked ? '[x] ' : '[ ] ') : '• ';
            const body = blocks(item.tokens, width - marker.length).filter(
              (line, position, all) => line !== '' || position < all.length - 1,
            );
            body.forEach((line, position) =>
              lines.push(
                position === 0 ? `${marker}${line}` : line === '' ? '' : `${' '.repeat(marker.length)}${line}`,
              ),
            );
          });
          break;
        }
        case 'code':
          gap();
          for (const line of (token as Tokens.Code).text.split('\n')) lines.push(`  ${style.code(line)}`);
          break;
        case 'blockquote':
          gap();
          for (const line of blocks((token as Tokens.Blockquote).tokens, width - 2)) lines.push(style.dim(`│ ${line}`));
          break;
        case 'hr':
          gap();
          lines.push(style.dim('─'.repeat(Math.min(width, 40))));
          break;
        case 'table': {
          const table = token as Tokens.Table;
          gap();
          lines.push(style.bold(table.header.map((cell) => inline(cell.tokens)).join(' │ ')));
          for (const row of table.rows) lines.push(row.map((cell) => inline(cell.tokens)).join(' │ '));
          break;
        }
        default:
          gap();
          lines.push(...wrap(decode(token.raw.trimEnd()), width).split('\n'));
      }
    }
    return lines;
  };

  return blocks(Lexer.lex(markdown), options.width).join('\n');
}

function decode(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]);
}

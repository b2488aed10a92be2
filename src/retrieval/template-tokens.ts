/**
 * @module retrieval/template-tokens
 * Splits a template expression into numbers, quoted strings (escapes read),
 * names and operators, ending with an `end` token.
 */

export type Token = { type: 'number' | 'string' | 'name' | 'operator' | 'end'; value: string };

const TOKEN =
  /\s*(?:(\d+(?:\.\d+)?)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([A-Za-z_]\w*)|(==|!=|<=|>=|\/\/|[-+*/%<>()[\].,|=?:~{}]))/y;

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let position = 0;
  while (position < source.length) {
    if (/^\s*$/.test(source.slice(position))) break;
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(source);
    if (!match) throw new SyntaxError(`unexpected character ${JSON.stringify(source.slice(position).trim()[0])}`);
    position = TOKEN.lastIndex;
    if (match[1] !== undefined) tokens.push({ type: 'number', value: match[1] });
    else if (match[2] !== undefined) tokens.push({ type: 'string', value: unquote(match[2]) });
    else if (match[3] !== undefined) tokens.push({ type: 'name', value: match[3] });
    else tokens.push({ type: 'operator', value: match[4] });
  }
  tokens.push({ type: 'end', value: '' });
  return tokens;
}

function unquote(literal: string): string {
  return literal
    .slice(1, -1)
    .replace(/\\(.)/g, (_, character: string) => (character === 'n' ? '\n' : character === 't' ? '\t' : character));
}

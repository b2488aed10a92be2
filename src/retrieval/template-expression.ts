/**
 * @module retrieval/template-expression
 * The expression half of the template engine: a tokenizer and a recursive
 * descent parser that turns `INPUT.items | map(attribute='id') | join(',')`
 * into a closure over a `Scope`. Only data is reachable: member access reads
 * own properties (`template-lookup.ts`), calls are limited to a fixed list of
 * pure functions (`template-functions.ts`).
 */
import {
  arithmetic,
  callFilter,
  callFunction,
  compare,
  contains,
  isFunctionName,
  isTest,
  MissingInput,
  toNumber,
  truthy,
  use,
  type Scope,
} from './template-functions.js';
import { tokenize, type Token } from './template-tokens.js';
import { lookupName, readMember } from './template-lookup.js';

export { MissingInput, truthy, use, type Scope };

type Evaluate = (scope: Scope) => unknown;
const cache = new Map<string, Evaluate>();

/**
 * Compiles an expression. The closure may return a `MissingInput`: pass its
 * result through `use` for a value, or `truthy` for a test.
 */
export function compileExpression(source: string): Evaluate {
  const key = source.trim().replace(/^-|-$/g, '');
  let compiled = cache.get(key);
  if (!compiled) {
    const parser = new ExpressionParser(tokenize(key));
    const expression = parser.parseConditional();
    parser.expectEnd();
    compiled = expression;
    if (cache.size > 2000) cache.clear();
    cache.set(key, compiled);
  }
  return compiled;
}

class ExpressionParser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.position];
  }
  private next(): Token {
    return this.tokens[this.position++];
  }
  private accept(value: string, type: Token['type'] = 'operator'): boolean {
    const token = this.peek();
    if (token.type === type && token.value === value) {
      this.position++;
      return true;
    }
    return false;
  }
  private expect(value: string): void {
    if (!this.accept(value)) throw new SyntaxError(`expected '${value}' but found '${this.peek().value || 'end'}'`);
  }
  expectEnd(): void {
    if (this.peek().type !== 'end') throw new SyntaxError(`unexpected '${this.peek().value}'`);
  }

  parseConditional(): Evaluate {
    const value = this.parseOr();
    if (this.accept('if', 'name')) {
      const condition = this.parseOr();
      const otherwise = this.accept('else', 'name') ? this.parseConditional() : () => undefined;
      return (scope) => (truthy(condition(scope)) ? value(scope) : otherwise(scope));
    }
    if (this.accept('?')) {
      const then = this.parseConditional();
      this.expect(':');
      const otherwise = this.parseConditional();
      return (scope) => (truthy(value(scope)) ? then(scope) : otherwise(scope));
    }
    return value;
  }

  private parseOr(): Evaluate {
    let left = this.parseAnd();
    while (this.accept('or', 'name')) {
      const first = left;
      const right = this.parseAnd();
      left = (scope) => {
        const value = first(scope);
        return truthy(value) ? value : right(scope);
      };
    }
    return left;
  }

  private parseAnd(): Evaluate {
    let left = this.parseNot();
    while (this.accept('and', 'name')) {
      const first = left;
      const right = this.parseNot();
      left = (scope) => {
        const value = first(scope);
        return truthy(value) ? right(scope) : value;
      };
    }
    return left;
  }

  private parseNot(): Evaluate {
    if (this.accept('not', 'name')) {
      const operand = this.parseNot();
      return (scope) => !truthy(operand(scope));
    }
    return this.parseComparison();
  }

  private parseComparison(): Evaluate {
    let left = this.parseAdditive();
    for (;;) {
      const token = this.peek();
      if (token.type === 'operator' && ['==', '!=', '<', '>', '<=', '>='].includes(token.value)) {
        this.next();
        const first = left;
        const right = this.parseAdditive();
        left = (scope) => compare(token.value, first(scope), right(scope), scope);
      } else if (
        token.type === 'name' &&
        (token.value === 'in' || (token.value === 'not' && this.tokens[this.position + 1]?.value === 'in'))
      ) {
        const negate = token.value === 'not';
        this.position += negate ? 2 : 1;
        const first = left;
        const right = this.parseAdditive();
        left = (scope) => contains(use(right(scope), scope), use(first(scope), scope)) !== negate;
      } else if (this.accept('is', 'name')) {
        const negate = this.accept('not', 'name');
        const test = this.next().value.toLowerCase();
        const first = left;
        left = (scope) => isTest(test, first(scope)) !== negate;
      } else {
        return left;
      }
    }
  }

  private parseAdditive(): Evaluate {
    let left = this.parseMultiplicative();
    for (;;) {
      const token = this.peek();
      if (token.type !== 'operator' || !['+', '-', '~'].includes(token.value)) return left;
      this.next();
      const first = left;
      const right = this.parseMultiplicative();
      left = (scope) => arithmetic(token.value, use(first(scope), scope), use(right(scope), scope));
    }
  }

  private parseMultiplicative(): Evaluate {
    let left = this.parseUnary();
    for (;;) {
      const token = this.peek();
      if (token.type !== 'operator' || !['*', '/', '//', '%'].includes(token.value)) return left;
      this.next();
      const first = left;
      const right = this.parseUnary();
      left = (scope) => arithmetic(token.value, use(first(scope), scope), use(right(scope), scope));
    }
  }

  private parseUnary(): Evaluate {
    if (this.accept('-')) {
      const operand = this.parseUnary();
      return (scope) => -toNumber(use(operand(scope), scope));
    }
    if (this.accept('+')) return this.parseUnary();
    return this.parsePostfix();
  }

  private parsePostfix(): Evaluate {
    let value = this.parsePrimary();
    for (;;) {
      if (this.accept('.')) {
        const name = this.next();
        if (name.type !== 'name' && name.type !== 'number') throw new SyntaxError(`expected a name after '.'`);
        const base = value;
        value = (scope) => readMember(base(scope), name.value, scope);
      } else if (this.accept('[')) {
        const base = value;
        const key = this.parseConditional();
        this.expect(']');
        value = (scope) => readMember(base(scope), use(key(scope), scope), scope);
      } else if (this.accept('|')) {
        const name = this.next();
        if (name.type !== 'name') throw new SyntaxError(`expected a filter name after '|'`);
        const { positional, named } = this.peek().value === '(' ? this.parseArguments() : { positional: [], named: {} };
        const base = value;
        value = (scope) =>
          callFilter(
            name.value,
            base(scope),
            positional.map((argument) => use(argument(scope), scope)),
            Object.fromEntries(Object.entries(named).map(([key, argument]) => [key, use(argument(scope), scope)])),
            scope,
          );
      } else {
        return value;
      }
    }
  }

  private parseArguments(): { positional: Evaluate[]; named: Record<string, Evaluate> } {
    this.expect('(');
    const positional: Evaluate[] = [];
    const named: Record<string, Evaluate> = {};
    while (!this.accept(')')) {
      const token = this.peek();
      if (token.type === 'name' && this.tokens[this.position + 1]?.value === '=') {
        this.position += 2;
        named[token.value] = this.parseConditional();
      } else {
        positional.push(this.parseConditional());
      }
      if (!this.accept(',')) {
        this.expect(')');
        break;
      }
    }
    return { positional, named };
  }

  private parsePrimary(): Evaluate {
    const token = this.next();
    if (token.type === 'number') {
      const number = Number(token.value);
      return () => number;
    }
    if (token.type === 'string') return () => token.value;
    if (token.type === 'operator' && token.value === '(') {
      const inner = this.parseConditional();
      this.expect(')');
      return inner;
    }
    if (token.type === 'operator' && token.value === '[') {
      const items: Evaluate[] = [];
      while (!this.accept(']')) {
        items.push(this.parseConditional());
        if (!this.accept(',')) {
          this.expect(']');
          break;
        }
      }
      return (scope) => items.map((item) => use(item(scope), scope));
    }
    if (token.type !== 'name') throw new SyntaxError(`unexpected '${token.value || 'end of expression'}'`);
    const lower = token.value.toLowerCase();
    if (lower === 'true' || lower === 'false') return () => lower === 'true';
    if (lower === 'none' || lower === 'null') return () => null;
    if (this.peek().value === '(' && this.peek().type === 'operator') {
      if (!isFunctionName(lower)) throw new SyntaxError(`unknown function '${token.value}'`);
      const { positional } = this.parseArguments();
      return (scope) =>
        callFunction(
          lower,
          positional.map((argument) => use(argument(scope), scope)),
        );
    }
    return (scope) => lookupName(token.value, scope);
  }
}

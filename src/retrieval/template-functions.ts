/**
 * @module retrieval/template-functions
 * The fixed set of functions (`max`, `round`, …) and filters (`| join`,
 * `| map(attribute=…)`, …) templates may call. Everything here is pure and
 * works on plain data, which is what keeps the template engine safe.
 */
export interface Scope {
  inputs: Record<string, unknown>;
  document: Record<string, unknown> | null;
  context: Record<string, unknown>;
  stages: Record<string, unknown>;
  variables: Record<string, unknown>;
  locals: Map<string, unknown>;
  onMissingInput(name: string): never;
}

/** An INPUT key that was not provided; it only becomes an error when its value is actually used. */
export class MissingInput {
  constructor(readonly name: string) {}
}

/** Turns a MissingInput into the 422 it stands for; any other value passes through. */
export function use(value: unknown, scope: Scope): unknown {
  if (value instanceof MissingInput) scope.onMissingInput(value.name);
  return value;
}

export function truthy(value: unknown): boolean {
  if (value instanceof MissingInput) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length > 0;
  return Boolean(value);
}

export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  throw new SyntaxError(`${JSON.stringify(value) ?? 'undefined'} is not a number`);
}

const FUNCTIONS: Record<string, (values: unknown[]) => unknown> = {
  max: (values) => Math.max(...numbers(values)),
  min: (values) => Math.min(...numbers(values)),
  abs: ([value]) => Math.abs(toNumber(value)),
  round: ([value, digits]) => roundTo(toNumber(value), digits === undefined ? 0 : toNumber(digits)),
  ceil: ([value]) => Math.ceil(toNumber(value)),
  floor: ([value]) => Math.floor(toNumber(value)),
  int: ([value]) => Math.trunc(toNumber(value)),
  float: ([value]) => toNumber(value),
  str: ([value]) => asText(value),
  len: ([value]) => lengthOf(value),
  range: (values) => {
    const [start, stop, step = 1] = values.length === 1 ? [0, toNumber(values[0])] : values.map(toNumber);
    const result: number[] = [];
    for (let current = start; step > 0 ? current < stop : current > stop; current += step) {
      if (result.length >= 10_000) break;
      result.push(current);
    }
    return result;
  },
};

export function isFunctionName(name: string): boolean {
  return Object.hasOwn(FUNCTIONS, name);
}

export function callFunction(name: string, values: unknown[]): unknown {
  return FUNCTIONS[name](values);
}

type Filter = (value: unknown, positional: unknown[], named: Record<string, unknown>) => unknown;

const FILTERS: Record<string, Filter> = {
  first: (value) => (Array.isArray(value) ? value[0] : typeof value === 'string' ? value[0] : undefined),
  last: (value) =>
    Array.isArray(value) ? value[value.length - 1] : typeof value === 'string' ? value[value.length - 1] : undefined,
  length: (value) => lengthOf(value),
  count: (value) => lengthOf(value),
  join: (value, [separator = '', attribute], named) => {
    const key = named.attribute ?? attribute;
    const items = Array.isArray(value) ? value : [];
    return items
      .map((item) => asText(key === undefined ? item : pick(item, String(key))))
      .join(asText(named.d ?? separator));
  },
  tojson: (value, [indent], named) => JSON.stringify(value ?? null, null, toOptionalNumber(named.indent ?? indent)),
  slugify: (value) =>
    asText(value)
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, ''),
  bool: (value) =>
    typeof value === 'string' ? ['true', 'yes', 'on', '1'].includes(value.trim().toLowerCase()) : truthy(value),
  upper: (value) => asText(value).toUpperCase(),
  lower: (value) => asText(value).toLowerCase(),
  title: (value) => asText(value).replace(/\b\w/g, (letter) => letter.toUpperCase()),
  capitalize: (value) => {
    const text = asText(value);
    return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();
  },
  trim: (value) => asText(value).trim(),
  string: (value) => asText(value),
  int: (value) => Math.trunc(toNumber(value)),
  float: (value) => toNumber(value),
  abs: (value) => Math.abs(toNumber(value)),
  round: (value, [digits], named) => roundTo(toNumber(value), toOptionalNumber(named.precision ?? digits) ?? 0),
  sum: (value, [attribute], named) => {
    const key = named.attribute ?? attribute;
    return (Array.isArray(value) ? value : []).reduce<number>(
      (total, item) => total + toNumber(key === undefined ? item : pick(item, String(key))),
      0,
    );
  },
  reverse: (value) => (Array.isArray(value) ? [...value].reverse() : asText(value).split('').reverse().join('')),
  unique: (value) => (Array.isArray(value) ? [...new Set(value)] : value),
  list: (value) => (Array.isArray(value) ? value : typeof value === 'string' ? value.split('') : []),
  truncate: (value, [size = 255]) => {
    const text = asText(value);
    const limit = toNumber(size);
    return text.length > limit ? `${text.slice(0, Math.max(0, limit - 3))}...` : text;
  },
  map: (value, [filterName], named) => {
    const items = Array.isArray(value) ? value : [];
    if (named.attribute !== undefined) return items.map((item) => pick(item, String(named.attribute)) ?? named.default);
    if (typeof filterName === 'string' && Object.hasOwn(FILTERS, filterName) && filterName !== 'map') {
      return items.map((item) => FILTERS[filterName](item, [], {}));
    }
    throw new SyntaxError(`'map' needs attribute='name' or the name of a filter`);
  },
};

/** `default` is the one filter that may see a missing INPUT, so it is handled before the value is used. */
export function callFilter(
  name: string,
  value: unknown,
  positional: unknown[],
  named: Record<string, unknown>,
  scope: Scope,
): unknown {
  if (name === 'default' || name === 'd') {
    const fallback = positional[0] ?? named.default_value ?? '';
    const onFalsy = truthy(positional[1] ?? named.boolean);
    if (value instanceof MissingInput || value === undefined) return fallback;
    return onFalsy && !truthy(value) ? fallback : value;
  }
  const filter = Object.hasOwn(FILTERS, name) ? FILTERS[name] : undefined;
  if (!filter)
    throw new SyntaxError(`unknown filter '${name}'; known filters are default, ${Object.keys(FILTERS).join(', ')}`);
  return filter(use(value, scope), positional, named);
}

function numbers(values: unknown[]): number[] {
  const flat = values.length === 1 && Array.isArray(values[0]) ? values[0] : values;
  return flat.map(toNumber);
}

function roundTo(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function toOptionalNumber(value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : toNumber(value);
}

function lengthOf(value: unknown): number {
  if (Array.isArray(value) || typeof value === 'string') return value.length;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length;
  return 0;
}

function pick(item: unknown, path: string): unknown {
  let current: unknown = item;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function isTest(test: string, value: unknown): boolean {
  switch (test) {
    case 'defined':
      return !(value instanceof MissingInput) && value !== undefined;
    case 'undefined':
      return value instanceof MissingInput || value === undefined;
    case 'none':
      return value === null;
    case 'number':
      return typeof value === 'number';
    case 'string':
      return typeof value === 'string';
    default:
      throw new SyntaxError(`unknown test 'is ${test}'`);
  }
}

export function compare(operator: string, leftValue: unknown, rightValue: unknown, scope: Scope): boolean {
  const left = leftValue instanceof MissingInput ? undefined : leftValue;
  const right = rightValue instanceof MissingInput ? undefined : rightValue;
  if (operator === '==' || operator === '!=') {
    const equal =
      left === right || (left != null && typeof left === 'object' && JSON.stringify(left) === JSON.stringify(right));
    return operator === '==' ? equal : !equal;
  }
  use(leftValue, scope);
  use(rightValue, scope);
  if (left === null || left === undefined || right === null || right === undefined) return false;
  const a = typeof left === 'string' && typeof right === 'string' ? left : toNumber(left);
  const b = typeof left === 'string' && typeof right === 'string' ? right : toNumber(right);
  if (operator === '<') return a < b;
  if (operator === '>') return a > b;
  if (operator === '<=') return a <= b;
  return a >= b;
}

export function contains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') return container.includes(String(item));
  if (Array.isArray(container)) return container.some((entry) => entry === item);
  if (typeof container === 'object' && container !== null) return Object.hasOwn(container, String(item));
  return false;
}

export function arithmetic(operator: string, left: unknown, right: unknown): unknown {
  if (operator === '~') return `${left ?? ''}${right ?? ''}`;
  if (operator === '+') {
    if (typeof left === 'string' || typeof right === 'string') return `${left ?? ''}${right ?? ''}`;
    if (Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
  }
  const a = toNumber(left);
  const b = toNumber(right);
  switch (operator) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '//':
      return Math.floor(a / b);
    default:
      return a % b;
  }
}

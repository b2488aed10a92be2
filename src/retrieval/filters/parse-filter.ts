/**
 * @module retrieval/filters/parse-filter
 * (About 310 lines: one recursive parser of one grammar, whose location tracking every branch shares; split, each part would re-thread it.)
 * Parses the contract's filter language (`LogicalOperator`, the
 * `{"field": value}` shorthand and the Qdrant-style `must/should/must_not`
 * alias) into a `FilterNode`, reporting every problem with its exact location.
 *
 * Templates (`"{{INPUT.x}}"`) are not resolved here: callers resolve them with
 * `resolveTemplates` first. At create time, when inputs are unknown, pass
 * `{ allowTemplates: true }` so that template values skip their type checks.
 */
import { linearRegexProblem } from '../../lib/linear-regex.js';
import { errors, type ValidationIssue } from '../../errors.js';
import { FILTER_OPERATORS, type FilterNode, type FilterOperator } from '../../store/filter-node.js';
import { ownValue } from '../../lib/own-value.js';

export const MAX_FILTER_DEPTH = 16;
/** Conditions in one filter: SQL engines nest `OR`s as deep trees (SQLite refuses past 1,000 levels) and big trees overflow the stack. */
export const MAX_FILTER_CONDITIONS = 500;
/** Values of one `in` / `nin` list (each becomes a bound SQL parameter). */
export const MAX_FILTER_LIST_VALUES = 1_000;

export interface ParseFilterOptions {
  /** Accept `{{…}}` strings and unresolved dynamic values wherever a typed value is expected. */
  allowTemplates?: boolean;
}

type Location = (string | number)[];

const LOGICAL_KEYS: Record<string, 'and' | 'or' | 'not'> = {
  AND: 'and',
  and: 'and',
  OR: 'or',
  or: 'or',
  NOT: 'not',
  not: 'not',
  must: 'and',
  should: 'or',
  must_not: 'not',
};

const OPERATOR_ALIASES: Record<string, FilterOperator> = {
  '=': 'eq',
  '==': 'eq',
  '!=': 'ne',
  '<>': 'ne',
  '>': 'gt',
  '>=': 'gte',
  '<': 'lt',
  '<=': 'lte',
  not_in: 'nin',
  startswith: 'starts_with',
  endswith: 'ends_with',
  match: 'text',
};

export function parseFilter(
  input: unknown,
  location: Location = ['body', 'filters'],
  options: ParseFilterOptions = {},
): FilterNode | null {
  if (input === null || input === undefined) return null;
  const parser = new FilterParser(options);
  const node = parser.parseNode(input, location, 1, false);
  if (parser.issues.length > 0) throw errors.validation(parser.issues);
  return node;
}

export function isTemplateValue(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{') || value.includes('{%');
  return isDynamicValue(value);
}

function isDynamicValue(value: unknown): boolean {
  return isRecord(value) && value.type === 'dynamic' && typeof value.field === 'string';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class FilterParser {
  readonly issues: ValidationIssue[] = [];
  private conditions = 0;
  constructor(private readonly options: ParseFilterOptions) {}

  private fail(location: Location, message: string, type = 'value_error'): null {
    this.issues.push({ type, location, message });
    return null;
  }

  parseNode(input: unknown, location: Location, depth: number, caseSensitive: boolean): FilterNode | null {
    if (depth > MAX_FILTER_DEPTH) {
      return this.fail(
        location,
        `Filter nesting is deeper than the limit of ${MAX_FILTER_DEPTH} levels`,
        'filter_depth',
      );
    }
    if (Array.isArray(input)) return this.combine('and', this.parseChildren(input, location, depth, caseSensitive));
    if (!isRecord(input)) {
      return this.fail(
        location,
        `A filter must be an object such as {"field": "metadata.status", "operator": "eq", "value": "active"}, got ${describe(input)}`,
        'filter_type',
      );
    }
    const sensitivity = this.readCaseSensitive(input, location, caseSensitive);
    if ('field' in input || 'key' in input) return this.parseCondition(input, location, sensitivity);

    const children: FilterNode[] = [];
    for (const [key, value] of Object.entries(input)) {
      if (key === 'case_sensitive') continue;
      const logical = ownValue(LOGICAL_KEYS, key);
      const childLocation = [...location, key];
      if (!logical) {
        const node = this.parseShorthand(key, value, childLocation, sensitivity);
        if (node) children.push(node);
        continue;
      }
      if (value === null || value === undefined) continue;
      const list = Array.isArray(value) ? value : logical === 'not' || isRecord(value) ? [value] : null;
      if (!list) {
        this.fail(childLocation, `'${key}' must be an array of conditions or filter groups`, 'filter_type');
        continue;
      }
      const parsed = this.parseChildren(list, childLocation, depth + 1, sensitivity, !Array.isArray(value));
      if (parsed.length === 0) continue;
      children.push(logical === 'and' ? this.combine('and', parsed)! : { kind: logical, children: parsed });
    }
    return this.combine('and', children);
  }

  private parseChildren(list: unknown[], location: Location, depth: number, caseSensitive: boolean, single = false) {
    const nodes: FilterNode[] = [];
    list.forEach((child, index) => {
      const node = this.parseNode(child, single ? location : [...location, index], depth, caseSensitive);
      if (node) nodes.push(node);
    });
    return nodes;
  }

  private combine(kind: 'and', children: FilterNode[]): FilterNode | null {
    if (children.length === 0) return null;
    return children.length === 1 ? children[0] : { kind, children };
  }

  private readCaseSensitive(input: Record<string, unknown>, location: Location, inherited: boolean): boolean {
    const value = input.case_sensitive;
    if (value === undefined || value === null) return inherited;
    if (typeof value !== 'boolean') {
      this.fail(
        [...location, 'case_sensitive'],
        `'case_sensitive' must be a boolean, got ${describe(value)}`,
        'bool_type',
      );
      return inherited;
    }
    return value;
  }

  private parseShorthand(field: string, value: unknown, location: Location, caseSensitive: boolean): FilterNode | null {
    if (isRecord(value) && !isDynamicValue(value)) {
      return this.fail(
        location,
        `Shorthand filter '${field}' must have a plain value; use {"field": "${field}", "operator": "…", "value": …} for other operators`,
      );
    }
    return this.buildCondition(field, 'eq', value, location, caseSensitive);
  }

  private parseCondition(
    input: Record<string, unknown>,
    location: Location,
    caseSensitive: boolean,
  ): FilterNode | null {
    const fieldKey = 'field' in input ? 'field' : 'key';
    const field = input[fieldKey];
    if (typeof field !== 'string' || field.trim() === '') {
      return this.fail(
        [...location, fieldKey],
        `'${fieldKey}' must be a non-empty dot path such as "metadata.status", got ${describe(field)}`,
        'string_type',
      );
    }
    // Qdrant conditions carry the value in `match` or `range`.
    if (fieldKey === 'key' && isRecord(input.range))
      return this.parseRange(field, input.range, [...location, 'range'], caseSensitive);
    if (fieldKey === 'key' && isRecord(input.match)) {
      const match = input.match;
      if ('any' in match)
        return this.buildCondition(field, 'in', match.any, [...location, 'match', 'any'], caseSensitive);
      if ('text' in match)
        return this.buildCondition(field, 'text', match.text, [...location, 'match', 'text'], caseSensitive);
      return this.buildCondition(field, 'eq', match.value, [...location, 'match', 'value'], caseSensitive);
    }
    const rawOperator = input.operator ?? 'eq';
    const operator = typeof rawOperator === 'string' ? resolveOperator(rawOperator) : null;
    if (!operator) {
      return this.fail(
        [...location, 'operator'],
        `Unknown filter operator ${describe(rawOperator)}; valid operators are ${FILTER_OPERATORS.join(', ')}`,
        'enum',
      );
    }
    if (!('value' in input) || input.value === undefined) {
      return this.fail(
        [...location, 'value'],
        `Filter on '${field}' with operator '${operator}' needs a 'value'`,
        'missing',
      );
    }
    return this.buildCondition(field, operator, input.value, [...location, 'value'], caseSensitive);
  }

  private parseRange(field: string, range: Record<string, unknown>, location: Location, caseSensitive: boolean) {
    const parts: FilterNode[] = [];
    for (const operator of ['gt', 'gte', 'lt', 'lte'] as const) {
      if (range[operator] === undefined) continue;
      const node = this.buildCondition(field, operator, range[operator], [...location, operator], caseSensitive);
      if (node) parts.push(node);
    }
    if (parts.length === 0) return this.fail(location, `A range on '${field}' needs at least one of gt, gte, lt, lte`);
    return this.combine('and', parts);
  }

  private buildCondition(
    field: string,
    operator: FilterOperator,
    value: unknown,
    valueLocation: Location,
    caseSensitive: boolean,
  ): FilterNode | null {
    if (++this.conditions > MAX_FILTER_CONDITIONS) {
      // One issue, not one per extra condition: a 20,000-condition filter answers a short 422.
      return this.conditions === MAX_FILTER_CONDITIONS + 1
        ? this.fail(
            valueLocation,
            `The filter has more than ${MAX_FILTER_CONDITIONS} conditions; split the query or use 'in' with a list`,
            'filter_size',
          )
        : null;
    }
    const problem = this.options.allowTemplates && isTemplateValue(value) ? null : checkValue(field, operator, value);
    if (problem)
      return this.fail(
        valueLocation,
        problem,
        operator === 'exists' || operator === 'is_null' ? 'bool_type' : 'value_error',
      );
    return { kind: 'condition', field, operator, value, caseSensitive };
  }
}

function resolveOperator(raw: string): FilterOperator | null {
  const lower = raw.trim().toLowerCase();
  if ((FILTER_OPERATORS as readonly string[]).includes(lower)) return lower as FilterOperator;
  return ownValue(OPERATOR_ALIASES, lower) ?? null;
}

function checkValue(field: string, operator: FilterOperator, value: unknown): string | null {
  if (isDynamicValue(value)) {
    return `Dynamic value for '${field}' was not resolved; reference an input such as {"type": "dynamic", "field": "inputs.user_id"} and provide that input`;
  }
  if (typeof value === 'string' && value.includes('{{')) {
    return `Template ${JSON.stringify(value)} in the filter on '${field}' was not resolved`;
  }
  switch (operator) {
    case 'in':
    case 'nin':
      if (!Array.isArray(value))
        return `Operator '${operator}' on '${field}' needs an array value, got ${describe(value)}`;
      return value.length > MAX_FILTER_LIST_VALUES
        ? `Operator '${operator}' on '${field}' has ${value.length} values; the limit is ${MAX_FILTER_LIST_VALUES}`
        : null;
    case 'exists':
    case 'is_null':
      return typeof value === 'boolean'
        ? null
        : `Operator '${operator}' on '${field}' needs a boolean value (true or false), got ${describe(value)}`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return typeof value === 'number' || typeof value === 'string'
        ? null
        : `Operator '${operator}' on '${field}' needs a number or string value, got ${describe(value)}`;
    case 'starts_with':
    case 'ends_with':
    case 'text':
      return typeof value === 'string'
        ? null
        : `Operator '${operator}' on '${field}' needs a string value, got ${describe(value)}`;
    case 'regex':
      if (typeof value !== 'string')
        return `Operator 'regex' on '${field}' needs a regular expression string, got ${describe(value)}`;
      {
        const problem = linearRegexProblem(value);
        return problem
          ? `Operator 'regex' on '${field}': ${JSON.stringify(value.slice(0, 100))} is refused: ${problem}`
          : null;
      }
    default:
      return null;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

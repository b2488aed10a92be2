/**
 * @module store/sqlite/filter-to-sql
 * Compiles a `FilterNode` to a SQLite boolean expression over a JSON text
 * column, with exactly the semantics documented in `store/filter-node`.
 *
 * Safety: user input never reaches the SQL text. Values *and JSON paths*
 * are bound parameters; only `dataColumn` and `columns` (chosen by code)
 * are written into the SQL.
 *
 * Typing: `json_extract` turns JSON true/false into 1/0 and arrays into
 * text, so every comparison is guarded by `json_type` to keep JSON types
 * apart the way a JavaScript `===` does.
 *
 * Nulls: every condition is wrapped in `coalesce(…, 0)` so that a missing
 * field yields false, never SQL NULL; otherwise `NOT` (and `ne`, `nin`)
 * would silently drop documents where the field is absent.
 *
 * Case folding, word matching, composite equality and regular expressions
 * use the SQL functions of `filter-sql-functions.ts` (which says why); the
 * SQL is assembled from parameter-carrying pieces (`sql-fragment.ts`).
 *
 * Equality tests `CASE <json type> WHEN …`, so a field's type is read once
 * per row and an array field is searched element by element only when it
 * is one.
 */
import { linearRegexProblem } from '../../lib/linear-regex.js';
import type { FilterCondition, FilterNode } from '../filter-node.js';
import { ARRAY_INDEX, candidateList, filterFlag, filterWords, partitionCandidates } from '../filter-values.js';
import { InvalidFilterError } from '../store-errors.js';
import { ownValue } from '../../lib/own-value.js';
import { jsonPathKey } from './json-path.js';
import { fragment, joinFragments, list, raw, type Fragment } from './sql-fragment.js';

export interface FilterSqlOptions {
  /** SQL expression of the JSON text column holding the user fields, e.g. `d.data`. */
  dataColumn: string;
  /** System field → SQL expression (e.g. `created_at` → an ISO-8601 expression). */
  columns: Record<string, string>;
}

export function compileFilterToSql(node: FilterNode, options: FilterSqlOptions): { sql: string; params: unknown[] } {
  const compiled = compileNode(node, options);
  return { sql: compiled.sql, params: compiled.params };
}

function compileNode(node: FilterNode, options: FilterSqlOptions): Fragment {
  switch (node.kind) {
    case 'and':
      return node.children.length === 0 ? raw('1') : group(node.children, ' AND ', options);
    case 'or':
      return node.children.length === 0 ? raw('0') : group(node.children, ' OR ', options);
    case 'not':
      return node.children.length === 0 ? raw('1') : fragment`(NOT ${group(node.children, ' OR ', options)})`;
    case 'condition':
      return fragment`coalesce(${compileCondition(node, options)}, 0)`;
  }
}

function group(children: FilterNode[], separator: string, options: FilterSqlOptions): Fragment {
  return fragment`(${joinFragments(
    children.map((child) => compileNode(child, options)),
    separator,
  )})`;
}

/** How a field is read: its JSON type name, its SQL value, and (for JSON fields) its path for json_each. */
interface FieldAccess {
  type: Fragment;
  value: Fragment;
  path: Fragment | null;
  data: Fragment;
}

function accessField(field: string, options: FilterSqlOptions): FieldAccess {
  const data = raw(options.dataColumn);
  const column = ownValue(options.columns, field);
  if (column !== undefined) return { type: fragment`typeof(${raw(column)})`, value: raw(column), path: null, data };
  const path = jsonPathFor(field, data);
  if (!field.startsWith('metadata.')) {
    return { type: fragment`json_type(${data}, ${path})`, value: fragment`json_extract(${data}, ${path})`, path, data };
  }
  // Documents keep user fields at the root while Mixpeek examples filter on `metadata.x`: absent → root.
  const rest = field.slice('metadata.'.length);
  const present = fragment`json_type(${data}, ${path}) IS NOT NULL`;
  const restColumn = ownValue(options.columns, rest);
  if (restColumn !== undefined) {
    return {
      type: fragment`CASE WHEN ${present} THEN json_type(${data}, ${path}) ELSE typeof(${raw(restColumn)}) END`,
      value: fragment`CASE WHEN ${present} THEN json_extract(${data}, ${path}) ELSE ${raw(restColumn)} END`,
      path,
      data,
    };
  }
  const chosen = fragment`CASE WHEN ${present} THEN ${path} ELSE ${jsonPathFor(rest, data)} END`;
  return {
    type: fragment`json_type(${data}, ${chosen})`,
    value: fragment`json_extract(${data}, ${chosen})`,
    path: chosen,
    data,
  };
}

function compileCondition(condition: FilterCondition, options: FilterSqlOptions): Fragment {
  const field = accessField(condition.field, options);
  const { type, value } = field;
  const fold = (expression: Fragment) => (condition.caseSensitive ? expression : lowered(expression));
  const foldValue = (text: string) => (condition.caseSensitive ? text : text.toLowerCase());
  const operand = condition.value;

  switch (condition.operator) {
    case 'eq':
      return equalsAny(field, [operand], condition.caseSensitive);
    case 'ne':
      return fragment`NOT coalesce(${equalsAny(field, [operand], condition.caseSensitive)}, 0)`;
    case 'in':
      return equalsAny(field, candidateList(operand), condition.caseSensitive);
    case 'nin':
      return fragment`NOT coalesce(${equalsAny(field, candidateList(operand), condition.caseSensitive)}, 0)`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const comparator = raw({ gt: '>', gte: '>=', lt: '<', lte: '<=' }[condition.operator]);
      if (typeof operand === 'number' && Number.isFinite(operand))
        return fragment`(${type} IN ('integer', 'real') AND ${value} ${comparator} ${operand})`;
      if (typeof operand === 'string')
        return fragment`(${type} = 'text' AND ${fold(value)} ${comparator} ${foldValue(operand)})`;
      return raw('0');
    }
    case 'contains': {
      // A plain substring: instr, never LIKE (whose `%` and `_` are wildcards and whose case folding is ASCII-only).
      const branches: Fragment[] = [];
      if (typeof operand === 'string')
        branches.push(fragment`WHEN 'text' THEN instr(${fold(value)}, ${foldValue(operand)}) > 0 `);
      const inArray = anyElement(field, [operand], condition.caseSensitive);
      if (inArray) branches.push(fragment`WHEN 'array' THEN ${inArray} `);
      return caseOfType(type, branches);
    }
    case 'starts_with':
    case 'ends_with': {
      if (typeof operand !== 'string') return raw('0');
      const needle = foldValue(operand);
      const length = [...needle].length;
      if (length === 0) return fragment`(${type} = 'text')`;
      const start = condition.operator === 'starts_with' ? 1 : -length;
      return fragment`(${type} = 'text' AND substr(${fold(value)}, ${start}, ${length}) = ${needle})`;
    }
    case 'regex': {
      const flags = condition.caseSensitive ? '' : 'i';
      if (typeof operand !== 'string') throw new InvalidFilterError(condition.field, 'regex needs a string pattern');
      // The function runs RE2 (linear time); refused patterns answer 422 here, never inside the query.
      const problem = linearRegexProblem(operand);
      if (problem) throw new InvalidFilterError(condition.field, `regex: ${problem}`);
      return fragment`(${type} = 'text' AND quarry_regexp(${operand}, ${flags}, ${value}))`;
    }
    case 'exists':
      return filterFlag(operand) ? fragment`(${type} IS NOT NULL)` : fragment`(${type} IS NULL)`;
    case 'is_null':
      return filterFlag(operand)
        ? fragment`(${type} IS NULL OR ${type} = 'null')`
        : fragment`(${type} IS NOT NULL AND ${type} <> 'null')`;
    case 'text': {
      // A query without words matches nothing.
      if (typeof operand !== 'string' || filterWords(operand).length === 0) return raw('0');
      const branches = [fragment`WHEN 'text' THEN quarry_words_match(${value}, ${operand}) `];
      if (field.path !== null) {
        const strings = fragment`(SELECT group_concat(element.value, ' ') FROM json_each(${field.data}, ${field.path}) AS element WHERE element.type = 'text')`;
        branches.push(fragment`WHEN 'array' THEN quarry_words_match(${strings}, ${operand}) `);
      }
      return caseOfType(type, branches);
    }
  }
}

/** Each numeric segment triples the path expression; deeper numeric paths are refused, not slow. */
const MAX_NUMERIC_SEGMENTS = 3;

/**
 * The JSON path of a dot path, as a SQL expression yielding the path text.
 * Keys are always quoted (`$."a"."b"`), with `\` and `"` escaped the way
 * SQLite's path parser accepts. A numeric segment (`tags.0`) indexes an
 * array and names a key of an object, as property access does in JavaScript.
 */
function jsonPathFor(field: string, data: Fragment): Fragment {
  const segments = field.split('.');
  if (segments.some((segment) => segment === '')) {
    throw new InvalidFilterError(field, `Invalid field path '${field}': empty path segment`);
  }
  let literal = '$';
  let expression: Fragment | null = null;
  let numericSegments = 0;
  for (const segment of segments) {
    const key = jsonPathKey(segment);
    if (!ARRAY_INDEX.test(segment)) {
      if (expression) expression = fragment`(${expression} || ${key})`;
      else literal += key;
      continue;
    }
    if (++numericSegments > MAX_NUMERIC_SEGMENTS) {
      throw new InvalidFilterError(
        field,
        `Invalid field path '${field}': at most ${MAX_NUMERIC_SEGMENTS} array indexes`,
      );
    }
    const base: Fragment = expression ?? fragment`${literal}`;
    expression = fragment`(CASE WHEN json_type(${data}, ${base}) = 'array' THEN ${base} || ${`[${segment}]`} ELSE ${base} || ${key} END)`;
  }
  return expression ?? fragment`${literal}`;
}

/**
 * Lowercase exactly as JavaScript does. SQLite's own lower() agrees with
 * toLowerCase() on printable ASCII and runs in C; only other text pays for a
 * call into JavaScript (a 10% filter over 100k documents spent most of its
 * 200 ms in that call).
 */
function lowered(expression: Fragment): Fragment {
  return fragment`(CASE WHEN ${expression} GLOB '*[^ -~]*' THEN quarry_lower(${expression}) ELSE lower(${expression}) END)`;
}

/**
 * The field equals one of `candidates` (JSON-typed, strings folded unless
 * case-sensitive), or holds an array with an element that does.
 */
function equalsAny(field: FieldAccess, candidates: unknown[], caseSensitive: boolean): Fragment {
  const whole = equalityBranches(field.value, candidates, caseSensitive);
  const array = [whole.composite, anyElement(field, candidates, caseSensitive)].filter((part) => part !== null);
  const branches = [
    ...whole.scalars,
    ...(array.length > 0 ? [fragment`WHEN 'array' THEN ${joinFragments(array, ' OR ')} `] : []),
    ...(whole.composite ? [fragment`WHEN 'object' THEN ${whole.composite} `] : []),
  ];
  return caseOfType(field.type, branches);
}

/** `CASE <type> WHEN … ELSE 0 END`: the type is read once; no branch is false. */
function caseOfType(type: Fragment, branches: Fragment[]): Fragment {
  return branches.length === 0 ? raw('0') : fragment`(CASE ${type} ${joinFragments(branches, '')}ELSE 0 END)`;
}

/** An array field's element equals one of `candidates` (the caller has checked the field is an array); null when none can. */
function anyElement(field: FieldAccess, candidates: unknown[], caseSensitive: boolean): Fragment | null {
  if (field.path === null) return null;
  const element = equalityBranches(raw('element.value'), candidates, caseSensitive);
  const branches = [
    ...element.scalars,
    ...(element.composite
      ? [fragment`WHEN 'array' THEN ${element.composite} WHEN 'object' THEN ${element.composite} `]
      : []),
  ];
  if (branches.length === 0) return null;
  return fragment`EXISTS (SELECT 1 FROM json_each(${field.data}, ${field.path}) AS element WHERE ${caseOfType(raw('element.type'), branches)})`;
}

/**
 * `WHEN <json type> THEN <equal>` branches for the scalar candidates, and
 * the test of a composite value (its canonical JSON among the candidates').
 */
function equalityBranches(
  value: Fragment,
  candidates: unknown[],
  caseSensitive: boolean,
): { scalars: Fragment[]; composite: Fragment | null } {
  const { strings, numbers, literals, composites } = partitionCandidates(candidates, caseSensitive);
  const scalars: Fragment[] = [];
  if (strings.length > 0)
    scalars.push(fragment`WHEN 'text' THEN ${caseSensitive ? value : lowered(value)} IN (${list(strings)}) `);
  if (numbers.length > 0) {
    scalars.push(
      fragment`WHEN 'integer' THEN ${value} IN (${list(numbers)}) `,
      fragment`WHEN 'real' THEN ${value} IN (${list(numbers)}) `,
    );
  }
  for (const literal of literals) scalars.push(fragment`WHEN ${literal} THEN 1 `);
  const composite = composites.length > 0 ? fragment`quarry_json_canonical(${value}) IN (${list(composites)})` : null;
  return { scalars, composite };
}

/**
 * @module store/postgres/filter-to-sql
 * Compiles a `FilterNode` to a PostgreSQL boolean expression over a JSONB
 * column, with exactly the semantics documented in `store/filter-node`
 * (the same as `sqlite/filter-to-sql`; a test compares both with a
 * JavaScript reference).
 *
 * Safety: user input never reaches the SQL text. Values and JSON paths are
 * `$n` parameters; only `dataColumn` and `columns` (chosen by code) are
 * written into the SQL.
 *
 * Every field is read as one JSONB value (system columns through
 * `to_jsonb`), missing = SQL NULL, so `jsonb_typeof` keeps JSON types apart
 * the way `===` does, and every condition is wrapped in
 * `coalesce(…, false)` so `NOT`, `ne` and `nin` keep documents where the
 * field is absent. Strings fold with `lower()` (Unicode-aware under a
 * UTF-8 ctype) and order with `COLLATE "C"` (code-point order, as SQLite
 * and JavaScript compare).
 */
import type { FilterCondition, FilterNode } from '../filter-node.js';
import { ARRAY_INDEX, candidateList, filterFlag, filterWords, partitionCandidates } from '../filter-values.js';
import { InvalidFilterError } from '../store-errors.js';
import { ownValue } from '../../lib/own-value.js';
import { Parameters } from './sql-parameters.js';
import { regexToPostgres } from './regex-to-postgres.js';
import { linearRegexProblem, MAX_REGEX_SUBJECT_CHARS } from '../../lib/linear-regex.js';

export interface FilterSqlOptions {
  /** SQL expression of the JSONB column holding the user fields, e.g. `d.data`. */
  dataColumn: string;
  /** System field → SQL expression (e.g. `created_at` → an ISO-8601 text expression). */
  columns: Record<string, string>;
}

/** Compiles into `parameters` (shared with the rest of the statement) and returns the SQL. */
export function compileFilterToSql(
  node: FilterNode,
  options: FilterSqlOptions,
  parameters: Parameters = new Parameters(),
): { sql: string; params: unknown[] } {
  const sql = new FilterCompiler(options, parameters).node(node);
  return { sql, params: parameters.values };
}

/** Segments PostgreSQL would read as an array index but JavaScript (and SQLite) as a key. */
const INTEGER_LIKE = /^\s*[-+]?[0-9]+\s*$/;

class FilterCompiler {
  constructor(
    private readonly options: FilterSqlOptions,
    private readonly parameters: Parameters,
  ) {}

  node(node: FilterNode): string {
    switch (node.kind) {
      case 'and':
        return node.children.length === 0
          ? 'true'
          : `(${node.children.map((child) => this.node(child)).join(' AND ')})`;
      case 'or':
        return node.children.length === 0
          ? 'false'
          : `(${node.children.map((child) => this.node(child)).join(' OR ')})`;
      case 'not':
        return node.children.length === 0
          ? 'true'
          : `(NOT (${node.children.map((child) => this.node(child)).join(' OR ')}))`;
      case 'condition':
        return `coalesce(${this.condition(node)}, false)`;
    }
  }

  /** The field as a JSONB expression: NULL when absent. */
  private access(field: string): string {
    const column = ownValue(this.options.columns, field);
    if (column !== undefined) return `to_jsonb(${column})`;
    const direct = this.path(field);
    if (!field.startsWith('metadata.')) return direct;
    // Documents keep user fields at the root while Mixpeek examples filter on `metadata.x`: absent → root.
    const rest = field.slice('metadata.'.length);
    const restColumn = ownValue(this.options.columns, rest);
    return `coalesce(${direct}, ${restColumn !== undefined ? `to_jsonb(${restColumn})` : this.path(rest)})`;
  }

  private path(field: string): string {
    const segments = field.split('.');
    if (segments.some((segment) => segment === ''))
      throw new InvalidFilterError(field, `Invalid field path '${field}': empty path segment`);
    const data = this.options.dataColumn;
    const full = `(${data} #> ${this.parameters.add(segments)}::text[])`;
    // `#>` indexes arrays with any integer text ('-1' counts from the end); JavaScript only with canonical indexes.
    const guards = segments.flatMap((segment, position) =>
      INTEGER_LIKE.test(segment) && !ARRAY_INDEX.test(segment)
        ? [
            `jsonb_typeof(${data} #> ${this.parameters.add(segments.slice(0, position))}::text[]) IS DISTINCT FROM 'array'`,
          ]
        : [],
    );
    return guards.length === 0 ? full : `(CASE WHEN ${guards.join(' AND ')} THEN ${full} END)`;
  }

  private condition(condition: FilterCondition): string {
    // Read lazily: a condition that compiles to a constant must not bind parameters it never uses (PostgreSQL refuses untyped ones).
    let accessed: string | null = null;
    const field = () => (accessed ??= this.access(condition.field));
    const sensitive = condition.caseSensitive;
    const fold = (expression: string) => (sensitive ? expression : `lower(${expression})`);
    const foldValue = (input: string) => (sensitive ? input : input.toLowerCase());
    const operand = condition.value;
    const text = () => `(${field()} #>> '{}')`;
    const type = () => `jsonb_typeof(${field()})`;

    switch (condition.operator) {
      case 'eq':
        return this.equalsAny(field(), [operand], sensitive);
      case 'ne':
        return `NOT coalesce(${this.equalsAny(field(), [operand], sensitive)}, false)`;
      case 'in':
        return this.equalsAny(field(), candidateList(operand), sensitive);
      case 'nin':
        return `NOT coalesce(${this.equalsAny(field(), candidateList(operand), sensitive)}, false)`;
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte': {
        const comparator = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[condition.operator];
        if (typeof operand === 'number' && Number.isFinite(operand))
          return `(${asNumber(field())} ${comparator} ${this.parameters.add(operand)}::numeric)`;
        if (typeof operand === 'string')
          return `(${type()} = 'string' AND ${fold(text())} COLLATE "C" ${comparator} ${this.parameters.add(foldValue(operand))}::text COLLATE "C")`;
        return 'false';
      }
      case 'contains': {
        const inArray = this.anyElement(field(), [operand], sensitive);
        if (typeof operand !== 'string') return inArray;
        // A plain substring: strpos, never LIKE (whose `%` and `_` are wildcards).
        return `((${type()} = 'string' AND strpos(${fold(text())}, ${this.parameters.add(foldValue(operand))}::text) > 0) OR ${inArray})`;
      }
      case 'starts_with':
      case 'ends_with': {
        if (typeof operand !== 'string') return 'false';
        const needle = foldValue(operand);
        if (needle.length === 0) return `(${type()} = 'string')`;
        const bound = this.parameters.add(needle);
        const test =
          condition.operator === 'starts_with'
            ? `starts_with(${fold(text())}, ${bound}::text)`
            : `right(${fold(text())}, ${this.parameters.add([...needle].length)}::int) = ${bound}::text`;
        return `(${type()} = 'string' AND ${test})`;
      }
      case 'regex': {
        if (typeof operand !== 'string') throw new InvalidFilterError(condition.field, 'regex needs a string pattern');
        // The same patterns as the in-memory and SQLite matchers (RE2's linear-time subset: no backreferences, no lookaround), so
        // PostgreSQL's engine, which backtracks for those, never gets one; and the same bound on the values tried.
        const problem = linearRegexProblem(operand);
        if (problem) throw new InvalidFilterError(condition.field, `regex: ${problem}`);
        // `(?p)`: `.` and negated classes do not match a newline, as in JavaScript.
        const pattern = this.parameters.add(`(?p)${regexToPostgres(operand, condition.field)}`);
        return `(${type()} = 'string' AND length(${text()}) <= ${MAX_REGEX_SUBJECT_CHARS} AND ${text()} ${sensitive ? '~' : '~*'} ${pattern}::text)`;
      }
      case 'exists':
        return filterFlag(operand) ? `(${field()} IS NOT NULL)` : `(${field()} IS NULL)`;
      case 'is_null':
        return filterFlag(operand)
          ? `(${field()} IS NULL OR ${type()} = 'null')`
          : `(${field()} IS NOT NULL AND ${type()} <> 'null')`;
      case 'text': {
        if (typeof operand !== 'string') return 'false';
        const words = filterWords(operand);
        // A query without words matches nothing.
        if (words.length === 0) return 'false';
        // A string, or an array's string elements read as one text.
        const elements = `(SELECT string_agg(element #>> '{}', ' ') FROM jsonb_array_elements(${this.asArray(field())}) AS element WHERE jsonb_typeof(element) = 'string')`;
        const source = `(CASE ${type()} WHEN 'string' THEN ${text()} WHEN 'array' THEN ${elements} END)`;
        return `(regexp_split_to_array(lower(${source}), '[^[:alnum:]]+') @> ${this.parameters.add(words)}::text[])`;
      }
    }
  }

  /** The field equals one of `candidates`, or holds an array with an element that does. */
  private equalsAny(value: string, candidates: unknown[], sensitive: boolean): string {
    return `(${this.matchAny(value, candidates, sensitive)} OR ${this.anyElement(value, candidates, sensitive)})`;
  }

  /** True when the array field has an element equal to one of `candidates`. */
  private anyElement(value: string, candidates: unknown[], sensitive: boolean): string {
    return `(jsonb_typeof(${value}) = 'array' AND EXISTS (SELECT 1 FROM jsonb_array_elements(${this.asArray(value)}) AS element(value) WHERE ${this.matchAny('element.value', candidates, sensitive)}))`;
  }

  /** The value when it is an array, else an empty one (jsonb_array_elements refuses scalars, and AND does not guard it). */
  private asArray(value: string): string {
    return `(CASE WHEN jsonb_typeof(${value}) = 'array' THEN ${value} ELSE '[]'::jsonb END)`;
  }

  /** `value` equal (JSON-typed, strings folded unless case-sensitive, composites as jsonb: key order ignored) to any candidate. */
  private matchAny(value: string, candidates: unknown[], sensitive: boolean): string {
    const { strings, numbers, literals, composites } = partitionCandidates(candidates, sensitive);
    const type = `jsonb_typeof(${value})`;
    const parts: string[] = [];
    if (strings.length > 0) {
      const folded = sensitive ? `(${value} #>> '{}')` : `lower(${value} #>> '{}')`;
      parts.push(`(${type} = 'string' AND ${folded} = ANY(${this.parameters.add(strings)}::text[]))`);
    }
    if (numbers.length > 0) parts.push(`(${asNumber(value)} = ANY(${this.parameters.add(numbers)}::numeric[]))`);
    for (const literal of literals)
      parts.push(
        literal === 'null'
          ? `(${type} = 'null')`
          : `(${type} = 'boolean' AND ${value} = ${this.parameters.add(literal)}::jsonb)`,
      );
    if (composites.length > 0)
      parts.push(`(${type} IN ('array', 'object') AND ${value} = ANY(${this.parameters.add(composites)}::jsonb[]))`);
    // Still mention `value` when nothing can match, so its bound path parameters stay referenced (and typed).
    return parts.length === 0 ? `(${value} IS NOT NULL AND false)` : `(${parts.join(' OR ')})`;
  }
}

/** A JSON number as numeric, else NULL; CASE because PostgreSQL does not promise to evaluate AND left to right. */
function asNumber(value: string): string {
  return `(CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value})::numeric END)`;
}

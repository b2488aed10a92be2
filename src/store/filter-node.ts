/**
 * @module store/filter-node
 * The parsed form of the contract's filter language (`LogicalOperator`).
 * Retrieval parses user JSON into this; each store backend compiles it to
 * its own SQL, and `retrieval/filters/match-filter` evaluates it in memory.
 * All three follow these rules (value helpers in `store/filter-values`; the
 * conformance suite's reference and generators check them against each other):
 *
 * Fields
 * - Dot paths into the document's user fields. The system fields
 *   `document_id`, `collection_id`, `created_at`, `updated_at` (ISO-8601
 *   text) are columns and shadow user fields of the same name. A path
 *   starting `metadata.` that is absent falls back to the same path at the
 *   root (documents keep user fields at the root, while Mixpeek examples
 *   filter on `metadata.x`).
 * - A segment indexes an array only when it is a canonical non-negative
 *   integer (`tags.0`); `tags.-1`, `tags.01`, `tags.length` are absent. On
 *   an object a numeric segment is a key.
 * - A condition tests the value at the path; an array is not searched
 *   through (`items.name` does not reach into an array of objects).
 *
 * Values
 * - JSON types stay apart: 5 ≠ '5', true ≠ 1, null is a value.
 * - Strings compare case-insensitively (JavaScript `toLowerCase`) unless
 *   `caseSensitive` is true (the contract's default is `case_sensitive: false`).
 * - Arrays and objects are equal when deeply equal: arrays in order,
 *   objects regardless of key order, strings inside them exactly.
 * - NaN and ±Infinity as values match nothing.
 *
 * Operators
 * - eq: the field equals the value, or the field is an array with an element
 *   that equals it (MongoDB's and Qdrant's reading: `{"tags": "red"}` finds
 *   `["red", "blue"]`). Missing fields never match.
 * - ne: not eq (so a missing field, and an array without the value, match).
 * - in: eq with any value of the list; a value that is not an array counts
 *   as a list of one. nin: not in.
 * - gt/gte/lt/lte: numbers numerically, strings by Unicode code point after
 *   case folding (ISO dates work); mixed types, arrays and missing fields
 *   never match.
 * - contains: a string field contains the value as a plain substring (no
 *   wildcards: `%` and `_` are literal characters; '' matches every
 *   string); an array field has an element equal to the value (not a
 *   substring of an element).
 * - starts_with / ends_with: string fields only, plain text, '' matches every string.
 * - regex: a JavaScript regular expression (`i` flag unless caseSensitive),
 *   on string fields only.
 * - exists: value true → the field is present (even if null); false →
 *   absent. is_null: true → missing or null; false → present and not null.
 *   The value is a boolean; anything else reads as `filterFlag` says
 *   (false, 0, null, '', 'false', '0' → false).
 * - text: every word of the value occurs as a word of the field, ignoring
 *   case (words: runs of Unicode letters and digits, so `_`, `%` and
 *   punctuation separate words; `filterWords`). The field is a string, or an
 *   array whose string elements are read as one text. A value with no words
 *   ('', '%', '  ') matches nothing, as an empty full-text search finds
 *   nothing (a bulk delete by such a filter must not take every document).
 * - and: all children; or: any child; not: none of the children.
 */

export type FilterOperator =
  | 'eq'
  | 'ne'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'in'
  | 'nin'
  | 'contains'
  | 'starts_with'
  | 'ends_with'
  | 'regex'
  | 'exists'
  | 'is_null'
  | 'text';

export const FILTER_OPERATORS: readonly FilterOperator[] = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'nin',
  'contains',
  'starts_with',
  'ends_with',
  'regex',
  'exists',
  'is_null',
  'text',
];

export interface FilterCondition {
  kind: 'condition';
  field: string;
  operator: FilterOperator;
  value: unknown;
  caseSensitive: boolean;
}

export type FilterNode =
  | { kind: 'and'; children: FilterNode[] }
  | { kind: 'or'; children: FilterNode[] }
  | { kind: 'not'; children: FilterNode[] }
  | FilterCondition;

export const SYSTEM_FILTER_FIELDS = ['document_id', 'collection_id', 'created_at', 'updated_at'] as const;

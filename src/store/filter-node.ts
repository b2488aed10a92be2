/**
 * @module store/filter-node
 * The parsed form of the contract's filter language (`LogicalOperator`).
 * Retrieval parses user JSON into this; each store backend compiles it to
 * its own SQL, and `retrieval/filters/match-filter` evaluates it in memory.
 * Both must agree on these semantics:
 *
 * - Field paths are dot paths into the document's user fields. The system
 *   fields `document_id`, `collection_id`, `created_at`, `updated_at` are
 *   columns. A path starting `metadata.` that is absent falls back to the
 *   same path at the root (documents keep user fields at the root, while
 *   Mixpeek examples filter on `metadata.x`).
 * - Strings compare case-insensitively unless `caseSensitive` is true
 *   (the contract's default is `case_sensitive: false`).
 * - eq/ne: equality (ne also matches a missing field). gt/gte/lt/lte:
 *   numbers numerically, strings lexicographically (ISO dates work).
 * - in/nin: `value` is an array; an array field matches `in` when any
 *   element is in the list. contains: substring of a string field, or
 *   element of an array field. starts_with / ends_with: strings.
 * - regex: JavaScript regular expression (`i` flag unless caseSensitive).
 * - exists: value true → the field is present (even if null); false → absent.
 * - is_null: value true → missing or null; false → present and not null.
 * - text: every word of `value` occurs as a word in the field (case-insensitive).
 * - not: true when none of the children match.
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
  'eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'contains', 'starts_with', 'ends_with', 'regex', 'exists', 'is_null', 'text',
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

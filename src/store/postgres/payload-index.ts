/**
 * @module store/postgres/payload-index
 * Payload indexes on PostgreSQL: each declared field gets two btree
 * expression indexes on `documents`, `(collection_id, <text key>)` and
 * `(collection_id, <number key>)`, and a filter on it gets an *implied*
 * condition on those keys, ANDed beside the compiled filter, which still
 * decides every row (decision 0017): the planner reads the index, results
 * never change.
 *
 * The text key is what the filter compares a string with, `lower(text)`
 * (PostgreSQL's own `lower`, as the compiled filter folds), in the "C"
 * collation the filter's string ranges use; arrays and objects (an element
 * may match) key as E'\x01', booleans and null as E'\x03', numbers and
 * absent fields as NULL. The number key is the filter's own `asNumber`.
 *
 * The JSON path is written as a literal, since the planner matches an index
 * expression by its form; it comes from a declared field name, with quotes escaped.
 */
import type { PostgresDatabase, Queryable } from './postgres-database.js';
import type { FilterCondition, FilterNode } from '../filter-node.js';
import { candidateList, partitionCandidates } from '../filter-values.js';
import type { Parameters } from './sql-parameters.js';
import { createHash } from 'node:crypto';

export const PAYLOAD_INDEX_PREFIX = 'documents_payload_';
const SYSTEM_FIELDS = new Set(['document_id', 'collection_id', 'created_at', 'updated_at']);
/** Segments the filter compiler reads with a guard (array index or key): never indexed. */
const INTEGER_LIKE = /^\s*[-+]?[0-9]+\s*$/;
/** How long another process's new or dropped index may go unnoticed. */
const CATALOG_TTL_MS = 5_000;

function baseName(field: string): string {
  return PAYLOAD_INDEX_PREFIX + createHash('sha256').update(field).digest('hex').slice(0, 16);
}

/** The field as JSONB over `data`, as the filter reads it, or null when it is not indexable. */
function fieldSql(field: string, data: string): string | null {
  const segments = field.split('.');
  if (SYSTEM_FIELDS.has(field) || segments.some((segment) => segment === '' || INTEGER_LIKE.test(segment))) return null;
  const path = (parts: string[]) => `(${data} #> '${arrayLiteral(parts)}'::text[])`;
  if (!field.startsWith('metadata.')) return path(segments);
  const rest = field.slice('metadata.'.length);
  if (SYSTEM_FIELDS.has(rest)) return null;
  return `coalesce(${path(segments)}, ${path(rest.split('.'))})`;
}

/** A text[] literal: every element quoted, `\` and `"` escaped, `'` doubled for the SQL string. */
function arrayLiteral(parts: string[]): string {
  return `{${parts.map((part) => `"${part.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`.replace(
    /'/g,
    "''",
  );
}

export function payloadKeys(field: string, data: string): { text: string; number: string } | null {
  const value = fieldSql(field, data);
  if (!value) return null;
  return {
    text: `((CASE jsonb_typeof(${value}) WHEN 'string' THEN lower(${value} #>> '{}') WHEN 'array' THEN E'\\x01' WHEN 'object' THEN E'\\x01' WHEN 'boolean' THEN E'\\x03' WHEN 'null' THEN E'\\x03' END) COLLATE "C")`,
    number: `(CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value})::numeric END)`,
  };
}

export function payloadIndexNames(field: string): [string, string] {
  return [`${baseName(field)}_t`, `${baseName(field)}_n`];
}

/** The declared fields that get indexes (not geo, system fields or array positions). */
export function declaredFields(declared: unknown): string[] {
  const fields: string[] = [];
  for (const entry of Array.isArray(declared) ? declared : []) {
    const item = entry as { field_name?: unknown; type?: unknown };
    if (typeof item?.field_name === 'string' && item.type !== 'geo' && payloadKeys(item.field_name, 'data'))
      fields.push(item.field_name);
  }
  return fields;
}

async function existingNames(database: Queryable): Promise<string[]> {
  const { rows } = await database.query<{ indexname: string }>(
    // Valid ones only: an index still being built (or left INVALID by a failed build) cannot answer yet.
    `SELECT c.relname AS indexname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = 'documents'::regclass AND i.indisvalid AND c.relname LIKE '${PAYLOAD_INDEX_PREFIX}%'`,
  );
  return rows.map((row) => row.indexname);
}

const catalogs = new WeakMap<Queryable, { names: Set<string>; readAt: number }>();
let generation = 0;
const catalogGenerations = new WeakMap<Queryable, number>();

/** After this process built or dropped an index: the next filter reads the catalog again. */
export function forgetCatalogs(): void {
  generation++;
}

/** Which fields have payload indexes: read at most every few seconds, and again after this process declares some. */
export async function payloadIndexedFields(database: PostgresDatabase): Promise<(field: string) => boolean> {
  let catalog = catalogs.get(database);
  if (!catalog || Date.now() - catalog.readAt > CATALOG_TTL_MS || catalogGenerations.get(database) !== generation) {
    catalogGenerations.set(database, generation);
    catalog = { names: new Set(await existingNames(database)), readAt: Date.now() };
    catalogs.set(database, catalog);
  }
  const names = catalog.names;
  return (field) => payloadIndexNames(field).every((name) => names.has(name));
}

/**
 * A condition on an indexed field's keys implied by the filter (the filter, or the members of its top-level AND on
 * the first indexed field that has one), binding into `parameters`; null when none is.
 */
export function impliedPayloadCondition(
  filter: FilterNode,
  indexed: (field: string) => boolean,
  parameters: Parameters,
  data = 'd.data',
): string | null {
  const members = filter.kind === 'and' ? filter.children : [filter];
  let field: string | null = null;
  const parts: string[] = [];
  for (const member of members) {
    if (member.kind !== 'condition' || (field !== null ? member.field !== field : !indexed(member.field))) continue;
    const key = payloadKeys(member.field, data);
    const implied = key && conditionOnKeys(member, key, parameters);
    if (!implied) continue;
    field = member.field;
    parts.push(implied);
  }
  return parts.length === 0 ? null : `(${parts.join(' AND ')})`;
}

function conditionOnKeys(
  condition: FilterCondition,
  key: { text: string; number: string },
  parameters: Parameters,
): string | null {
  const operand = condition.value;
  switch (condition.operator) {
    case 'eq':
    case 'in': {
      const candidates = condition.operator === 'eq' ? [operand] : candidateList(operand);
      const { strings, numbers, literals } = partitionCandidates(candidates, condition.caseSensitive);
      // Case-insensitively the filter compares lower(text) with the lowered candidate; case-sensitively text equal to the candidate has its lower().
      const texts = strings.map((text) =>
        condition.caseSensitive ? `lower(${parameters.add(text)}::text)` : `${parameters.add(text)}::text`,
      );
      texts.push(`E'\\x01'`);
      if (literals.length > 0) texts.push(`E'\\x03'`);
      const onText = `${key.text} IN (${texts.join(', ')})`;
      return numbers.length === 0
        ? onText
        : `(${onText} OR ${key.number} = ANY(${parameters.add(numbers)}::numeric[]))`;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const comparator = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[condition.operator];
      if (typeof operand === 'number' && Number.isFinite(operand))
        return `${key.number} ${comparator} ${parameters.add(operand)}::numeric`;
      // Case-sensitive order differs from the folded key's.
      if (typeof operand !== 'string' || condition.caseSensitive) return null;
      return `${key.text} ${comparator} ${parameters.add(operand.toLowerCase())}::text`;
    }
    default:
      return null;
  }
}

/**
 * @module store/sqlite/payload-index
 * Payload indexes: a namespace's declared `payload_indexes` become SQLite
 * expression indexes on `documents(collection_id, <key of the field>)`, and a
 * filter on such a field gets an *implied* condition on that key, which the
 * index answers. The compiled filter itself is kept as it is and still
 * decides every row: the key only narrows which rows it is asked about, so
 * results never change (decision 0017).
 *
 * The key folds a field's value so one index serves the filter's semantics
 * (case-folded strings, numbers of either JSON type, arrays matched by
 * element): printable-ASCII text → `lower(text)` (what the filter's own
 * folding does on it), integer/real → the number, and markers for the rest:
 * X'01' an array or object (an element may match anything), X'02' other text
 * (folded in JavaScript by the filter, so not comparable here), X'03'
 * true/false/null; an absent field has no key (NULL).
 *
 * The index expression names the JSON path as a literal, since SQLite matches
 * an expression index only against the same expression text. The path is
 * built from a declared field name with quotes escaped, never from filter input.
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './open-database.js';
import { jsonPathOf } from './json-path.js';
import type { FilterCondition, FilterNode } from '../filter-node.js';
import { ARRAY_INDEX, candidateList, partitionCandidates } from '../filter-values.js';
import { createHash } from 'node:crypto';

const PREFIX = 'documents_payload_';
/** Fields read from table columns, not JSON: never payload-indexed. */
const SYSTEM_FIELDS = new Set(['document_id', 'collection_id', 'created_at', 'updated_at']);
const PRINTABLE_ASCII = /^[ -~]*$/;

/** The index name of a field (stable, whatever characters the field has). */
export function payloadIndexName(field: string): string {
  return PREFIX + createHash('sha256').update(field).digest('hex').slice(0, 16);
}

/** The key expression over the column `data`, or null when the field cannot be indexed (system field, array index in the path). */
export function payloadKeySql(field: string, data = 'data'): string | null {
  const segments = field.split('.');
  if (SYSTEM_FIELDS.has(field) || segments.some((segment) => segment === '' || ARRAY_INDEX.test(segment))) return null;
  let path = `'${jsonPath(segments)}'`;
  if (field.startsWith('metadata.')) {
    // The filter reads `metadata.x`, falling back to the root `x` when absent; the key follows the same choice.
    const rest = field.slice('metadata.'.length);
    if (SYSTEM_FIELDS.has(rest)) return null;
    path = `(CASE WHEN json_type(${data}, ${path}) IS NOT NULL THEN ${path} ELSE '${jsonPath(rest.split('.'))}' END)`;
  }
  const value = `json_extract(${data}, ${path})`;
  return (
    `(CASE json_type(${data}, ${path}) WHEN 'text' THEN (CASE WHEN ${value} GLOB '*[^ -~]*' THEN X'02' ELSE lower(${value}) END) ` +
    `WHEN 'integer' THEN ${value} WHEN 'real' THEN ${value} WHEN 'array' THEN X'01' WHEN 'object' THEN X'01' ` +
    `WHEN 'true' THEN X'03' WHEN 'false' THEN X'03' WHEN 'null' THEN X'03' END)`
  );
}

/** `$."a"."b"` as the filter compiler writes it, with `'` doubled for a SQL literal. */
function jsonPath(segments: string[]): string {
  return jsonPathOf(segments).replace(/'/g, "''");
}

export function existingIndexNames(db: SqliteDatabase): string[] {
  return db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'documents' AND name LIKE '${PREFIX}%'`,
    )
    .pluck()
    .all() as string[];
}

/** The declared fields that get an index (`geo` needs a spatial one). */
export function declaredFields(declared: unknown[]): string[] {
  const fields: string[] = [];
  for (const entry of Array.isArray(declared) ? declared : []) {
    const item = entry as { field_name?: unknown; type?: unknown };
    // `geo` needs a spatial index; the others are all served by the folded key.
    if (typeof item?.field_name === 'string' && item.type !== 'geo') fields.push(item.field_name);
  }
  return fields;
}

export function safeParse(text: string): unknown[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

/** Rows an indexed filter reads in one statement (~1 µs each); more are read in slices. */
const INDEXED_SCAN_LIMIT = 20_000;
const catalogs = new WeakMap<SqliteDatabase, PayloadIndexCatalog>();

/**
 * The rowids a filter selects, when it is on a payload-indexed field: the index narrows the rows to those its implied
 * condition allows and the filter (`where`, over `documents d`, scope included) decides each of them, in one statement.
 * Null (read them in slices instead) when no index applies, or when it allows so many rows that one statement would
 * hold the event loop about as long as a scan.
 */
export function indexedFilterScan(
  db: SqliteDatabase,
  collectionId: string,
  filter: FilterNode,
  where: string,
  params: unknown[],
): Set<number> | null {
  let catalog = catalogs.get(db);
  if (!catalog) catalogs.set(db, (catalog = new PayloadIndexCatalog(db)));
  const implied = impliedPayloadCondition(filter, (field) => catalog.has(field));
  if (!implied) return null;
  const from = `documents AS d INDEXED BY ${implied.index} WHERE d.collection_id = ? AND ${implied.sql}`;
  // Counting stops past the limit: a broad condition would otherwise walk most of the index just to be refused.
  const allowed = db
    .prepare(`SELECT count(*) FROM (SELECT 1 FROM ${from} LIMIT ${INDEXED_SCAN_LIMIT + 1})`)
    .pluck()
    .get(collectionId, ...implied.params) as number;
  if (allowed > INDEXED_SCAN_LIMIT) return null;
  return new Set(
    db
      .prepare(`SELECT d.rowid FROM ${from} AND (${where})`)
      .pluck()
      .all(collectionId, ...implied.params, ...params) as number[],
  );
}

/** The names of the payload indexes present, by field: read again only when the schema changed. */
export class PayloadIndexCatalog {
  private schemaVersion = -1;
  private names = new Set<string>();
  /** Prepared once: db.pragma() prepares a statement per call, and this runs for every filtered search. */
  private readonly readSchemaVersion: Statement;

  constructor(private readonly db: SqliteDatabase) {
    this.readSchemaVersion = db.prepare('PRAGMA schema_version').pluck();
  }

  has(field: string): boolean {
    const version = this.readSchemaVersion.get() as number;
    if (version !== this.schemaVersion) {
      this.schemaVersion = version;
      this.names = new Set(existingIndexNames(this.db));
    }
    return this.names.has(payloadIndexName(field));
  }
}

export interface ImpliedCondition {
  /** The index to read (`INDEXED BY`). */
  index: string;
  /** A condition over `documents d` that every row the filter selects satisfies. */
  sql: string;
  params: unknown[];
}

/**
 * A condition on an indexed field's key implied by the filter (the filter, or one member of its top-level AND),
 * or null when none is: eq / in on any value, numeric ranges, and case-insensitive string ranges.
 */
export function impliedPayloadCondition(
  filter: FilterNode,
  indexed: (field: string) => boolean,
): ImpliedCondition | null {
  const members = filter.kind === 'and' ? filter.children : [filter];
  let chosen: { field: string; key: string; sql: string[]; params: unknown[]; bounds: Set<string> } | null = null;
  for (const member of members) {
    if (member.kind !== 'condition' || (chosen ? member.field !== chosen.field : !indexed(member.field))) continue;
    const key = payloadKeySql(member.field, 'd.data');
    const implied = key && conditionOnKey(member, key);
    if (!implied) continue;
    // Every condition on the chosen field narrows it further (`views >= a AND views < b` reads just that range).
    chosen ??= { field: member.field, key: key!, sql: [], params: [], bounds: new Set() };
    chosen.sql.push(implied.sql);
    chosen.params.push(...implied.params);
    if (implied.numeric) chosen.bounds.add(implied.numeric);
  }
  if (!chosen) return null;
  // SQLite orders numbers < text < blobs: a numeric lower bound alone is closed above by the first text (''), so the
  // range stays on numbers; with a numeric upper bound too, that one closes it (and the index reads just the window).
  if (chosen.bounds.has('lower') && !chosen.bounds.has('upper')) chosen.sql.push(`${chosen.key} < ''`);
  return {
    index: payloadIndexName(chosen.field),
    sql: chosen.sql.map((sql) => `(${sql})`).join(' AND '),
    params: chosen.params,
  };
}

function conditionOnKey(
  condition: FilterCondition,
  key: string,
): { sql: string; params: unknown[]; numeric?: 'lower' | 'upper' } | null {
  const operand = condition.value;
  switch (condition.operator) {
    case 'eq':
    case 'in': {
      const candidates = condition.operator === 'eq' ? [operand] : candidateList(operand);
      const { strings, numbers, literals } = partitionCandidates(candidates, condition.caseSensitive);
      const params: unknown[] = [...numbers];
      // Arrays and objects: an element (or the whole composite) may equal a candidate.
      const markers = new Set(["X'01'"]);
      for (const text of strings) {
        const folded = text.toLowerCase();
        if (PRINTABLE_ASCII.test(folded)) params.push(folded);
        else markers.add("X'02'");
        // Case-insensitively, text outside ASCII can fold into ASCII: only the Kelvin sign does (K → k).
        if (!condition.caseSensitive && folded.includes('k')) markers.add("X'02'");
      }
      if (literals.length > 0) markers.add("X'03'");
      const list = [...params.map(() => '?'), ...markers].join(', ');
      return { sql: `${key} IN (${list})`, params };
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const comparator = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[condition.operator];
      const upward = condition.operator === 'gt' || condition.operator === 'gte';
      if (typeof operand === 'number' && Number.isFinite(operand))
        return { sql: `${key} ${comparator} ?`, params: [operand], numeric: upward ? 'lower' : 'upper' };
      // Case-sensitive order differs from the folded key's; text outside printable ASCII is compared after JavaScript folding.
      if (typeof operand !== 'string' || condition.caseSensitive) return null;
      const folded = operand.toLowerCase();
      if (!PRINTABLE_ASCII.test(folded)) return null;
      const range = upward ? `${key} ${comparator} ? AND ${key} < X''` : `${key} ${comparator} ? AND ${key} >= ''`;
      return { sql: `((${range}) OR ${key} = X'02')`, params: [folded] };
    }
    default:
      return null;
  }
}

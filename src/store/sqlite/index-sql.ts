/**
 * @module store/sqlite/index-sql
 * The SQL pieces the SQLite index modules share: the tenant wall plus a
 * pushed-down filter over `documents d`, the collections a scope may search,
 * and small helpers for IN lists read in chunks.
 */
import type { SqliteDatabase } from './open-database.js';
import type { TenantScope } from '../scope.js';
import type { FilterNode } from '../filter-node.js';
import { compileFilterToSql } from './filter-to-sql.js';

const ISO = (column: string) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${column} / 1000.0, 'unixepoch')`;
const FILTER_OPTIONS = {
  dataColumn: 'd.data',
  columns: {
    document_id: 'd.document_id',
    collection_id: 'd.collection_id',
    created_at: ISO('d.created_at'),
    updated_at: ISO('d.updated_at'),
  },
};
const MAX_TOP_K = 10_000;
/** Ids per statement when reading by an IN list. */
export const CHUNK = 500;

/** A collection as the index reads it. */
export interface CollectionRow {
  collection_id: string;
  embedding_dimensions: number;
}

/** The tenant wall plus the pushed-down filter, over `documents d`. */
export function scopeWhere(scope: TenantScope, collectionIds: string[], filter: FilterNode | null | undefined) {
  const ids = unique(collectionIds);
  let sql = `d.org_id = ? AND d.namespace_id = ? AND d.collection_id IN (${placeholders(ids.length)})`;
  const params: unknown[] = [scope.orgId, scope.namespaceId, ...ids];
  if (filter) {
    const compiled = compileFilterToSql(filter, FILTER_OPTIONS);
    sql += ` AND ${compiled.sql}`;
    params.push(...compiled.params);
  }
  return { sql, params };
}

/** The asked collections that exist in the scope (the tenant wall for everything searched in memory). */
export function collectionsInScope(db: SqliteDatabase, scope: TenantScope, collectionIds: string[]): CollectionRow[] {
  const ids = unique(collectionIds);
  return db
    .prepare(
      `SELECT collection_id, embedding_dimensions FROM collections
       WHERE org_id = ? AND namespace_id = ? AND collection_id IN (${placeholders(ids.length)})`,
    )
    .all(scope.orgId, scope.namespaceId, ...ids) as CollectionRow[];
}

/** Identifies a compiled, scoped filter query; parameters are JSON-encoded so `1` and `'1'` differ. */
export function filterKey(sql: string, params: unknown[]): string {
  return `${sql}\u0000${JSON.stringify(params)}`;
}

export function clampTopK(topK: number): number {
  return Math.max(1, Math.min(MAX_TOP_K, Math.floor(topK)));
}

export function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

export function chunks<T>(values: T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < values.length; start += CHUNK) result.push(values.slice(start, start + CHUNK));
  return result;
}

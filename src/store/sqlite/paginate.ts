/**
 * @module store/sqlite/paginate
 * One way to page every list: keyset on (sort column, id) when a cursor is
 * given — stable under concurrent inserts — else offset. Fetches one extra
 * row to know whether more exist.
 */
import type { SqliteDatabase } from './open-database.js';
import type { KeysetCursor, NamedListQuery, Page, SortDirection } from '../store.js';

export interface PageRequest<Row, Item> {
  table: string;
  where: string[];
  params: unknown[];
  /** A SQL expression (never user text) to sort by, and how to read it off an item for the cursor. */
  sortExpression: string;
  sortValue: (row: Row) => string | number | null;
  idColumn: string;
  idValue: (row: Row) => string;
  direction: SortDirection;
  limit: number;
  offset: number;
  cursor?: KeysetCursor;
  includeTotal: boolean;
  map: (row: Row) => Item;
  /** Extra SQL select list (defaults to `*`). */
  select?: string;
}

export function paginate<Row, Item>(db: SqliteDatabase, request: PageRequest<Row, Item>): Page<Item> {
  const where = [...request.where];
  const params = [...request.params];
  const comparison = request.direction === 'asc' ? '>' : '<';
  if (request.cursor) {
    // Row values compare lexicographically: (sort, id) after the last row seen.
    where.push(`(${request.sortExpression}, ${request.idColumn}) ${comparison} (?, ?)`);
    params.push(request.cursor.value, request.cursor.id);
  }
  const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const order = request.direction === 'asc' ? 'ASC' : 'DESC';
  const offset = request.cursor ? 0 : request.offset;
  const rows = db
    .prepare(
      `SELECT ${request.select ?? '*'} FROM ${request.table} ${whereSql}
       ORDER BY ${request.sortExpression} ${order}, ${request.idColumn} ${order} LIMIT ? OFFSET ?`,
    )
    .all(...params, request.limit + 1, offset) as Row[];
  const hasMore = rows.length > request.limit;
  const pageRows = hasMore ? rows.slice(0, request.limit) : rows;
  const last = pageRows[pageRows.length - 1];
  let total: number | null = null;
  if (request.includeTotal) {
    const totalWhere = request.where.length > 0 ? `WHERE ${request.where.join(' AND ')}` : '';
    const row = db.prepare(`SELECT COUNT(*) AS n FROM ${request.table} ${totalWhere}`).get(...request.params) as {
      n: number;
    };
    total = row.n;
  }
  return {
    items: pageRows.map(request.map),
    total,
    nextCursor: hasMore && last ? { value: request.sortValue(last), id: request.idValue(last) } : null,
    hasMore,
  };
}

/**
 * The list every named resource shares (namespaces, collections, retrievers):
 * scoped rows, an optional search over name, id and description, a sort on
 * an allowed column, and keyset or offset paging.
 */
export function listNamed<Row extends Record<string, unknown>, Item>(
  db: SqliteDatabase,
  resource: { table: string; nameColumn: string; idColumn: string; sortable: readonly string[] },
  scope: { where: string[]; params: unknown[] },
  query: NamedListQuery,
  map: (row: Row) => Item,
): Page<Item> {
  const where = [...scope.where];
  const params = [...scope.params];
  if (query.search) {
    // instr() is a plain substring test: no wildcards to escape, and case-sensitive unless both sides are lowered.
    const needle = query.caseSensitive ? query.search : query.search.toLowerCase();
    const column = (name: string) => (query.caseSensitive ? name : `quarry_lower(${name})`);
    where.push(
      `(instr(${column(resource.nameColumn)}, ?) > 0 OR instr(${column(resource.idColumn)}, ?) > 0 OR instr(${column("COALESCE(description, '')")}, ?) > 0)`,
    );
    params.push(needle, needle, needle);
  }
  const requested = query.sort?.field ?? 'created_at';
  const sortColumn = resource.sortable.includes(requested) ? requested : 'created_at';
  return paginate<Row, Item>(db, {
    table: resource.table,
    where,
    params,
    sortExpression: sortColumn,
    sortValue: (row) => row[sortColumn] as string | number,
    idColumn: resource.idColumn,
    idValue: (row) => row[resource.idColumn] as string,
    direction: query.sort?.direction ?? 'desc',
    limit: query.limit,
    offset: query.offset,
    cursor: query.cursor,
    includeTotal: query.includeTotal,
    map,
  });
}

/**
 * @module store/postgres/paginate
 * The PostgreSQL twin of `sqlite/paginate`: keyset on (sort expression, id)
 * when a cursor is given, else offset; one extra row tells whether more
 * exist.
 */
import type { Queryable } from './postgres-database.js';
import type { KeysetCursor, NamedListQuery, Page, SortDirection } from '../store.js';
import { InvalidInputError } from '../store-errors.js';
import { ownValue } from '../../lib/own-value.js';
import { Parameters } from './sql-parameters.js';
import { likePattern } from '../like-pattern.js';

export interface PageRequest<Row, Item> {
  database: Queryable;
  table: string;
  where: string[];
  parameters: Parameters;
  /** A SQL expression (never user text) to sort by, and how to read it off a row for the cursor. */
  sortExpression: string;
  /** Cast applied to the cursor value so it compares with the sort expression, e.g. `::bigint`. */
  cursorCast?: string;
  sortValue: (row: Row) => string | number | null;
  idColumn: string;
  idValue: (row: Row) => string;
  direction: SortDirection;
  limit: number;
  offset: number;
  cursor?: KeysetCursor;
  includeTotal: boolean;
  map: (row: Row) => Item;
  select?: string;
}

export async function paginate<Row, Item>(request: PageRequest<Row, Item>): Promise<Page<Item>> {
  const { parameters } = request;
  const baseWhere = request.where.length > 0 ? `WHERE ${request.where.join(' AND ')}` : '';
  const baseValues = [...parameters.values];
  const where = [...request.where];
  const comparison = request.direction === 'asc' ? '>' : '<';
  if (request.cursor) {
    assertCursorFits(request.cursor.value, request.cursorCast);
    const value = `${parameters.add(request.cursor.value)}${request.cursorCast ?? ''}`;
    where.push(
      `(${request.sortExpression}, ${request.idColumn}) ${comparison} (${value}, ${parameters.add(request.cursor.id)})`,
    );
  }
  const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const order = request.direction === 'asc' ? 'ASC' : 'DESC';
  const limit = parameters.add(request.limit + 1);
  const offset = parameters.add(request.cursor ? 0 : request.offset);
  const { rows } = await request.database.query<Row>(
    `SELECT ${request.select ?? '*'} FROM ${request.table} ${whereSql}
     ORDER BY ${request.sortExpression} ${order}, ${request.idColumn} ${order} LIMIT ${limit} OFFSET ${offset}`,
    parameters.values,
  );
  const hasMore = rows.length > request.limit;
  const pageRows = hasMore ? rows.slice(0, request.limit) : rows;
  const last = pageRows[pageRows.length - 1];
  let total: number | null = null;
  if (request.includeTotal) {
    // The count reuses the filters' placeholders, which were numbered first; later ones (sort, cursor) are left off.
    const used = Math.max(0, ...[...baseWhere.matchAll(/\$(\d+)/g)].map((match) => Number(match[1])));
    const counted = await request.database.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${request.table} ${baseWhere}`,
      baseValues.slice(0, used),
    );
    total = Number(counted.rows[0].n);
  }
  return {
    items: pageRows.map(request.map),
    total,
    nextCursor: hasMore && last ? { value: request.sortValue(last), id: request.idValue(last) } : null,
    hasMore,
  };
}

/** The shared search box of named lists: name, id or description contains the text. */
export function searchCondition(
  parameters: Parameters,
  columns: string[],
  search: string,
  caseSensitive: boolean | undefined,
): string {
  const pattern = parameters.add(likePattern(caseSensitive ? search : search.toLowerCase()));
  const column = (name: string) => (caseSensitive ? name : `lower(${name})`);
  return `(${columns.map((name) => `${column(name)} LIKE ${pattern} ESCAPE '\\'`).join(' OR ')})`;
}

/**
 * The list every named resource shares (namespaces, collections, retrievers):
 * scoped rows, an optional search over name, id and description, a sort on the
 * name, the id or a timestamp, and keyset or offset paging.
 */
export function listNamed<Row extends Record<string, unknown>>(
  database: Queryable,
  resource: { table: string; nameColumn: string; idColumn: string; select?: string },
  scope: (parameters: Parameters) => string[],
  query: NamedListQuery,
): Promise<Page<Row>> {
  const parameters = new Parameters();
  const where = scope(parameters);
  if (query.search)
    where.push(
      searchCondition(
        parameters,
        [resource.nameColumn, resource.idColumn, "COALESCE(description, '')"],
        query.search,
        query.caseSensitive,
      ),
    );
  const casts: Record<string, string> = {
    created_at: '::bigint',
    updated_at: '::bigint',
    [resource.nameColumn]: '::text',
    [resource.idColumn]: '::text',
  };
  const requested = query.sort?.field ?? 'created_at';
  const sortColumn = ownValue(casts, requested) !== undefined ? requested : 'created_at';
  return paginate<Row, Row>({
    database,
    table: resource.table,
    select: resource.select,
    where,
    parameters,
    sortExpression: sortColumn,
    cursorCast: casts[sortColumn],
    sortValue: (row) => row[sortColumn] as string | number,
    idColumn: resource.idColumn,
    idValue: (row) => row[resource.idColumn] as string,
    direction: query.sort?.direction ?? 'desc',
    limit: query.limit,
    offset: query.offset,
    cursor: query.cursor,
    includeTotal: query.includeTotal,
    map: (row) => row,
  });
}

/**
 * A cursor is opaque but comes back from the client: one whose value cannot be the sort column's
 * type (edited by hand, or from another list) is a 422 here rather than a cast error in SQL.
 */
function assertCursorFits(value: unknown, cast: string | undefined): void {
  const fits =
    cast === '::bigint'
      ? Number.isSafeInteger(value)
      : cast === '::jsonb'
        ? typeof value === 'string' && isJson(value)
        : cast === '::text'
          ? typeof value === 'string'
          : value !== null;
  if (!fits)
    throw new InvalidInputError(
      'The cursor is malformed. Use pagination.next_cursor from a previous page of the same list.',
      ['query', 'cursor'],
    );
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

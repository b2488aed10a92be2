/**
 * @module store/sqlite/sliced-filter-scan
 * The rowids of a collection's documents that a pushed-down filter selects,
 * read in rowid windows of a few milliseconds each with the event loop
 * running between them. A filter over JSON fields reads every row of the
 * collection (~100 ms per 100k documents, all of it synchronous in
 * better-sqlite3): in one statement that held every other tenant's request.
 */
import type { SqliteDatabase } from './open-database.js';
import { WORK_SLICE_MS, workSlices } from '../../lib/work-slices.js';

const FIRST_WINDOW = 1_024;
const LARGEST_WINDOW = 262_144;

/**
 * `where` is SQL over `documents d` (it may name columns bare or as `d.x`); `params` its parameters.
 * The caller's scope must be part of `where`: this only bounds the rows each statement reads.
 */
export async function slicedFilterScan(
  db: SqliteDatabase,
  collectionId: string,
  where: string,
  params: unknown[],
  sliceMs = WORK_SLICE_MS,
): Promise<Set<number>> {
  const bounds = db
    .prepare('SELECT min(rowid) AS low, max(rowid) AS high FROM documents WHERE collection_id = ?')
    .get(collectionId) as { low: number | null; high: number | null };
  const matching = new Set<number>();
  if (bounds.low === null || bounds.high === null) return matching;
  // NOT INDEXED: each window is a rowid range of the table itself, never a walk of a whole index per window.
  const statement = db
    .prepare(`SELECT d.rowid FROM documents AS d NOT INDEXED WHERE d.rowid BETWEEN ? AND ? AND (${where})`)
    .pluck();
  const slices = workSlices(sliceMs);
  let window = FIRST_WINDOW;
  let low = bounds.low;
  while (low <= bounds.high) {
    const high = low + window - 1;
    const started = performance.now();
    for (const rowid of statement.all(low, high, ...params) as number[]) matching.add(rowid);
    low = high + 1;
    // Windows grow while they are cheap (sparse rowids, simple filters) and shrink when they are not.
    const spent = performance.now() - started;
    window = Math.min(
      LARGEST_WINDOW,
      spent < 2 ? window * 2 : spent > 6 ? Math.max(64, Math.floor(window / 2)) : window,
    );
    if (slices.due) await slices.yield();
  }
  return matching;
}

/**
 * @module http/routes/list-paging
 * The data API's PaginationResponse, built the same way for every list.
 */
import type { KeysetCursor } from '../../store/store.js';
import { encodeCursor } from '../schemas/common-schemas.js';

export function pagination(options: {
  limit: number;
  offset: number;
  total: number | null;
  nextCursor: KeysetCursor | null;
  sortKey: string;
  hasMore: boolean;
}) {
  const page = Math.floor(options.offset / options.limit) + 1;
  return {
    total: options.total,
    page,
    page_size: options.limit,
    total_pages: options.total === null ? null : Math.max(1, Math.ceil(options.total / options.limit)),
    next_cursor: encodeCursor(options.nextCursor, options.sortKey),
    has_more: options.hasMore,
    next_page: options.hasMore ? String(page + 1) : null,
    previous_page: page > 1 ? String(page - 1) : null,
  };
}

interface SortRequest {
  field: string;
  direction: 'asc' | 'desc';
}

/** A named list's order: `sort`, else the SDK's `sorts` (its first entry), else newest first. */
export function listSort(body: { sort?: SortRequest | null; sorts?: SortRequest[] }) {
  const chosen = body.sort ?? body.sorts?.[0];
  return { field: chosen?.field ?? 'created_at', direction: chosen?.direction ?? 'desc' } as const;
}

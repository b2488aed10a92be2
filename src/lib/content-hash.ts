/**
 * @module lib/content-hash
 * A record's identity for re-runs: SHA-256 over canonical JSON (keys sorted
 * at every depth), so the same content hashes the same whatever order its
 * keys were written in, and an ingest run twice stores nothing new.
 */
import { createHash } from 'node:crypto';

/** Hex SHA-256 of the record's canonical JSON. */
export function contentHash(record: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(record)).digest('hex');
}

/**
 * JSON with object keys sorted by code unit. Everything else follows
 * JSON.stringify (toJSON, undefined members dropped, non-finite numbers as
 * null) so the hash describes exactly what would be stored as JSON.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return sortKeys((value as { toJSON(): unknown }).toJSON());
  }
  if (Array.isArray(value)) return value.map((element) => sortKeys(element));
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

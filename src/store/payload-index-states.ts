/**
 * @module store/payload-index-states
 * Payload indexes are built in the background after a declaration is stored,
 * so a namespace shows each declared field's build state beside it
 * (`status`: building, ready or failed). The state is read from the
 * database's catalog when a namespace is read and never stored: the stored
 * declaration keeps only what the client sent.
 */
import type { NamespaceRecord } from './records.js';

export type PayloadIndexState = 'building' | 'ready' | 'failed';

/** The state of each declared field's index, by field name (fields that cannot be indexed, geo ones say, are absent). */
export type PayloadIndexStates = (
  declared: unknown[],
) => Promise<Map<string, PayloadIndexState>> | Map<string, PayloadIndexState>;

function declaredName(entry: unknown): string | null {
  const name = (entry as { field_name?: unknown } | null)?.field_name;
  return typeof name === 'string' ? name : null;
}

/** The declaration as stored: a `status` read back from a response (an export, say) is not part of it. */
export function withoutIndexStates(declared: unknown[]): unknown[] {
  return declared.map((entry) => {
    if (!entry || typeof entry !== 'object' || !('status' in entry)) return entry;
    const { status: _status, ...rest } = entry as Record<string, unknown>;
    return rest;
  });
}

/** The namespace with each declared field's `status`; unchanged when it declares none. */
export async function withIndexStates<Namespace extends NamespaceRecord>(
  namespace: Namespace,
  states: PayloadIndexStates,
): Promise<Namespace> {
  const declared = Array.isArray(namespace.payload_indexes) ? namespace.payload_indexes : [];
  if (declared.length === 0) return namespace;
  const known = await states(declared);
  const payload_indexes = declared.map((entry) => {
    const state = known.get(declaredName(entry) ?? '');
    return state && entry && typeof entry === 'object' ? { ...(entry as object), status: state } : entry;
  });
  return { ...namespace, payload_indexes };
}

/**
 * @module cli/namespace-export
 * `quarry export`'s writer: one namespace as lines, parents before children,
 * read page by page through the `Store` interface.
 */
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import { FORMAT, PAGE, type ExportLine } from './transfer-format.js';

/** Writes the namespace as lines; answers how many records of each type went out. */
export async function exportNamespace(
  store: Store,
  orgId: string,
  namespace: string,
  write: (line: string) => void | Promise<void>,
): Promise<Record<string, number>> {
  const found = await store.namespaces.resolve({ orgId }, namespace);
  if (!found) throw new Error(`No namespace '${namespace}'.`);
  const scope: TenantScope = { orgId, namespaceId: found.namespace_id };
  const counts: Record<string, number> = {};
  const emit = async (line: ExportLine) => {
    counts[line.type] = (counts[line.type] ?? 0) + 1;
    await write(JSON.stringify(line));
  };
  await emit({
    type: 'header',
    record: { format: FORMAT, exported_at: new Date().toISOString(), namespace: found.namespace_name },
  });
  await emit({ type: 'namespace', record: found });
  for await (const collection of pages((cursor) =>
    store.collections.list(scope, {
      sort: { field: 'created_at', direction: 'asc' },
      limit: PAGE,
      offset: 0,
      cursor,
      includeTotal: false,
    }),
  )) {
    await emit({ type: 'collection', record: collection });
    for await (const batch of batches(
      pages((cursor) =>
        store.documents.list(scope, collection.collection_id, {
          filter: null,
          sort: { field: 'created_at', direction: 'asc' },
          limit: PAGE,
          offset: 0,
          cursor,
          includeTotal: false,
        }),
      ),
    )) {
      const vectors = await store.index.loadVectors(
        scope,
        batch.map((document) => document.document_id),
      );
      for (const document of batch) {
        const vector = vectors.get(document.document_id);
        await emit({ type: 'document', record: { ...document, vector: vector ? Array.from(vector) : null } });
      }
    }
  }
  for await (const retriever of pages((cursor) =>
    store.retrievers.list(scope, {
      sort: { field: 'created_at', direction: 'asc' },
      limit: PAGE,
      offset: 0,
      cursor,
      includeTotal: false,
    }),
  )) {
    await emit({ type: 'retriever', record: retriever });
  }
  for (const server of await store.mcpServers.list(scope)) await emit({ type: 'mcp_server', record: server });
  for await (const session of pages((cursor) =>
    store.sessions.list(scope, {
      now: Date.now(),
      idleAfterMs: 0,
      sort: { field: 'created_at', direction: 'asc' },
      limit: PAGE,
      offset: 0,
      cursor,
      includeTotal: false,
    }),
  )) {
    await emit({ type: 'session', record: session });
    for (let offset = 0; ; offset += PAGE) {
      const { messages } = await store.messages.history(scope, session.session_id, PAGE, offset);
      for (const message of messages) await emit({ type: 'message', record: message });
      if (messages.length < PAGE) break;
    }
  }
  return counts;
}

async function* pages<T>(
  page: (cursor?: {
    value: string | number | null;
    id: string;
  }) => Promise<{ items: T[]; nextCursor: { value: string | number | null; id: string } | null }>,
): AsyncGenerator<T> {
  let cursor: { value: string | number | null; id: string } | undefined;
  for (;;) {
    const result = await page(cursor);
    yield* result.items;
    if (!result.nextCursor) return;
    cursor = result.nextCursor;
  }
}

async function* batches<T>(items: AsyncIterable<T>): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= PAGE) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

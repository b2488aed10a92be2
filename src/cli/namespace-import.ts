/**
 * @module cli/namespace-import
 * `quarry import`'s reader: lines into the store, all or nothing. Ids are kept
 * unless the store holds them already (a copy under a new name), in which case
 * every record gets a new id and every reference to an old one is rewritten.
 */
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import { newCollectionId, newDocumentId, newId } from '../lib/ids.js';
import { assertIdsWellFormed, FORMAT, PAGE, type ExportLine } from './transfer-format.js';

/** Reads lines into the store under `orgId`, as namespace `targetName` (default: the exported name, which must be free). */
export async function importNamespace(
  store: Store,
  orgId: string,
  lines: AsyncIterable<string> | Iterable<string>,
  targetName?: string,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let scope: TenantScope | null = null;
  const ids = createIdRewriter();
  let pending: { collectionId: string; documents: Parameters<Store['documents']['insertMany']>[2] } | null = null;
  const flush = async () => {
    if (pending && scope) await store.documents.insertMany(scope, pending.collectionId, pending.documents, Date.now());
    pending = null;
  };
  try {
    await readLines();
  } catch (error) {
    // All or nothing: a half-imported namespace would block the retry (its name and ids are taken).
    const imported = scope as TenantScope | null;
    if (imported) await store.namespaces.delete({ orgId }, imported.namespaceId).catch(() => undefined);
    throw error;
  }
  if (!scope) throw new Error('The export holds no namespace.');
  return counts;

  async function readLines() {
    for await (const text of lines) {
      if (!text.trim()) continue;
      const line = JSON.parse(text) as ExportLine;
      assertIdsWellFormed(line);
      if (line.type === 'header') {
        if (line.record.format !== FORMAT)
          throw new Error(`Unknown export format '${line.record.format}' (expected ${FORMAT}).`);
        continue;
      }
      if (line.type === 'namespace') {
        const { org_id: _org, ...exported } = line.record;
        // Ids are kept (clients keep their session and document ids across the move) unless this store holds them already.
        if (await store.namespaces.resolve({ orgId }, exported.namespace_id)) ids.renew();
        const record = ids.rewrite(exported, ['namespace_id']);
        const created = await store.namespaces.create(
          { orgId },
          { ...record, namespace_name: targetName ?? record.namespace_name },
        );
        scope = { orgId, namespaceId: created.namespace_id };
      } else if (!scope) {
        throw new Error('The export has no namespace line before its records.');
      } else if (line.type === 'document') {
        const { vector, ...document } = ids.rewrite(line.record, ['document_id']);
        // Batches per collection; each document keeps its own created_at and updated_at.
        if (!pending || pending.collectionId !== document.collection_id || pending.documents.length >= PAGE) {
          await flush();
          pending = { collectionId: document.collection_id, documents: [] };
        }
        pending.documents.push({
          document_id: document.document_id,
          data: document.data,
          content: document.content,
          content_hash: document.content_hash,
          vector: vector ? Float32Array.from(vector) : null,
          created_at: document.created_at,
          updated_at: document.updated_at,
        });
      } else {
        await flush();
        if (line.type === 'collection')
          await store.collections.create(scope, {
            ...ids.rewrite(line.record, ['collection_id']),
            namespace_id: scope.namespaceId,
          });
        else if (line.type === 'retriever')
          await store.retrievers.create(scope, {
            ...ids.rewrite(line.record, ['retriever_id']),
            namespace_id: scope.namespaceId,
          });
        else if (line.type === 'mcp_server')
          await store.mcpServers.create(scope, {
            ...ids.rewrite(line.record, ['server_id']),
            namespace_id: scope.namespaceId,
          });
        else if (line.type === 'session')
          await store.sessions.create(scope, {
            ...ids.rewrite(line.record, ['session_id']),
            org_id: orgId,
            namespace_id: scope.namespaceId,
          });
        else if (line.type === 'message') {
          // A user message's run_id is its answer's message_id, which comes later: both get their new id on first sight.
          const { seq: _seq, ...message } = ids.rewrite(line.record, ['message_id', 'run_id']);
          await store.messages.append(scope, message);
        }
      }
      counts[line.type] = (counts[line.type] ?? 0) + 1;
    }
    await flush();
  }
}

/**
 * Keeps ids as they are, or (after `renew`) gives each exported id a new one of the same kind and rewrites every
 * string in a record that equals an id already renewed (collection_ids in retriever configs, session_id in messages,
 * cited document ids…). Ids are random tokens, so an exact string match is a reference.
 */
function createIdRewriter() {
  const renamed = new Map<string, string>();
  let renewing = false;
  const fresh = (id: string) => {
    let next = renamed.get(id);
    if (!next) {
      const prefix = id.slice(0, id.indexOf('_'));
      next =
        prefix === 'doc'
          ? newDocumentId()
          : prefix === 'col'
            ? newCollectionId()
            : newId(prefix || 'id', prefix === 'ns' ? 16 : 20);
      renamed.set(id, next);
    }
    return next;
  };
  const references = (value: unknown): unknown => {
    if (typeof value === 'string') return renamed.get(value) ?? value;
    if (Array.isArray(value)) return value.map(references);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, references(inner)]));
    return value;
  };
  return {
    renew() {
      renewing = true;
    },
    /** The record with its own ids (`own`) renewed and its references rewritten; as is when not renewing. */
    rewrite<T extends object>(record: T, own: (keyof T & string)[]): T {
      if (!renewing) return record;
      const owned = { ...record } as Record<string, unknown>;
      for (const key of own) if (typeof owned[key] === 'string') fresh(owned[key]);
      return references(owned) as T;
    },
  };
}

/**
 * @module cli/transfer-command
 * `quarry export --namespace NS > file.jsonl` and `quarry import file.jsonl
 * [--namespace NS]`: moves one namespace — collections, documents (with
 * their vectors), retrievers, MCP servers, sessions and their messages — between any two
 * stores (SQLite ↔ PostgreSQL), through the `Store` interface only. One JSON
 * object per line, `{"type": …, "record": …}`, parents before children.
 * Ids are kept when the target store does not hold the namespace's id, so
 * clients' session and document ids stay valid across a move. Imported into
 * the store it came from (a copy under a new name), every record gets a new
 * id and every reference to an old id is rewritten. Not carried: run event
 * logs, executions, feedback and memories (history stays as messages).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { MessageRecord, NamespaceRecord, SessionRecord } from '../store/records.js';
import type { CollectionRecord, DocumentRecord, McpServerRecord, RetrieverRecord } from '../store/data-records.js';
import { isWellFormedId, newCollectionId, newDocumentId, newId } from '../lib/ids.js';
import type { Config } from '../config.js';
import { openStore } from '../store/open-store.js';
import { bootstrap } from '../sessions/bootstrap.js';

const FORMAT = 'quarry-namespace-export/1';
const PAGE = 500;

export type ExportLine =
  | { type: 'header'; record: { format: string; exported_at: string; namespace: string } }
  | { type: 'namespace'; record: NamespaceRecord }
  | { type: 'collection'; record: CollectionRecord }
  | { type: 'document'; record: Omit<DocumentRecord, 'vector'> & { vector: number[] | null } }
  | { type: 'retriever'; record: RetrieverRecord }
  | { type: 'mcp_server'; record: McpServerRecord }
  | { type: 'session'; record: SessionRecord }
  | { type: 'message'; record: MessageRecord };

/** `quarry export --namespace NS [--output FILE]` (stdout by default) and `quarry import FILE [--namespace NS]`. */
export async function transferCommand(
  config: Config,
  command: 'export' | 'import',
  options: { namespace?: string; file?: string },
  print: (line: string) => void,
): Promise<number> {
  const store = await openStore(config);
  try {
    const { orgId } = await bootstrap(store, { apiKey: config.apiKey, now: Date.now });
    if (command === 'export') {
      const output = options.file ? createWriteStream(options.file) : process.stdout;
      const counts = await exportNamespace(store, orgId, options.namespace ?? 'default', (line) => {
        if (!output.write(`${line}\n`)) return new Promise<void>((resolve) => output.once('drain', () => resolve()));
      });
      if (options.file)
        await new Promise<void>((resolve) => (output as ReturnType<typeof createWriteStream>).end(() => resolve()));
      process.stderr.write(`Exported ${describe(counts)} from ${store.kind}.\n`);
      return 0;
    }
    if (!options.file) {
      print('Usage: quarry import FILE.jsonl [--namespace NS]');
      return 2;
    }
    const counts = await importNamespace(store, orgId, readLines(options.file), options.namespace);
    print(`Imported ${describe(counts)} into ${store.kind}.`);
    return 0;
  } finally {
    await store.close();
  }
}

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

/** Which fields of each record are ids (and the prefix each must carry): an import file is untrusted input, and ids become paths. */
const ID_FIELDS: Record<string, [string, string | undefined][]> = {
  namespace: [['namespace_id', 'ns']],
  collection: [
    ['collection_id', 'col'],
    ['namespace_id', 'ns'],
  ],
  document: [
    ['document_id', undefined],
    ['collection_id', 'col'],
  ],
  retriever: [
    ['retriever_id', undefined],
    ['namespace_id', 'ns'],
  ],
  session: [
    ['session_id', 'ses'],
    ['namespace_id', 'ns'],
  ],
  message: [
    ['message_id', 'msg'],
    ['session_id', 'ses'],
    ['run_id', 'msg'],
  ],
  mcp_server: [
    ['server_id', undefined],
    ['namespace_id', 'ns'],
  ],
};

function assertIdsWellFormed(line: ExportLine): void {
  if (typeof line !== 'object' || line === null || typeof line.record !== 'object' || line.record === null)
    throw new Error('Each line of an export is {"type": …, "record": {…}}.');
  for (const [field, prefix] of ID_FIELDS[line.type] ?? []) {
    const value = (line.record as unknown as Record<string, unknown>)[field];
    if (value === null && field === 'run_id') continue;
    if (!isWellFormedId(value, prefix)) {
      throw new Error(
        `Refusing the import: ${line.type} ${field} ${JSON.stringify(value)?.slice(0, 80)} is not a Quarry id (${prefix ?? 'prefix'}_ followed by letters, digits, _ or -).`,
      );
    }
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

/** The lines of a file, for `quarry import`. */
export function readLines(path: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
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

function describe(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([type]) => type !== 'header')
    .map(([type, count]) => `${count} ${type}${count === 1 ? '' : 's'}`)
    .join(', ');
}

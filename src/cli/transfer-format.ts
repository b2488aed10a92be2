/**
 * @module cli/transfer-format
 * The namespace export file: its format tag, its lines, and the checks an
 * import applies to each line's ids before any of it reaches the store.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { MessageRecord, NamespaceRecord, SessionRecord } from '../store/records.js';
import type { CollectionRecord, DocumentRecord, McpServerRecord, RetrieverRecord } from '../store/data-records.js';
import { isWellFormedId } from '../lib/ids.js';

export const FORMAT = 'quarry-namespace-export/1';
/** Records read or written per store call. */
export const PAGE = 500;

export type ExportLine =
  | { type: 'header'; record: { format: string; exported_at: string; namespace: string } }
  | { type: 'namespace'; record: NamespaceRecord }
  | { type: 'collection'; record: CollectionRecord }
  | { type: 'document'; record: Omit<DocumentRecord, 'vector'> & { vector: number[] | null } }
  | { type: 'retriever'; record: RetrieverRecord }
  | { type: 'mcp_server'; record: McpServerRecord }
  | { type: 'session'; record: SessionRecord }
  | { type: 'message'; record: MessageRecord };

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

export function assertIdsWellFormed(line: ExportLine): void {
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

/** The lines of a file, for `quarry import`. */
export function readLines(path: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
}

/**
 * @module cli/document-sink
 * Where `quarry ingest` and `quarry demo` write: the document service, in
 * batches, skipping records whose content hash is already in the collection.
 */
import type { IngestSink } from '../ingest/ingest-files.js';
import type { DocumentService } from '../retrieval/document-service.js';
import type { TenantScope } from '../store/scope.js';

export function documentSink(documents: DocumentService, scope: TenantScope, collection: string): IngestSink {
  return async (batch) => {
    const result = await documents.createMany(
      scope,
      collection,
      batch.map((row) => row.record),
      { skipExisting: true },
    );
    return { stored: result.documents.length, skippedExisting: result.skipped, failed: [] };
  };
}

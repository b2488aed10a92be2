/**
 * @module http/routes/documents-upload-routes
 * `POST /v1/collections/{collection}/documents/upload` (a Quarry extension:
 * the contract has no upload operation): a CSV file's text, read by the
 * reader `quarry ingest` uses and stored the way it stores, so a file gives
 * the same documents whichever way it comes in (`00123` stays a string,
 * `true` is a boolean, an empty cell is null, a repeated header is suffixed).
 *
 * A file with rows the reader cannot read is refused whole (422, with the
 * lines) before anything is stored. Rows are then stored in batches: a
 * failure while storing (an embedding endpoint down) can leave earlier
 * batches stored, and since rows already in the collection, and repeated
 * rows, are skipped by content hash, sending the file again completes it.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HttpServices } from '../http-services.js';
import { withErrors } from '../schemas/common-schemas.js';
import { collectionParamsSchema } from '../schemas/data-schemas.js';
import { errors, type ValidationIssue } from '../../errors.js';
import { contentHash } from '../../lib/content-hash.js';
import { readCsvText } from '../../ingest/formats/read-csv.js';

/** Rows per store call: `quarry ingest`'s batch size. */
const BATCH_SIZE = 500;
/** Unreadable rows listed in a 422 (the message counts them all). */
const MAX_LISTED_ERRORS = 20;

const uploadQuerySchema = z.object({
  file_name: z
    .string()
    .max(255)
    .optional()
    .describe('The uploaded file\'s name, used in error messages (default "upload.csv").'),
});

const csvBodySchema = z
  .string()
  .describe('The CSV file as text: a header row, then one document per row (RFC 4180 quoting).');

const uploadResponseSchema = z
  .object({
    created_count: z.number().int(),
    skipped_existing: z
      .number()
      .int()
      .describe('Rows already in the collection, or repeated in the file, by content hash: not stored again.'),
    document_ids: z.array(z.string()),
  })
  .meta({ id: 'UploadDocumentsResponse' });

export function documentsUploadRoutes(services: HttpServices): FastifyPluginAsyncZod {
  const { documents, collections } = services.data;

  return async (app) => {
    // Encapsulated: only this plugin's routes take CSV bodies, within the server's body limit.
    app.addContentTypeParser(
      'text/csv',
      { parseAs: 'string', bodyLimit: services.config.bodyLimitBytes },
      (_request, body, done) => done(null, body),
    );

    app.post('/v1/collections/:collection_identifier/documents/upload', {
      config: { write: true },
      schema: {
        tags: ['Documents'],
        summary: 'Upload a CSV file as documents, read as `quarry ingest` reads it (Quarry extension)',
        consumes: ['text/csv'],
        params: collectionParamsSchema,
        querystring: uploadQuerySchema,
        body: csvBodySchema,
        response: withErrors(uploadResponseSchema),
      },
      handler: async (request) => {
        const tenant = request.tenant;
        // First: a file for a collection that does not exist is a 404 even when it holds no rows.
        await collections.get(tenant, request.params.collection_identifier);
        const file = request.query.file_name ?? 'upload.csv';
        const records: Record<string, unknown>[] = [];
        const issues: ValidationIssue[] = [];
        const hashes = new Set<string>();
        let repeated = 0;
        for await (const item of readCsvText(request.body, { file })) {
          if (item.kind === 'error') {
            issues.push({ type: 'value_error', location: ['body', `line ${item.source.line}`], message: item.message });
          } else if (item.kind === 'record') {
            // Two equal rows would both pass the store's "already stored" check, as `quarry ingest` knows.
            const hash = contentHash(item.record);
            if (hashes.has(hash)) repeated++;
            else records.push(item.record);
            hashes.add(hash);
          }
        }
        if (issues.length > 0) {
          const first = issues[0];
          throw errors.validation(
            issues.slice(0, MAX_LISTED_ERRORS),
            `${issues.length} row(s) of ${file} could not be read, so nothing was stored; ` +
              `the first, at ${first.location[1]}: ${first.message}.`,
          );
        }
        const documentIds: string[] = [];
        let skipped = repeated;
        for (let start = 0; start < records.length; start += BATCH_SIZE) {
          const batch = records.slice(start, start + BATCH_SIZE);
          const result = await documents.createMany(tenant, request.params.collection_identifier, batch, {
            skipExisting: true,
          });
          documentIds.push(...result.documents.map((document) => document.document_id));
          skipped += result.skipped;
        }
        return { created_count: documentIds.length, skipped_existing: skipped, document_ids: documentIds };
      },
    });
  };
}

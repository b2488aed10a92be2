/**
 * @module store/postgres/documents-repository
 * Documents, their weighted tsvector (title/name fields weight A, the
 * extracted text weight B) and their vectors. Writes are transactional: a
 * batch is stored whole or not at all.
 */
import type { PostgresDatabase, Queryable } from './postgres-database.js';
import type { DocumentListQuery, NewDocument, Store } from '../store.js';
import type { DocumentRecord } from '../data-records.js';
import { paginate } from './paginate.js';
import { Parameters } from './sql-parameters.js';
import { compileFilterToSql } from './filter-to-sql.js';
import { impliedPayloadCondition, payloadIndexedFields } from './payload-index.js';
import type { VectorStorage } from './vector-storage.js';
import { ownValue } from '../../lib/own-value.js';

const SCOPE = 'org_id = $1 AND namespace_id = $2';
/** Documents per INSERT statement: bounds one statement's parameter text (~4 MB of vectors at 384 dimensions). */
const INSERT_CHUNK = 1000;
const COLUMNS = 'id, document_id, collection_id, data, content, content_hash, created_at, updated_at';
/** Epoch milliseconds → the ISO-8601 text that filters compare (exact integer arithmetic, UTC). */
export const isoExpression = (column: string) =>
  `to_char(timestamp 'epoch' + ${column} * interval '1 millisecond', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
export const DOCUMENT_FILTER_COLUMNS = {
  document_id: 'document_id',
  collection_id: 'collection_id',
  created_at: isoExpression('created_at'),
  updated_at: isoExpression('updated_at'),
};
const SYSTEM_SORT: Record<string, { expression: string; cast: string }> = {
  created_at: { expression: 'created_at', cast: '::bigint' },
  updated_at: { expression: 'updated_at', cast: '::bigint' },
  document_id: { expression: 'document_id', cast: '::text' },
};
/** The search vector: title-like fields rank above body text. */
export const SEARCH_VECTOR = (config: string, data: string, content: string) =>
  `setweight(to_tsvector(${config}::regconfig, coalesce(${data}->>'title', '') || ' ' || coalesce(${data}->>'name', '')), 'A')
   || setweight(to_tsvector(${config}::regconfig, ${content}), 'B')`;

interface DocumentRow extends DocumentRecord {
  id: number;
}

const toDocument = ({ id: _key, ...row }: DocumentRow): DocumentRecord => row;

export function createDocumentsRepository(
  database: PostgresDatabase,
  vectors: VectorStorage,
  textSearchConfig: string,
): Store['documents'] {
  const filterWhere = (
    query: { filter: DocumentListQuery['filter']; search?: string },
    where: string[],
    parameters: Parameters,
    indexed: (field: string) => boolean = () => false,
  ) => {
    if (query.filter) {
      // A condition implied on a payload index's key, beside the filter (which still decides): the planner reads the index.
      const implied = impliedPayloadCondition(query.filter, indexed, parameters, 'data');
      if (implied) where.push(implied);
      where.push(
        `(${compileFilterToSql(query.filter, { dataColumn: 'data', columns: DOCUMENT_FILTER_COLUMNS }, parameters).sql})`,
      );
    }
    if (query.search) {
      const words = query.search.match(/[\p{L}\p{N}_]+/gu) ?? [];
      // Every word required in the extracted text (weight B), as the SQLite store's list search; words only, so no tsquery syntax gets in.
      if (words.length === 0) where.push('false');
      else
        where.push(
          `search_vector @@ to_tsquery(${parameters.add(textSearchConfig)}::regconfig, ${parameters.add(words.map((word) => `${word}:B`).join(' & '))})`,
        );
    }
  };

  /**
   * One statement, one round trip, for a whole chunk of documents and their vectors: the columns
   * are bound as arrays and unnested (WITH ORDINALITY, so ids follow the input order), the
   * documents inserted, and their vectors inserted from what that INSERT returned. A single
   * statement is atomic by itself, so a batch of one chunk needs no transaction either.
   */
  const insertChunk = async (
    client: Queryable,
    scope: { orgId: string; namespaceId: string },
    collectionId: string,
    documents: NewDocument[],
    now: number,
  ) => {
    await client.query(
      `WITH t AS (
         SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $10::bigint[], $11::bigint[], $12::integer[], $13::text[])
           WITH ORDINALITY AS t(document_id, data, content, content_hash, created_at, updated_at, dimensions, embedding, position)
       ), inserted AS (
         INSERT INTO documents (document_id, org_id, namespace_id, collection_id, data, content, content_hash, search_vector, created_at, updated_at)
         SELECT t.document_id, $1, $2, $3, t.data::jsonb, t.content, t.content_hash, ${SEARCH_VECTOR('$8', 't.data::jsonb', 't.content')}, COALESCE(t.created_at, $9), COALESCE(t.updated_at, $9)
         FROM t ORDER BY t.position RETURNING id, document_id
       )
       INSERT INTO document_vectors (document_key, collection_id, dimensions, embedding)
       SELECT i.id, $3, t.dimensions, t.embedding${vectors.cast} FROM inserted i JOIN t ON t.document_id = i.document_id WHERE t.embedding IS NOT NULL`,
      [
        scope.orgId,
        scope.namespaceId,
        collectionId,
        documents.map((document) => document.document_id),
        documents.map((document) => JSON.stringify(document.data)),
        documents.map((document) => document.content),
        documents.map((document) => document.content_hash),
        textSearchConfig,
        now,
        documents.map((document) => document.created_at ?? null),
        documents.map((document) => document.updated_at ?? null),
        documents.map((document) => document.vector?.length ?? null),
        documents.map((document) => (document.vector ? vectors.encode(document.vector) : null)),
      ],
    );
  };

  return {
    async insertMany(scope, collectionId, documents, now) {
      for (const size of new Set(documents.flatMap((document) => (document.vector ? [document.vector.length] : []))))
        await vectors.ensureIndex(size);
      if (documents.length === 0) return;
      if (documents.length <= INSERT_CHUNK) return insertChunk(database, scope, collectionId, documents, now);
      await database.transaction(async (client) => {
        for (let start = 0; start < documents.length; start += INSERT_CHUNK)
          await insertChunk(client, scope, collectionId, documents.slice(start, start + INSERT_CHUNK), now);
      });
    },
    async get(scope, collectionId, documentId) {
      const { rows } = await database.query<DocumentRow>(
        `SELECT ${COLUMNS} FROM documents WHERE ${SCOPE} AND collection_id = $3 AND document_id = $4`,
        [scope.orgId, scope.namespaceId, collectionId, documentId],
      );
      return rows[0] ? toDocument(rows[0]) : null;
    },
    async list(scope, collectionId, query) {
      const parameters = new Parameters();
      const where = [
        `org_id = ${parameters.add(scope.orgId)}`,
        `namespace_id = ${parameters.add(scope.namespaceId)}`,
        `collection_id = ${parameters.add(collectionId)}`,
      ];
      filterWhere(query, where, parameters, query.filter ? await payloadIndexedFields(database) : undefined);
      const field = query.sort?.field ?? 'created_at';
      const system = ownValue(SYSTEM_SORT, field);
      // A user-field sort reads a JSON path (bound after the filters, so the count query can reuse their numbering).
      const sortExpression =
        system?.expression ?? `COALESCE(data #> ${parameters.add(field.split('.'))}::text[], 'null'::jsonb)`;
      return paginate<DocumentRow & { sort_value: unknown }, DocumentRecord>({
        database,
        table: 'documents',
        select: `${COLUMNS}, ${sortExpression} AS sort_value`,
        where,
        parameters,
        sortExpression,
        cursorCast: system?.cast ?? '::jsonb',
        sortValue: (row) => (system ? (row.sort_value as string | number) : JSON.stringify(row.sort_value)),
        idColumn: 'document_id',
        idValue: (row) => row.document_id,
        direction: query.sort?.direction ?? 'asc',
        limit: query.limit,
        offset: query.offset,
        cursor: query.cursor,
        includeTotal: query.includeTotal,
        map: ({ sort_value: _sort, ...row }) => toDocument(row),
      });
    },
    async replace(scope, collectionId, document, now) {
      if (document.vector) await vectors.ensureIndex(document.vector.length);
      await database.transaction(async (client) => {
        const { rows } = await client.query<{ id: number }>(
          `UPDATE documents SET data = $5::jsonb, content = $6, content_hash = $7, search_vector = ${SEARCH_VECTOR('$8', '$5::jsonb', '$6')}, updated_at = $9
           WHERE ${SCOPE} AND collection_id = $3 AND document_id = $4 RETURNING id`,
          [
            scope.orgId,
            scope.namespaceId,
            collectionId,
            document.document_id,
            JSON.stringify(document.data),
            document.content,
            document.content_hash,
            textSearchConfig,
            now,
          ],
        );
        // A document whose new text has nothing to embed must not keep the old text's vector.
        if (rows[0] && document.vector) await vectors.write(client, rows[0].id, collectionId, document.vector);
        else if (rows[0]) await client.query('DELETE FROM document_vectors WHERE document_key = $1', [rows[0].id]);
      });
    },
    async delete(scope, collectionId, documentIds) {
      if (documentIds.length === 0) return 0;
      const result = await database.query(
        `DELETE FROM documents WHERE ${SCOPE} AND collection_id = $3 AND document_id = ANY($4::text[])`,
        [scope.orgId, scope.namespaceId, collectionId, documentIds],
      );
      return result.rowCount;
    },
    async idsMatching(scope, collectionId, filter, limit) {
      const parameters = new Parameters();
      const where = [
        `org_id = ${parameters.add(scope.orgId)}`,
        `namespace_id = ${parameters.add(scope.namespaceId)}`,
        `collection_id = ${parameters.add(collectionId)}`,
      ];
      filterWhere({ filter }, where, parameters, await payloadIndexedFields(database));
      const { rows } = await database.query<{ document_id: string }>(
        `SELECT document_id FROM documents WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${parameters.add(limit)}`,
        parameters.values,
      );
      return rows.map((row) => row.document_id);
    },
    async existingHashes(scope, collectionId, hashes) {
      if (hashes.length === 0) return new Set();
      const { rows } = await database.query<{ content_hash: string }>(
        `SELECT DISTINCT content_hash FROM documents WHERE ${SCOPE} AND collection_id = $3 AND content_hash = ANY($4::text[])`,
        [scope.orgId, scope.namespaceId, collectionId, hashes],
      );
      return new Set(rows.map((row) => row.content_hash));
    },
  };
}

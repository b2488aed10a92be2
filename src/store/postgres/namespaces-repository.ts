/**
 * @module store/postgres/namespaces-repository
 */
import { isUniqueViolation, type PostgresDatabase } from './postgres-database.js';
import type { Store } from '../store.js';
import type { NamespaceRecord } from '../records.js';
import { listNamed } from './paginate.js';
import { RecordNotFoundError, UniqueViolationError } from '../store-errors.js';
import type { PayloadIndexBuilds } from './payload-index-builds.js';
import { withIndexStates, withoutIndexStates } from '../payload-index-states.js';

/** Tables counted when a namespace is removed, by what the answer calls them. */
/** Through collections: `documents` is indexed by collection, not by namespace, so this reads only the namespace's rows. */
const DOCUMENT_COUNT =
  'SELECT COUNT(*) AS n FROM documents d JOIN collections c ON c.collection_id = d.collection_id WHERE c.org_id = $1 AND c.namespace_id = $2';

const REMOVED_COUNTS: Record<string, string> = {
  sessions: 'SELECT COUNT(*) AS n FROM sessions WHERE org_id = $1 AND namespace_id = $2',
  collections: 'SELECT COUNT(*) AS n FROM collections WHERE org_id = $1 AND namespace_id = $2',
  documents: DOCUMENT_COUNT,
  retrievers: 'SELECT COUNT(*) AS n FROM retrievers WHERE org_id = $1 AND namespace_id = $2',
  executions: 'SELECT COUNT(*) AS n FROM executions WHERE org_id = $1 AND namespace_id = $2',
};

/** `builds`: the background payload index builder (null when `QUARRY_PAYLOAD_INDEXES` is off: declarations are only stored). */
export function createNamespacesRepository(
  database: PostgresDatabase,
  builds: PayloadIndexBuilds | null,
): Store['namespaces'] {
  const present = <Namespace extends NamespaceRecord>(namespace: Namespace) =>
    builds ? withIndexStates(namespace, (declared) => builds.states(declared)) : namespace;
  return {
    async create(scope, declared) {
      const input = { ...declared, payload_indexes: withoutIndexStates(declared.payload_indexes) };
      try {
        await database.query(
          `INSERT INTO namespaces (namespace_id, org_id, namespace_name, description, feature_extractors, payload_indexes, auto_create_indexes, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9)`,
          [
            input.namespace_id,
            scope.orgId,
            input.namespace_name,
            input.description,
            JSON.stringify(input.feature_extractors),
            JSON.stringify(input.payload_indexes),
            input.auto_create_indexes,
            input.created_at,
            input.updated_at,
          ],
        );
      } catch (error) {
        if (isUniqueViolation(error))
          throw new UniqueViolationError('namespace', input.namespace_name, { cause: error });
        throw error;
      }
      // Declared payload indexes are built in the background; the answer shows them building.
      if (input.payload_indexes.length > 0) builds?.schedule();
      return present({ ...input, org_id: scope.orgId });
    },
    async resolve(scope, identifier) {
      const { rows } = await database.query<NamespaceRecord>(
        'SELECT * FROM namespaces WHERE org_id = $1 AND (namespace_id = $2 OR namespace_name = $2) ORDER BY (namespace_id = $2) DESC LIMIT 1',
        [scope.orgId, identifier],
      );
      return rows[0] ? present(rows[0]) : null;
    },
    async list(scope, query) {
      const page = await listNamed<NamespaceRecord & Record<string, unknown>>(
        database,
        { table: 'namespaces', nameColumn: 'namespace_name', idColumn: 'namespace_id' },
        (parameters) => [
          `org_id = ${parameters.add(scope.orgId)}`,
          ...(query.ids ? [`namespace_id = ANY(${parameters.add([...query.ids])}::text[])`] : []),
        ],
        query,
      );
      return { ...page, items: await Promise.all(page.items.map(present)) };
    },
    async update(scope, namespaceId, patch, now) {
      const updated = await database.transaction(async (client) => {
        // FOR UPDATE: two concurrent patches of different fields (from different processes) both land.
        const { rows } = await client.query<NamespaceRecord>(
          'SELECT * FROM namespaces WHERE org_id = $1 AND namespace_id = $2 FOR UPDATE',
          [scope.orgId, namespaceId],
        );
        if (!rows[0]) throw new RecordNotFoundError('namespace', namespaceId);
        const next = { ...rows[0], ...patch, updated_at: now };
        next.payload_indexes = withoutIndexStates(next.payload_indexes);
        try {
          await client.query(
            `UPDATE namespaces SET namespace_name = $1, description = $2, payload_indexes = $3::jsonb, auto_create_indexes = $4, updated_at = $5
             WHERE org_id = $6 AND namespace_id = $7`,
            [
              next.namespace_name,
              next.description,
              JSON.stringify(next.payload_indexes),
              next.auto_create_indexes,
              now,
              scope.orgId,
              namespaceId,
            ],
          );
        } catch (error) {
          if (isUniqueViolation(error))
            throw new UniqueViolationError('namespace', next.namespace_name, { cause: error });
          throw error;
        }
        return next;
      });
      // Built (and undeclared ones dropped) in the background, after the commit.
      if (patch.payload_indexes !== undefined) builds?.schedule();
      return present(updated);
    },
    async delete(scope, namespaceId) {
      const removedCounts = await database.transaction(async (client) => {
        // Lock the namespace row first so a concurrent insert into it waits for the delete.
        const locked = await client.query(
          'SELECT 1 FROM namespaces WHERE org_id = $1 AND namespace_id = $2 FOR UPDATE',
          [scope.orgId, namespaceId],
        );
        if (locked.rowCount === 0) throw new RecordNotFoundError('namespace', namespaceId);
        const removed: Record<string, number> = {};
        for (const [name, sql] of Object.entries(REMOVED_COUNTS))
          removed[name] = Number((await client.query<{ n: number }>(sql, [scope.orgId, namespaceId])).rows[0].n);
        // Foreign keys cascade from namespaces to every table in it.
        await client.query('DELETE FROM namespaces WHERE org_id = $1 AND namespace_id = $2', [
          scope.orgId,
          namespaceId,
        ]);
        return removed;
      });
      builds?.schedule();
      return removedCounts;
    },
    async counts(scope) {
      const { rows } = await database.query<Record<string, number>>(
        `SELECT (SELECT COUNT(*) FROM collections WHERE org_id = $1 AND namespace_id = $2) AS collection_count,
                (${DOCUMENT_COUNT}) AS document_count,
                (SELECT COUNT(*) FROM sessions WHERE org_id = $1 AND namespace_id = $2) AS session_count,
                (SELECT COUNT(*) FROM retrievers WHERE org_id = $1 AND namespace_id = $2) AS retriever_count`,
        [scope.orgId, scope.namespaceId],
      );
      const row = rows[0];
      return {
        collection_count: Number(row.collection_count),
        document_count: Number(row.document_count),
        session_count: Number(row.session_count),
        retriever_count: Number(row.retriever_count),
      };
    },
  };
}

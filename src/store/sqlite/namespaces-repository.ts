/**
 * @module store/sqlite/namespaces-repository
 */
import { isUniqueViolation, type SqliteDatabase } from './open-database.js';
import type { Store } from '../store.js';
import type { NamespaceRecord } from '../records.js';
import { listNamed } from './paginate.js';
import { parseJson } from './parse-json.js';
import { RecordNotFoundError, UniqueViolationError } from '../store-errors.js';
import type { SqlitePayloadIndexBuilds } from './payload-index-builds.js';
import { withIndexStates, withoutIndexStates } from '../payload-index-states.js';

interface NamespaceRow extends Omit<NamespaceRecord, 'feature_extractors' | 'payload_indexes' | 'auto_create_indexes'> {
  feature_extractors: string;
  payload_indexes: string;
  auto_create_indexes: number;
}

function toNamespace(row: NamespaceRow): NamespaceRecord {
  return {
    ...row,
    feature_extractors: parseJson(row.feature_extractors, []),
    payload_indexes: parseJson(row.payload_indexes, []),
    auto_create_indexes: row.auto_create_indexes === 1,
  };
}

const SORTABLE = ['created_at', 'updated_at', 'namespace_name', 'namespace_id'];

/**
 * `builds`: the background payload index builder (null when `QUARRY_PAYLOAD_INDEXES` is off: declarations are only
 * stored). `onCollectionsDeleted` hears which collections a namespace deletion took with it (after the commit), so
 * their indexes go too.
 */
export function createNamespacesRepository(
  db: SqliteDatabase,
  builds: SqlitePayloadIndexBuilds | null,
  onCollectionsDeleted: (collectionIds: string[]) => void = () => {},
): Store['namespaces'] {
  const present = <Namespace extends NamespaceRecord>(namespace: Namespace) =>
    builds ? withIndexStates(namespace, (declared) => builds.states(declared)) : namespace;
  const get = (orgId: string, namespaceId: string) =>
    db.prepare('SELECT * FROM namespaces WHERE org_id = ? AND namespace_id = ?').get(orgId, namespaceId) as
      NamespaceRow | undefined;

  return {
    async create(scope, declared) {
      const input = { ...declared, payload_indexes: withoutIndexStates(declared.payload_indexes) };
      try {
        db.prepare(
          `INSERT INTO namespaces (namespace_id, org_id, namespace_name, description, feature_extractors, payload_indexes, auto_create_indexes, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          input.namespace_id,
          scope.orgId,
          input.namespace_name,
          input.description,
          JSON.stringify(input.feature_extractors),
          JSON.stringify(input.payload_indexes),
          input.auto_create_indexes ? 1 : 0,
          input.created_at,
          input.updated_at,
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
      const row = db
        .prepare(
          'SELECT * FROM namespaces WHERE org_id = ? AND (namespace_id = ? OR namespace_name = ?) ORDER BY namespace_id = ? DESC LIMIT 1',
        )
        .get(scope.orgId, identifier, identifier, identifier) as NamespaceRow | undefined;
      return row ? present(toNamespace(row)) : null;
    },
    async list(scope, query) {
      const page = await listNamed<NamespaceRow & Record<string, unknown>, NamespaceRecord>(
        db,
        { table: 'namespaces', nameColumn: 'namespace_name', idColumn: 'namespace_id', sortable: SORTABLE },
        query.ids
          ? {
              where: ['org_id = ?', 'namespace_id IN (SELECT value FROM json_each(?))'],
              params: [scope.orgId, JSON.stringify(query.ids)],
            }
          : { where: ['org_id = ?'], params: [scope.orgId] },
        query,
        toNamespace,
      );
      return { ...page, items: await Promise.all(page.items.map(present)) };
    },
    async update(scope, namespaceId, patch, now) {
      const current = get(scope.orgId, namespaceId);
      if (!current) throw new RecordNotFoundError('namespace', namespaceId);
      const next = { ...toNamespace(current), ...patch, updated_at: now };
      next.payload_indexes = withoutIndexStates(next.payload_indexes);
      try {
        db.prepare(
          `UPDATE namespaces SET namespace_name = ?, description = ?, payload_indexes = ?, auto_create_indexes = ?, updated_at = ?
           WHERE org_id = ? AND namespace_id = ?`,
        ).run(
          next.namespace_name,
          next.description,
          JSON.stringify(next.payload_indexes),
          next.auto_create_indexes ? 1 : 0,
          now,
          scope.orgId,
          namespaceId,
        );
      } catch (error) {
        if (isUniqueViolation(error))
          throw new UniqueViolationError('namespace', next.namespace_name, { cause: error });
        throw error;
      }
      // Built (and undeclared ones dropped) in the background, one index per turn of the event loop.
      if (patch.payload_indexes !== undefined) builds?.schedule();
      return present(next);
    },
    async delete(scope, namespaceId) {
      const remove = db.transaction(() => {
        const count = (sql: string) => (db.prepare(sql).get(scope.orgId, namespaceId) as { n: number }).n;
        const removed = {
          sessions: count('SELECT COUNT(*) AS n FROM sessions WHERE org_id = ? AND namespace_id = ?'),
          collections: count('SELECT COUNT(*) AS n FROM collections WHERE org_id = ? AND namespace_id = ?'),
          documents: count('SELECT COUNT(*) AS n FROM documents WHERE org_id = ? AND namespace_id = ?'),
          retrievers: count('SELECT COUNT(*) AS n FROM retrievers WHERE org_id = ? AND namespace_id = ?'),
          executions: count('SELECT COUNT(*) AS n FROM executions WHERE org_id = ? AND namespace_id = ?'),
        };
        const collectionIds = db
          .prepare('SELECT collection_id FROM collections WHERE org_id = ? AND namespace_id = ?')
          .pluck()
          .all(scope.orgId, namespaceId) as string[];
        // Foreign keys cascade from namespaces to every table in it.
        const result = db
          .prepare('DELETE FROM namespaces WHERE org_id = ? AND namespace_id = ?')
          .run(scope.orgId, namespaceId);
        if (result.changes === 0) throw new RecordNotFoundError('namespace', namespaceId);
        return { removed, collectionIds };
      });
      const { removed, collectionIds } = remove();
      builds?.schedule();
      onCollectionsDeleted(collectionIds);
      return removed;
    },
    async counts(scope) {
      const count = (sql: string) => (db.prepare(sql).get(scope.orgId, scope.namespaceId) as { n: number }).n;
      return {
        collection_count: count('SELECT COUNT(*) AS n FROM collections WHERE org_id = ? AND namespace_id = ?'),
        document_count: count('SELECT COUNT(*) AS n FROM documents WHERE org_id = ? AND namespace_id = ?'),
        session_count: count('SELECT COUNT(*) AS n FROM sessions WHERE org_id = ? AND namespace_id = ?'),
        retriever_count: count('SELECT COUNT(*) AS n FROM retrievers WHERE org_id = ? AND namespace_id = ?'),
      };
    },
  };
}

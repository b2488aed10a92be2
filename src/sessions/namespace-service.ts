/**
 * @module sessions/namespace-service
 * Namespaces of an organization. Deleting one removes everything in it
 * (sessions, collections, documents, retrievers) in one transaction.
 */
import type { NamedListQuery, Store } from '../store/store.js';
import type { OrgScope } from '../store/scope.js';
import type { NamespaceRecord } from '../store/records.js';
import { errors } from '../errors.js';
import { newId } from '../lib/ids.js';

export interface CreateNamespaceInput {
  namespace_name: string;
  description?: string | null;
  feature_extractors: unknown[];
  payload_indexes?: unknown[] | null;
  auto_create_indexes?: boolean | null;
}

export function createNamespaceService(
  store: Store,
  now: () => number,
  hooks: { beforeDelete?: (scope: OrgScope, namespaceId: string) => Promise<void> } = {},
) {
  async function get(scope: OrgScope, identifier: string): Promise<NamespaceRecord> {
    const namespace = await store.namespaces.resolve(scope, identifier);
    if (!namespace) throw errors.notFound('namespace', identifier);
    return namespace;
  }

  return {
    get,
    async create(scope: OrgScope, input: CreateNamespaceInput) {
      const createdAt = now();
      return store.namespaces.create(scope, {
        namespace_id: newId('ns', 16),
        namespace_name: input.namespace_name,
        description: input.description ?? null,
        feature_extractors: input.feature_extractors,
        payload_indexes: input.payload_indexes ?? [],
        auto_create_indexes: input.auto_create_indexes ?? false,
        created_at: createdAt,
        updated_at: createdAt,
      });
    },
    async list(scope: OrgScope, query: NamedListQuery & { ids?: readonly string[] | null }) {
      return store.namespaces.list(scope, query);
    },
    async update(
      scope: OrgScope,
      identifier: string,
      patch: Partial<
        Pick<NamespaceRecord, 'namespace_name' | 'description' | 'payload_indexes' | 'auto_create_indexes'>
      >,
    ) {
      const namespace = await get(scope, identifier);
      const clean = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
      return store.namespaces.update(scope, namespace.namespace_id, clean, now());
    },
    async delete(scope: OrgScope, identifier: string) {
      const namespace = await get(scope, identifier);
      await hooks.beforeDelete?.(scope, namespace.namespace_id);
      const removed = await store.namespaces.delete(scope, namespace.namespace_id);
      return {
        namespace_id: namespace.namespace_id,
        namespace_name: namespace.namespace_name,
        status: 'DELETED',
        removed,
      };
    },
    async withCounts(scope: OrgScope, namespace: NamespaceRecord) {
      const counts = await store.namespaces.counts({ orgId: scope.orgId, namespaceId: namespace.namespace_id });
      return { namespace, counts };
    },
  };
}

export type NamespaceService = ReturnType<typeof createNamespaceService>;

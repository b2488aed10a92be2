/**
 * @module sessions/namespace-snapshot
 * The namespace's collections and retrievers as one run sees them. Intent
 * detection, the model's context and `smart_search` all read these lists;
 * reading them once per run (instead of three or four times) is what a run
 * needs, and a write tool of the same run drops the snapshot so the run's
 * next read sees its own change.
 */
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { CollectionRecord, RetrieverRecord } from '../store/data-records.js';

/** As many as intent detection has always considered; the context and the tools read prefixes of it (same order). */
export const SNAPSHOT_LIMIT = 200;

export interface NamespaceSnapshot {
  collections(): Promise<readonly CollectionRecord[]>;
  retrievers(): Promise<readonly RetrieverRecord[]>;
  /** Forgets what was read: called after a tool changed collections or retrievers. */
  invalidate(): void;
}

export interface SnapshotSources {
  collections(): Promise<CollectionRecord[]>;
  retrievers(): Promise<RetrieverRecord[]>;
}

export function createNamespaceSnapshot(sources: SnapshotSources): NamespaceSnapshot {
  let collections: Promise<readonly CollectionRecord[]> | null = null;
  let retrievers: Promise<readonly RetrieverRecord[]> | null = null;
  return {
    // A failed read is not kept: the next caller reads again, as it would have without a snapshot.
    collections: () =>
      (collections ??= sources.collections().catch((error: unknown) => {
        collections = null;
        throw error;
      })),
    retrievers: () =>
      (retrievers ??= sources.retrievers().catch((error: unknown) => {
        retrievers = null;
        throw error;
      })),
    invalidate() {
      collections = null;
      retrievers = null;
    },
  };
}

/** Newest first, as every list of the API orders them. */
export function storeSnapshotSources(
  store: Pick<Store, 'collections' | 'retrievers'>,
  scope: TenantScope,
): SnapshotSources {
  const page = { limit: SNAPSHOT_LIMIT, offset: 0, includeTotal: false } as const;
  return {
    collections: async () => (await store.collections.list(scope, page)).items,
    retrievers: async () => (await store.retrievers.list(scope, page)).items,
  };
}

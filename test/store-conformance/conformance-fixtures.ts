/**
 * Shared fixtures of the store conformance suite: what a backend's
 * initializer provides, and records built through the `Store` interface
 * only (never backend SQL), so every backend is seeded the same way.
 */
import type { NewDocument, Store } from '../../src/store/store.js';
import type { TenantScope } from '../../src/store/scope.js';
import type { SessionRecord } from '../../src/store/records.js';
import type { CollectionRecord, RunRecord } from '../../src/store/data-records.js';
import { newId } from '../../src/lib/ids.js';

export interface StoreBackend {
  name: string;
  /** A fresh, empty store. */
  open(): Promise<Store>;
  /** A second store over the same database, as another process would open it. */
  openSecond(): Promise<Store>;
  /** Whether notices (`runs.subscribe`) reach other stores over the same database (another process). */
  crossProcessNotices: boolean;
  cleanup(): Promise<void>;
}

export interface Tenants {
  one: TenantScope;
  /** Same organization, another namespace. */
  sibling: TenantScope;
  /** Another organization. */
  other: TenantScope;
}

export async function seedTenants(store: Store): Promise<Tenants> {
  const first = await store.organizations.create('first');
  const second = await store.organizations.create('second');
  const namespace = async (orgId: string, name: string) => {
    const namespaceId = newId('ns');
    await store.namespaces.create(
      { orgId },
      {
        namespace_id: namespaceId,
        namespace_name: name,
        description: null,
        feature_extractors: [],
        payload_indexes: [],
        auto_create_indexes: false,
        created_at: 1,
        updated_at: 1,
      },
    );
    return { orgId, namespaceId };
  };
  return {
    one: await namespace(first.org_id, 'one'),
    sibling: await namespace(first.org_id, 'sibling'),
    other: await namespace(second.org_id, 'other'),
  };
}

export function sessionRecord(scope: TenantScope, overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = overrides.created_at ?? 1_700_000_000_000;
  return {
    session_id: newId('ses'),
    org_id: scope.orgId,
    namespace_id: scope.namespaceId,
    user_id: null,
    session_name: null,
    agent_config: {
      model: 'quarry-local',
      temperature: 0.2,
      max_tokens: 1000,
      system_prompt: 'be brief',
      available_tools: null,
    },
    effective_model: 'quarry-local',
    quotas: null,
    user_memory: {},
    metadata: {},
    enable_memory: true,
    status: 'active',
    message_count: 0,
    total_tokens: 0,
    total_tool_calls: 0,
    total_latency_ms: 0,
    answered_runs: 0,
    created_at: now,
    updated_at: now,
    last_activity_at: now,
    expires_at: now + 86_400_000,
    terminated_at: null,
    ...overrides,
  };
}

export function collectionRecord(
  scope: TenantScope,
  name: string,
  overrides: Partial<CollectionRecord> = {},
): CollectionRecord {
  return {
    collection_id: newId('col', 10),
    namespace_id: scope.namespaceId,
    collection_name: name,
    description: null,
    config: { source: { type: 'bucket' } },
    embedding_model: 'test-embed',
    embedding_dimensions: 3,
    text_field: 'text',
    enabled: true,
    metadata: null,
    created_at: 1_700_000_000_000,
    updated_at: 1_700_000_000_000,
    ...overrides,
  };
}

export function runRecord(sessionId: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    run_id: newId('msg'),
    session_id: sessionId,
    user_message_id: newId('msg'),
    status: 'running',
    idempotency_key: null,
    lease_owner: 'test',
    lease_expires_at: Date.now() + 30_000,
    state: null,
    created_at: Date.now(),
    ended_at: null,
    ...overrides,
  };
}

export function documentInput(
  documentId: string,
  data: Record<string, unknown>,
  vector: number[] | null = null,
): NewDocument {
  return {
    document_id: documentId,
    data,
    content: String(data.text ?? ''),
    content_hash: `hash_${documentId}`,
    vector: vector ? unit(vector) : null,
  };
}

export function unit(values: number[]): Float32Array {
  const norm = Math.hypot(...values) || 1;
  return Float32Array.from(values, (value) => value / norm);
}

export const ids = (hits: { document_id: string }[]) => hits.map((hit) => hit.document_id);

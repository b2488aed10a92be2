/**
 * @module sessions/bootstrap
 * First start: an organization, its `default` namespace and an admin key,
 * so `npm start` works with nothing configured. The key is printed once
 * (or taken from QUARRY_API_KEY) and only its hash is stored.
 */
import type { Store } from '../store/store.js';
import type { NamespaceRecord } from '../store/records.js';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../lib/api-key-secret.js';
import { newId } from '../lib/ids.js';

export interface BootstrapResult {
  orgId: string;
  /** Set only when a key was created now: the one time it can be shown. */
  createdKey: string | null;
}

export async function bootstrap(
  store: Store,
  options: { apiKey?: string; now: () => number },
): Promise<BootstrapResult> {
  if (options.apiKey) {
    const existing = await store.apiKeys.findByHash(hashApiKey(options.apiKey));
    if (existing) {
      await ensureDefaultNamespace(store, existing.org_id, options.now());
      return { orgId: existing.org_id, createdKey: null };
    }
    // Only the first start of an empty store may turn QUARRY_API_KEY into the first admin key: anywhere else an unknown key
    // (a typo, a revoked key) would silently become a new, empty organization.
    if ((await store.organizations.count()) > 0) {
      throw new UnknownApiKeyError();
    }
  }
  if (!options.apiKey && (await store.apiKeys.countActive()) > 0) {
    const organization = await store.organizations.first();
    if (organization) {
      await ensureDefaultNamespace(store, organization.org_id, options.now());
      return { orgId: organization.org_id, createdKey: null };
    }
  }
  const organization = await store.organizations.create('default');
  const secret = options.apiKey ?? generateApiKey();
  await store.apiKeys.create(
    { orgId: organization.org_id },
    { name: 'admin', keyHash: hashApiKey(secret), keyPrefix: apiKeyPrefix(secret), readOnly: false, namespaces: null },
  );
  await ensureDefaultNamespace(store, organization.org_id, options.now());
  return { orgId: organization.org_id, createdKey: options.apiKey ? null : secret };
}

/** QUARRY_API_KEY names no active key of a store that already has an organization. */
export class UnknownApiKeyError extends Error {
  constructor() {
    super(
      'QUARRY_API_KEY is not an active key of this data store (mistyped or revoked?). Unset it to act as the first organization, or use a key from `quarry keys list`.',
    );
    this.name = 'UnknownApiKeyError';
  }
}

export async function ensureDefaultNamespace(store: Store, orgId: string, now: number): Promise<NamespaceRecord> {
  const existing = await store.namespaces.resolve({ orgId }, 'default');
  if (existing) return existing;
  return store.namespaces.create(
    { orgId },
    {
      namespace_id: newId('ns', 16),
      namespace_name: 'default',
      description: 'Created on first start',
      feature_extractors: [{ feature_extractor_name: 'text_extractor', version: 'v1' }],
      payload_indexes: [],
      auto_create_indexes: false,
      created_at: now,
      updated_at: now,
    },
  );
}

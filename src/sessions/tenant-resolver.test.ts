import { describe, expect, it } from 'vitest';
import type { Store } from '../store/store.js';
import type { ApiKeyRecord, NamespaceRecord } from '../store/records.js';
import { hashApiKey } from '../lib/api-key-secret.js';
import { createTenantResolver } from './tenant-resolver.js';

const key: ApiKeyRecord = {
  key_id: 'key_1',
  org_id: 'org_1',
  name: 'k',
  key_prefix: 'sk_',
  read_only: true,
  namespaces: ['ns_a'],
  created_at: 0,
  last_used_at: null,
  revoked_at: null,
};
const namespace = (id: string, name: string) =>
  ({ namespace_id: id, org_id: 'org_1', namespace_name: name }) as NamespaceRecord;

/** Just the two repositories the resolver reads, recording the key touches. */
function fakeStore() {
  const touches: number[] = [];
  const namespaces = [namespace('ns_a', 'alpha'), namespace('ns_b', 'beta')];
  const store = {
    apiKeys: {
      findByHash: async (hash: string) => (hash === hashApiKey('sk_good') ? key : null),
      touch: async (_keyId: string, now: number) => void touches.push(now),
    },
    namespaces: {
      resolve: async (scope: { orgId: string }, identifier: string) =>
        namespaces.find(
          (item) =>
            scope.orgId === item.org_id && (item.namespace_id === identifier || item.namespace_name === identifier),
        ) ?? null,
    },
  } as unknown as Store;
  return { store, touches };
}

describe('tenant resolver', () => {
  it("authenticates by the secret's hash and records use at most once a minute per key", async () => {
    const { store, touches } = fakeStore();
    let now = 100_000;
    const resolver = createTenantResolver(store, () => now);
    expect(await resolver.authenticate('sk_bad')).toBeNull();
    expect(await resolver.authenticate('sk_good')).toEqual({
      orgId: 'org_1',
      keyId: 'key_1',
      readOnly: true,
      namespaces: ['ns_a'],
    });
    now += 30_000;
    await resolver.authenticate('sk_good');
    now += 31_000;
    await resolver.authenticate('sk_good');
    expect(touches).toEqual([100_000, 161_000]);
  });

  it('resolves a granted namespace by name or id, and answers a missing and a withheld one alike (404)', async () => {
    const { store } = fakeStore();
    const resolver = createTenantResolver(store, () => 0);
    const auth = { orgId: 'org_1', keyId: 'key_1', readOnly: false, namespaces: ['ns_a'] };
    expect(await resolver.resolve(auth, 'alpha')).toMatchObject({
      orgId: 'org_1',
      namespaceId: 'ns_a',
      namespace: { namespace_name: 'alpha' },
    });
    const withheld = await resolver.resolve(auth, 'beta').catch((error) => error);
    const missing = await resolver.resolve(auth, 'gamma').catch((error) => error);
    expect(withheld).toMatchObject({
      status: 404,
      type: 'NotFoundError',
      details: { resource: 'namespace', id: 'beta' },
    });
    expect(missing).toMatchObject({
      status: 404,
      type: 'NotFoundError',
      details: { resource: 'namespace', id: 'gamma' },
    });
    expect((await resolver.resolve({ ...auth, namespaces: null }, 'ns_b')).namespaceId).toBe('ns_b');
  });
});

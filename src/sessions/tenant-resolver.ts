/**
 * @module sessions/tenant-resolver
 * Who is calling and where: an API key secret → its organization and grants,
 * and a namespace identifier → the tenant scope the key may work in. The
 * HTTP layer asks once per request; it never reads keys or namespaces itself.
 */
import type { Store } from '../store/store.js';
import type { NamespaceRecord } from '../store/records.js';
import type { TenantScope } from '../store/scope.js';
import { errors } from '../errors.js';
import { hashApiKey } from '../lib/api-key-secret.js';

export interface AuthContext {
  orgId: string;
  keyId: string;
  readOnly: boolean;
  /** The namespace ids a scoped key was granted when it was made; null for a key of the whole organization. */
  namespaces: string[] | null;
}

/** A namespace a request works in, with its record (payload indexes, name) at hand. */
export interface Tenant extends TenantScope {
  namespace: NamespaceRecord;
}

/** last_used_at is for people auditing keys: minute precision, so not a write per request. */
const TOUCH_EVERY_MS = 60_000;

/**
 * Whether the key may use this namespace: any of its organization's when unscoped, else only those granted.
 * By id only: a grant never follows a name, so renames cannot move a key into another namespace.
 */
export function mayUseNamespace(auth: AuthContext, namespaceId: string): boolean {
  return auth.namespaces === null || auth.namespaces.includes(namespaceId);
}

export function createTenantResolver(store: Store, now: () => number) {
  const lastTouched = new Map<string, number>();

  return {
    /** The key's context, or null when the secret is unknown or revoked. */
    async authenticate(secret: string): Promise<AuthContext | null> {
      const key = await store.apiKeys.findByHash(hashApiKey(secret));
      if (!key) return null;
      const time = now();
      if (time - (lastTouched.get(key.key_id) ?? 0) > TOUCH_EVERY_MS) {
        lastTouched.set(key.key_id, time);
        await store.apiKeys.touch(key.key_id, time);
      }
      return { orgId: key.org_id, keyId: key.key_id, readOnly: key.read_only, namespaces: key.namespaces };
    },

    /** The namespace within the key's organization; 404 when missing or not granted (the same answer). */
    async resolve(auth: AuthContext, identifier: string): Promise<Tenant> {
      const namespace = await store.namespaces.resolve({ orgId: auth.orgId }, identifier);
      if (!namespace) throw errors.notFound('namespace', identifier);
      // Same answer as a missing namespace: a restricted key learns nothing about the others.
      if (!mayUseNamespace(auth, namespace.namespace_id)) throw errors.notFound('namespace', identifier);
      return { orgId: auth.orgId, namespaceId: namespace.namespace_id, namespace };
    },
  };
}

export type TenantResolver = ReturnType<typeof createTenantResolver>;

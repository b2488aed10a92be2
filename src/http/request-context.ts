/**
 * @module http/request-context
 * Authentication (Bearer API key → organization) and namespace resolution
 * (`X-Namespace` header, else `?namespace=`, else the org's `default`).
 * Handlers receive a TenantScope; the store enforces it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Store } from '../store/store.js';
import type { NamespaceRecord } from '../store/records.js';
import type { TenantScope } from '../store/scope.js';
import { errors } from '../errors.js';
import { hashApiKey } from '../lib/api-key-secret.js';
import { createRateLimiter } from './rate-limiter.js';

export interface AuthContext {
  orgId: string;
  keyId: string;
  readOnly: boolean;
  namespaces: string[] | null;
}

export interface Tenant extends TenantScope {
  namespace: NamespaceRecord;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
  interface FastifyContextConfig {
    /** Routes that change data; a read-only key may not call them. */
    write?: boolean;
    /** Routes open without a key (health, docs, the playground). */
    public?: boolean;
  }
}

export const DEFAULT_NAMESPACE = 'default';

export function registerRequestContext(app: FastifyInstance, store: Store, options: { rateLimitPerMinute: number; now: () => number }): void {
  const limiter = createRateLimiter(options.rateLimitPerMinute, options.now);
  // last_used_at is for people auditing keys: minute precision, so not a write per request.
  const lastTouched = new Map<string, number>();
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config ?? {};
    // The MCP endpoint takes the same keys as the API (and counts against the same rate limit).
    if (config.public || !(request.url.startsWith('/v1/') || request.url === '/mcp' || request.url.startsWith('/mcp?'))) return;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
    if (!match) throw errors.unauthorized();
    const key = await store.apiKeys.findByHash(hashApiKey(match[1]));
    if (!key) throw errors.unauthorized('Invalid or revoked API key.');
    request.auth = { orgId: key.org_id, keyId: key.key_id, readOnly: key.read_only, namespaces: key.namespaces };
    const now = options.now();
    if (now - (lastTouched.get(key.key_id) ?? 0) > 60_000) {
      lastTouched.set(key.key_id, now);
      await store.apiKeys.touch(key.key_id, now);
    }
    const retryAfter = limiter.take(key.key_id);
    if (retryAfter > 0) {
      throw errors.tooManyRequests(`Rate limit of ${options.rateLimitPerMinute} requests per minute exceeded for this API key.`, retryAfter, { api_name: 'api_key' });
    }
    if (config.write && key.read_only) {
      throw errors.forbidden('This API key is read-only and cannot change data.', { key_id: key.key_id });
    }
  });
}

export function requireAuth(request: FastifyRequest): AuthContext {
  if (!request.auth) throw errors.unauthorized();
  return request.auth;
}

/** The namespace a request works in, resolved within the key's organization. */
export async function resolveTenant(request: FastifyRequest, store: Store): Promise<Tenant> {
  const auth = requireAuth(request);
  const header = request.headers['x-namespace'];
  const query = (request.query as Record<string, unknown> | undefined)?.namespace;
  const identifier =
    (typeof header === 'string' && header.trim()) || (typeof query === 'string' && query.trim()) || DEFAULT_NAMESPACE;
  const namespace = await store.namespaces.resolve({ orgId: auth.orgId }, identifier);
  if (!namespace) throw errors.notFound('namespace', identifier);
  if (auth.namespaces && !auth.namespaces.includes(namespace.namespace_id) && !auth.namespaces.includes(namespace.namespace_name)) {
    // Same answer as a missing namespace: a restricted key learns nothing about the others.
    throw errors.notFound('namespace', identifier);
  }
  return { orgId: auth.orgId, namespaceId: namespace.namespace_id, namespace };
}

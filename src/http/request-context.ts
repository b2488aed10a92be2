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
import { AppError, errors } from '../errors.js';
import { hashApiKey } from '../lib/api-key-secret.js';
import { createRateLimiter } from './rate-limiter.js';

export interface AuthContext {
  orgId: string;
  keyId: string;
  readOnly: boolean;
  /** The namespace ids a scoped key was granted when it was made; null for a key of the whole organization. */
  namespaces: string[] | null;
}

/**
 * Whether the key may use this namespace: any of its organization's when unscoped, else only those granted.
 * By id only: a grant never follows a name, so renames cannot move a key into another namespace.
 */
export function mayUseNamespace(auth: AuthContext, namespaceId: string): boolean {
  return auth.namespaces === null || auth.namespaces.includes(namespaceId);
}

/** Creating and deleting namespaces change the organization's shape: only a key of the whole organization may. */
export function requireOrganizationKey(auth: AuthContext, action: 'create' | 'delete'): void {
  if (auth.namespaces !== null) throw errors.namespaceScoped(action, auth.keyId);
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

/** Failed authentications one client address may make per minute before it gets 429s. */
export const FAILED_AUTH_PER_MINUTE = 30;

export function registerRequestContext(app: FastifyInstance, store: Store, options: { rateLimitPerMinute: number; now: () => number; failedAuthPerMinute?: number }): void {
  const limiter = createRateLimiter(app, options.rateLimitPerMinute, (request) => request.auth!.keyId);
  // Guessing keys costs a client address its access for the rest of the minute, whatever key it sends next.
  const failedAuth = createRateLimiter(app, options.failedAuthPerMinute ?? FAILED_AUTH_PER_MINUTE, (request) => request.ip);
  const refuse = async (request: FastifyRequest, error: AppError) => {
    const retryAfter = await failedAuth.take(request);
    if (retryAfter > 0) return errors.tooManyRequests('Too many failed authentications from this address; wait before trying again.', retryAfter, { api_name: 'authentication' });
    return error;
  };
  // last_used_at is for people auditing keys: minute precision, so not a write per request.
  const lastTouched = new Map<string, number>();
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config ?? {};
    // The route the router matched, never the raw URL: the router decodes `/%761/…` to `/v1/…`, a string test on request.url does not.
    // The MCP endpoint takes the same keys as the API (and counts against the same rate limit).
    const route = request.routeOptions.url;
    if (config.public || route === undefined || !(route.startsWith('/v1/') || route === '/mcp')) return;
    if (await failedAuth.blocked(request)) throw await refuse(request, errors.unauthorized());
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
    if (!match) throw await refuse(request, errors.unauthorized());
    const key = await store.apiKeys.findByHash(hashApiKey(match[1]));
    if (!key) throw await refuse(request, errors.unauthorized('Invalid or revoked API key.'));
    request.auth = { orgId: key.org_id, keyId: key.key_id, readOnly: key.read_only, namespaces: key.namespaces };
    const now = options.now();
    if (now - (lastTouched.get(key.key_id) ?? 0) > 60_000) {
      lastTouched.set(key.key_id, now);
      await store.apiKeys.touch(key.key_id, now);
    }
    const retryAfter = await limiter.take(request);
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
  // Same answer as a missing namespace: a restricted key learns nothing about the others.
  if (!mayUseNamespace(auth, namespace.namespace_id)) throw errors.notFound('namespace', identifier);
  return { orgId: auth.orgId, namespaceId: namespace.namespace_id, namespace };
}

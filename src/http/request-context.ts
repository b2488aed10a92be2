/**
 * @module http/request-context
 * Authentication: a Bearer API key → its organization and grants (the tenant
 * resolver looks the key up), failed-auth and per-key rate limits, read-only
 * keys kept off write routes. The namespace is resolved later, per route, by
 * http/tenant-scope.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthContext, TenantResolver } from '../sessions/tenant-resolver.js';
import { AppError, errors } from '../errors.js';
import { createRateLimiter, registerRateLimiting } from './rate-limiter.js';

/** Creating and deleting namespaces change the organization's shape: only a key of the whole organization may. */
export function requireOrganizationKey(auth: AuthContext, action: 'create' | 'delete'): void {
  if (auth.namespaces !== null) throw errors.namespaceScoped(action, auth.keyId);
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

/** Failed authentications one client address may make per minute before it gets 429s. */
export const FAILED_AUTH_PER_MINUTE = 30;

export async function registerRequestContext(
  app: FastifyInstance,
  tenants: TenantResolver,
  options: { rateLimitPerMinute: number; failedAuthPerMinute?: number },
): Promise<void> {
  await registerRateLimiting(app);
  const limiter = createRateLimiter(app, options.rateLimitPerMinute, (request) => request.auth!.keyId);
  // Guessing keys costs a client address its access for the rest of the minute, whatever key it sends next.
  const failedAuth = createRateLimiter(
    app,
    options.failedAuthPerMinute ?? FAILED_AUTH_PER_MINUTE,
    (request) => request.ip,
  );
  const refuse = async (request: FastifyRequest, error: AppError) => {
    const retryAfter = await failedAuth.take(request);
    if (retryAfter > 0) {
      const message = 'Too many failed authentications from this address; wait before trying again.';
      return errors.tooManyRequests(message, retryAfter, { api_name: 'authentication' });
    }
    return error;
  };
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
    const auth = await tenants.authenticate(match[1]);
    if (!auth) throw await refuse(request, errors.unauthorized('Invalid or revoked API key.'));
    request.auth = auth;
    const retryAfter = await limiter.take(request);
    if (retryAfter > 0) {
      const message = `Rate limit of ${options.rateLimitPerMinute} requests per minute exceeded for this API key.`;
      throw errors.tooManyRequests(message, retryAfter, { api_name: 'api_key' });
    }
    if (config.write && auth.readOnly) {
      throw errors.forbidden('This API key is read-only and cannot change data.', { key_id: auth.keyId });
    }
  });
}

export function requireAuth(request: FastifyRequest): AuthContext {
  if (!request.auth) throw errors.unauthorized();
  return request.auth;
}

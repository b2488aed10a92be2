/**
 * @module http/tenant-scope
 * Routes that work inside a namespace register within this encapsulated
 * plugin: one preHandler resolves `request.tenant` (the `X-Namespace` header,
 * else `?namespace=`, else the organization's `default`) after validation and
 * before the handler, so a handler never looks a namespace up itself. A route
 * in the scope that needs no namespace says `config: { namespace: 'none' }`;
 * one that works with or without it says `'optional'`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Tenant, TenantResolver } from '../sessions/tenant-resolver.js';
import { errors } from '../errors.js';
import { requireAuth } from './request-context.js';
import { IN_A_NAMESPACE } from './openapi-document.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The namespace the request works in, resolved by the tenant scope; a 500 on a route that resolved none. */
    readonly tenant: Tenant;
  }
  interface FastifyContextConfig {
    /** Within the tenant scope: 'none' resolves no namespace; 'optional' leaves none when it does not resolve. */
    namespace?: 'optional' | 'none';
  }
}

const DEFAULT_NAMESPACE = 'default';

const RESOLVED = Symbol('quarry.tenant');
const NAMED = Symbol('quarry.namespaceIdentifier');
type WithTenant = FastifyRequest & { [RESOLVED]: Tenant | null; [NAMED]: string | null };

/** The namespace identifier a request names, the organization's default when it names none. */
function namespaceIdentifier(request: FastifyRequest): string {
  const header = request.headers['x-namespace'];
  const query = (request.query as Record<string, unknown> | undefined)?.namespace;
  return (
    (typeof header === 'string' && header.trim()) || (typeof query === 'string' && query.trim()) || DEFAULT_NAMESPACE
  );
}

/** The tenant when the scope resolved one: for `namespace: 'optional'` routes. */
export function tenantIfResolved(request: FastifyRequest): Tenant | null {
  return (request as WithTenant)[RESOLVED] ?? null;
}

/**
 * Registers `routes` in an encapsulated plugin whose preHandler resolves the tenant for each of them. The
 * accessor is app-wide, so a route outside the scope that reads `request.tenant` fails loudly instead of guessing.
 */
export async function registerTenantScope<App extends FastifyInstance>(
  app: App,
  tenants: TenantResolver,
  routes: (scope: App) => Promise<void>,
): Promise<void> {
  app.decorateRequest(RESOLVED, null);
  app.decorateRequest(NAMED, null);
  app.decorateRequest('tenant', {
    getter(this: FastifyRequest) {
      const tenant = tenantIfResolved(this);
      if (!tenant) throw errors.internal(`No namespace is resolved for ${this.method} ${this.routeOptions.url}.`);
      return tenant;
    },
  });
  await app.register(async (scope) => {
    // The OpenAPI document lists the X-Namespace header on exactly the routes that resolve one.
    scope.addHook('onRoute', (route) => {
      if (route.config?.namespace === 'none') return;
      route.schema = Object.assign({}, route.schema, { [IN_A_NAMESPACE]: true });
    });
    // Read before validation: a route's query schema that does not declare `namespace` strips it, and the request
    // would silently work in the default namespace instead of the one it named.
    scope.addHook('preValidation', async (request) => {
      (request as WithTenant)[NAMED] = namespaceIdentifier(request);
    });
    scope.addHook('preHandler', async (request) => {
      const mode = request.routeOptions.config?.namespace;
      if (mode === 'none') return;
      const identifier = (request as WithTenant)[NAMED] ?? namespaceIdentifier(request);
      const resolving = (async () => tenants.resolve(requireAuth(request), identifier))();
      // An optional namespace that does not resolve is no namespace: the route answers without one.
      (request as WithTenant)[RESOLVED] = mode === 'optional' ? await resolving.catch(() => null) : await resolving;
    });
    await routes(scope as App);
  });
}

import Fastify, { type FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { errors } from '../errors.js';
import type { AuthContext, Tenant, TenantResolver } from '../sessions/tenant-resolver.js';
import { registerErrorHandling } from './error-handler.js';
import { registerRequestContext } from './request-context.js';
import { registerTenantScope, tenantIfResolved } from './tenant-scope.js';
import swagger from '@fastify/swagger';
import { transformDocument, transformRoute } from './openapi-document.js';

const KEY = 'sk_test';
const auth: AuthContext = { orgId: 'org_1', keyId: 'key_1', readOnly: false, namespaces: null };

/** A resolver over two namespaces, counting the lookups it answers. */
function fakeResolver() {
  const lookups: string[] = [];
  const resolver: TenantResolver = {
    authenticate: async (secret) => (secret === KEY ? auth : null),
    async resolve(_auth, identifier) {
      lookups.push(identifier);
      const id = { default: 'ns_default', docs: 'ns_docs' }[identifier];
      if (!id) throw errors.notFound('namespace', identifier);
      return {
        orgId: auth.orgId,
        namespaceId: id,
        namespace: { namespace_id: id, namespace_name: identifier },
      } as Tenant;
    },
  };
  return { resolver, lookups };
}

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

async function build(resolver: TenantResolver) {
  const fastify = Fastify().withTypeProvider<ZodTypeProvider>();
  fastify.setValidatorCompiler(validatorCompiler);
  await fastify.register(swagger, {
    openapi: { openapi: '3.1.0' },
    transform: transformRoute,
    transformObject: transformDocument,
  });
  registerErrorHandling(fastify, 1 << 20);
  await registerRequestContext(fastify, resolver, { rateLimitPerMinute: 0 });
  await registerTenantScope(fastify, resolver, async (scope) => {
    scope.get('/v1/where', async (request) => ({ namespace_id: request.tenant.namespaceId }));
    scope.post('/v1/checked', { schema: { body: z.object({ name: z.string() }) } }, async (request) => ({
      namespace_id: request.tenant.namespaceId,
    }));
    scope.get('/v1/maybe', { config: { namespace: 'optional' } }, async (request) => ({
      namespace_id: tenantIfResolved(request)?.namespaceId ?? null,
    }));
    scope.get('/v1/nowhere', { config: { namespace: 'none' } }, async () => ({ ok: true }));
    scope.delete(
      '/v1/strict',
      { schema: { querystring: z.object({ cascade: z.string().optional() }) } },
      async (request) => ({ namespace_id: request.tenant.namespaceId }),
    );
  });
  fastify.get('/v1/outside', async (request) => ({ namespace_id: request.tenant.namespaceId }));
  app = fastify;
  return fastify;
}

const get = (fastify: FastifyInstance, url: string, headers: Record<string, string> = {}) =>
  fastify.inject({ method: 'GET', url, headers: { authorization: `Bearer ${KEY}`, ...headers } });

describe('the tenant scope', () => {
  it('resolves the namespace once per request: X-Namespace, else ?namespace=, else the default', async () => {
    const { resolver, lookups } = fakeResolver();
    const fastify = await build(resolver);
    expect((await get(fastify, '/v1/where', { 'x-namespace': ' docs ' })).json()).toEqual({ namespace_id: 'ns_docs' });
    expect((await get(fastify, '/v1/where?namespace=docs')).json()).toEqual({ namespace_id: 'ns_docs' });
    expect((await get(fastify, '/v1/where?namespace=docs', { 'x-namespace': 'default' })).json()).toEqual({
      namespace_id: 'ns_default',
    });
    expect((await get(fastify, '/v1/where')).json()).toEqual({ namespace_id: 'ns_default' });
    expect(lookups).toEqual(['docs', 'docs', 'default', 'default']);
  });

  it('reads ?namespace= before validation: a query schema that does not declare it cannot send the request to the default', async () => {
    const { resolver } = fakeResolver();
    const fastify = await build(resolver);
    const response = await fastify.inject({
      method: 'DELETE',
      url: '/v1/strict?namespace=docs&cascade=true',
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(response.json()).toEqual({ namespace_id: 'ns_docs' });
  });

  it('answers 404 for a namespace that does not resolve, after validating the request as the handlers did', async () => {
    const { resolver } = fakeResolver();
    const fastify = await build(resolver);
    const missing = await get(fastify, '/v1/where', { 'x-namespace': 'nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatchObject({
      type: 'NotFoundError',
      details: { resource: 'namespace', id: 'nope' },
    });
    const invalid = await fastify.inject({
      method: 'POST',
      url: '/v1/checked',
      headers: { authorization: `Bearer ${KEY}`, 'x-namespace': 'nope' },
      payload: {},
    });
    expect(invalid.statusCode).toBe(422);
  });

  it('skips routes that need no namespace and lets an optional one go without', async () => {
    const { resolver, lookups } = fakeResolver();
    const fastify = await build(resolver);
    expect((await get(fastify, '/v1/nowhere', { 'x-namespace': 'nope' })).statusCode).toBe(200);
    expect(lookups).toEqual([]);
    expect((await get(fastify, '/v1/maybe', { 'x-namespace': 'nope' })).json()).toEqual({ namespace_id: null });
    expect((await get(fastify, '/v1/maybe', { 'x-namespace': 'docs' })).json()).toEqual({ namespace_id: 'ns_docs' });
  });

  it('gives routes outside the scope no tenant: reading one is a loud 500, not a silent default', async () => {
    const { resolver, lookups } = fakeResolver();
    const fastify = await build(resolver);
    const response = await get(fastify, '/v1/outside');
    expect(response.statusCode).toBe(500);
    expect(response.json().error.message).toBe('No namespace is resolved for GET /v1/outside.');
    expect(lookups).toEqual([]);
  });

  it('authenticates before resolving: no key, no namespace lookup', async () => {
    const { resolver, lookups } = fakeResolver();
    const fastify = await build(resolver);
    expect((await fastify.inject({ method: 'GET', url: '/v1/where' })).statusCode).toBe(401);
    expect(lookups).toEqual([]);
  });

  it('documents the X-Namespace header on exactly the routes that resolve a namespace', async () => {
    const fastify = await build(fakeResolver().resolver);
    await fastify.ready();
    const paths = (fastify.swagger() as { paths: Record<string, Record<string, { parameters?: { name: string }[] }>> })
      .paths;
    const documented = (path: string) =>
      paths[path].get.parameters?.some((parameter) => parameter.name === 'X-Namespace') ?? false;
    expect([
      documented('/v1/where'),
      documented('/v1/maybe'),
      documented('/v1/nowhere'),
      documented('/v1/outside'),
    ]).toEqual([true, true, false, false]);
  });
});

/**
 * @module http/routes/namespaces-routes
 * Namespace CRUD (no X-Namespace header: these manage the namespaces themselves).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { HttpServices } from '../http-services.js';
import { requireAuth, requireOrganizationKey } from '../request-context.js';
import { mayUseNamespace, type AuthContext } from '../../sessions/tenant-resolver.js';
import { errors } from '../../errors.js';
import { decodeCursor, withErrors, listQuerySchema } from '../schemas/common-schemas.js';
import {
  createNamespaceRequestSchema,
  listNamedRequestSchema,
  namespaceParamsSchema,
  patchNamespaceRequestSchema,
} from '../schemas/data-schemas.js';
import { presentNamespace } from '../presenters/data-presenter.js';
import {
  deleteNamespaceResponseSchema,
  listNamespacesResponseSchema,
  namespaceResponseSchema,
} from '../schemas/data-response-schemas.js';
import { listSort, pagination } from './list-paging.js';

const tags = ['Namespaces'];

export function namespacesRoutes(services: HttpServices): FastifyPluginAsyncZod {
  const { namespaces } = services.data;
  /** The namespace, when the key may use it; 404 otherwise, exactly as for a missing one. */
  async function granted(auth: AuthContext, identifier: string) {
    const namespace = await namespaces.get({ orgId: auth.orgId }, identifier);
    if (!mayUseNamespace(auth, namespace.namespace_id)) throw errors.notFound('namespace', identifier);
    return namespace;
  }

  return async (app) => {
    app.post('/v1/namespaces', {
      config: { write: true },
      schema: {
        tags,
        summary: 'Create a namespace',
        body: createNamespaceRequestSchema,
        response: withErrors(namespaceResponseSchema),
      },
      handler: async (request) => {
        const auth = requireAuth(request);
        requireOrganizationKey(auth, 'create');
        const namespace = await namespaces.create({ orgId: auth.orgId }, request.body);
        return presentNamespace(namespace, { collection_count: 0, document_count: 0 });
      },
    });

    app.post('/v1/namespaces/list', {
      schema: {
        tags,
        summary: 'List namespaces',
        querystring: listQuerySchema,
        body: listNamedRequestSchema.nullable().optional(),
        response: withErrors(listNamespacesResponseSchema),
      },
      handler: async (request) => {
        const auth = requireAuth(request);
        const scope = { orgId: auth.orgId };
        const body = request.body ?? { case_sensitive: false };
        const filters = (body.filters ?? {}) as Record<string, unknown>;
        const search =
          body.search ??
          (typeof filters.namespace_name === 'string'
            ? filters.namespace_name
            : typeof filters.namespace_id === 'string'
              ? filters.namespace_id
              : undefined);
        const sort = listSort(body);
        const sortKey = `${sort.field}:${sort.direction}`;
        const limit = request.query.limit ?? 20;
        const offset = request.query.offset ?? 0;
        const page = await namespaces.list(scope, {
          search: search ?? undefined,
          caseSensitive: body.case_sensitive,
          sort,
          limit,
          offset,
          cursor: decodeCursor(request.query.cursor, sortKey),
          includeTotal: true,
          ids: auth.namespaces,
        });
        const results = await Promise.all(
          page.items.map(async (namespace) =>
            presentNamespace(namespace, (await namespaces.withCounts(scope, namespace)).counts),
          ),
        );
        return {
          results,
          pagination: pagination({
            limit,
            offset,
            total: page.total,
            nextCursor: page.nextCursor,
            sortKey,
            hasMore: page.hasMore,
          }),
          total_count: page.total ?? results.length,
        };
      },
    });

    app.get('/v1/namespaces/:namespace_identifier', {
      schema: {
        tags,
        summary: 'Get a namespace by name or id',
        params: namespaceParamsSchema,
        response: withErrors(namespaceResponseSchema),
      },
      handler: async (request) => {
        const auth = requireAuth(request);
        const scope = { orgId: auth.orgId };
        const namespace = await granted(auth, request.params.namespace_identifier);
        const { counts } = await namespaces.withCounts(scope, namespace);
        return presentNamespace(namespace, counts);
      },
    });

    for (const method of ['PATCH', 'PUT'] as const) {
      app.route({
        method,
        url: '/v1/namespaces/:namespace_identifier',
        config: { write: true },
        schema: {
          tags,
          summary: method === 'PATCH' ? 'Update a namespace (partial)' : 'Update a namespace',
          params: namespaceParamsSchema,
          body: patchNamespaceRequestSchema,
          response: withErrors(namespaceResponseSchema),
        },
        handler: async (request) => {
          const auth = requireAuth(request);
          const scope = { orgId: auth.orgId };
          const body = request.body;
          const namespace = await namespaces.update(
            scope,
            (await granted(auth, request.params.namespace_identifier)).namespace_id,
            {
              namespace_name: body.namespace_name,
              description: body.description,
              payload_indexes: body.payload_indexes ?? undefined,
              auto_create_indexes: body.auto_create_indexes ?? undefined,
            },
          );
          const { counts } = await namespaces.withCounts(scope, namespace);
          return presentNamespace(namespace, counts);
        },
      });
    }

    app.delete('/v1/namespaces/:namespace_identifier', {
      config: { write: true },
      schema: {
        tags,
        summary: 'Delete a namespace and everything in it',
        params: namespaceParamsSchema,
        response: withErrors(deleteNamespaceResponseSchema),
      },
      handler: async (request) => {
        const auth = requireAuth(request);
        const namespace = await granted(auth, request.params.namespace_identifier);
        requireOrganizationKey(auth, 'delete');
        return namespaces.delete({ orgId: auth.orgId }, namespace.namespace_id);
      },
    });
  };
}

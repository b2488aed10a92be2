/**
 * @module http/routes/retrievers-routes
 * Retrievers: CRUD, clone, execute (saved and ad hoc, JSON or the
 * contract's retriever SSE format), explain, executions, and the stage list.
 * The routes live in retriever-crud-routes and retriever-execution-routes;
 * this plugin registers them in the order that fixes the OpenAPI document's paths.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { HttpServices } from '../http-services.js';
import { registerRetrieverItemRoutes, registerRetrieverListRoutes } from './retriever-crud-routes.js';
import { registerAdhocExecutionRoutes, registerSavedExecutionRoutes } from './retriever-execution-routes.js';

export function retrieversRoutes(services: HttpServices): FastifyPluginAsyncZod {
  return async (app) => {
    registerRetrieverListRoutes(app, services);
    registerAdhocExecutionRoutes(app, services);
    registerRetrieverItemRoutes(app, services);
    registerSavedExecutionRoutes(app, services);
  };
}

/**
 * @module http/routes/route-app
 * The Fastify instance a zod route plugin receives, for helpers that register part of a plugin's routes.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

export type RouteApp = Parameters<FastifyPluginAsyncZod>[0];

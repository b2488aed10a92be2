/**
 * @module http/openapi-document
 * /openapi.json from the routes' zod schemas (fastify-type-provider-zod),
 * plus what that conversion cannot say by itself: a body the route accepts
 * absent is not required (generated clients send none), and a route marked
 * EVENT_STREAM answers text/event-stream as well as (or instead of) JSON.
 */
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { EVENT_STREAM } from './schemas/common-schemas.js';

/** The few parts of an OpenAPI 3.1 document this module edits. */
interface MediaType {
  schema?: { type?: string };
}
interface Operation {
  parameters?: { in: string; name: string; required?: boolean; description?: string; schema?: object }[];
  requestBody?: { required?: boolean; content?: Record<string, MediaType> };
  responses?: Record<string, { content?: Record<string, MediaType> }>;
  [key: string]: unknown;
}
interface Document {
  paths?: Record<string, Record<string, Operation>>;
}

const OPTIONAL_BODY = 'x-quarry-optional-body';
/** Set on a route's schema by http/tenant-scope when the route works inside a namespace (X-Namespace chooses it). */
export const IN_A_NAMESPACE = 'x-quarry-namespace';

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];
type TransformObjectInput = Parameters<typeof jsonSchemaTransformObject>[0];

/** Per route: the zod conversion, and a marker when the body may be absent. */
export function transformRoute(input: TransformInput) {
  const result = jsonSchemaTransform(input);
  const body = (input.schema as { body?: { safeParse?: (value: unknown) => { success: boolean } } } | undefined)?.body;
  if (body?.safeParse?.(undefined).success) (result.schema as Record<string, unknown>)[OPTIONAL_BODY] = true;
  return result;
}

const streamContent = {
  schema: {
    type: 'string',
    description:
      'text/event-stream: `id:`, `event:` and `data: <json>` frames; the payloads are described by GET /v1/agents/events/schema (agent streams).',
  },
} as const;

const namespaceHeader = {
  in: 'header',
  name: 'X-Namespace',
  required: false,
  description:
    "The namespace (name or ns_ id); else the `namespace` query parameter; else the organization's `default`.",
  schema: { type: 'string' },
};

/** The whole document: components from the zod registry, then the markers turned into OpenAPI. */
export function transformDocument(input: TransformObjectInput) {
  const document = jsonSchemaTransformObject(input);
  for (const operations of Object.values((document as Document).paths ?? {})) {
    for (const operation of Object.values(operations ?? {})) {
      if (typeof operation !== 'object' || operation === null || !('responses' in operation)) continue;
      if (operation[IN_A_NAMESPACE]) {
        operation.parameters = [...(operation.parameters ?? []), namespaceHeader];
        delete operation[IN_A_NAMESPACE];
      }
      if (operation[OPTIONAL_BODY]) {
        if (operation.requestBody) operation.requestBody.required = false;
        delete operation[OPTIONAL_BODY];
      }
      if (operation[EVENT_STREAM]) {
        const success = operation.responses?.['200'];
        if (success) {
          // A route that only streams declares a plain string: it has no JSON answer to document.
          const onlyStream = success.content?.['application/json']?.schema?.type === 'string';
          success.content = { ...(onlyStream ? {} : success.content), 'text/event-stream': streamContent };
        }
        delete operation[EVENT_STREAM];
      }
    }
  }
  return document;
}

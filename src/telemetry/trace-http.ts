/**
 * @module telemetry/trace-http
 * One trace per HTTP request. The span starts where Node hands Fastify the
 * request (a server factory), so every hook, handler and the run a message
 * starts execute inside its context; it continues an incoming `traceparent`
 * and ends when the response is closed (an SSE stream ends with its run).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  defaultTextMapGetter,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { FastifyInstance } from 'fastify';

const propagator = new W3CTraceContextPropagator();

/** A Fastify `serverFactory` whose requests each run inside a server span. */
export function tracingServerFactory(tracer: Tracer) {
  return (handler: (request: IncomingMessage, response: ServerResponse) => void): Server =>
    createServer((request, response) => {
      const parent = propagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
      const path = (request.url ?? '/').split('?')[0];
      // Named `{method}` until the route is known (semantic conventions: never the raw path, it is unbounded).
      const span = tracer.startSpan(
        request.method ?? 'GET',
        {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': request.method ?? 'GET', 'url.path': path, 'url.scheme': 'http' },
        },
        parent,
      );
      response.once('close', () => {
        span.setAttribute('http.response.status_code', response.statusCode);
        if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      context.with(trace.setSpan(parent, span), () => handler(request, response));
    });
}

/** Names each request's span after its route template (`POST /v1/agents/sessions/:session_id/messages`): bounded cardinality. */
export function registerHttpTracing(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const span = trace.getActiveSpan();
    const route = request.routeOptions.url;
    if (!span || !route) return;
    span.updateName(`${request.method} ${route}`);
    span.setAttribute('http.route', route);
  });
}

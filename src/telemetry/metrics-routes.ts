/**
 * @module telemetry/metrics-routes
 * `GET /metrics` in the Prometheus text format. With QUARRY_METRICS_TOKEN set
 * it wants `Authorization: Bearer <token>`; without one it answers loopback
 * clients only (a scraper on the same host or a sidecar), so a server bound
 * to 0.0.0.0 does not publish its numbers by default. Also counts the
 * requests refused by a rate limit or a quota, as they leave.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, errors } from '../errors.js';
import type { QuarryMetrics } from './quarry-metrics.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function registerMetrics(app: FastifyInstance, metrics: QuarryMetrics, options: { token?: string }): void {
  app.addHook('onError', async (_request, _reply, error) => {
    if (!AppError.is(error)) return;
    if (error.type === 'TooManyRequestsError') metrics.rejected('rate_limit', 'request');
    else if (error.type === 'QuotaExceededError') metrics.rejected('quota', 'request');
  });

  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    authorize(request, options.token);
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

function authorize(request: FastifyRequest, token: string | undefined): void {
  if (!token) {
    if (LOOPBACK.has(request.socket.remoteAddress ?? '')) return;
    throw errors.forbidden(
      'GET /metrics answers only local clients unless QUARRY_METRICS_TOKEN is set; then send it as a Bearer token.',
    );
  }
  const match = /^Bearer\s+(\S+)$/i.exec(String(request.headers.authorization ?? '').trim());
  // Hashes compared, so the comparison takes the same time whatever the lengths.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  if (!match || !timingSafeEqual(digest(match[1]), digest(token)))
    throw errors.unauthorized('GET /metrics needs `Authorization: Bearer <QUARRY_METRICS_TOKEN>`.');
}

/**
 * @module http/error-handler
 * The one place where any error becomes the contract's envelope:
 * `{success:false,status,error:{message,type,details}}`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, asAppError, errors, type ValidationIssue } from '../errors.js';

/**
 * The envelope; a validation error (422) also carries the reference's
 * `detail: [{loc, msg, type}]` (FastAPI's HTTPValidationError), so clients
 * generated from the reference read the same issues (DESIGN §1 item 4).
 */
export function errorEnvelope(error: AppError) {
  const envelope = {
    success: false as const,
    status: error.status,
    error: { message: error.message, type: error.type, details: error.details },
  };
  if (error.status !== 422) return envelope;
  const issues = Array.isArray(error.details?.validation_errors)
    ? (error.details.validation_errors as ValidationIssue[])
    : [];
  const detail =
    issues.length > 0
      ? issues.map((issue) => ({ loc: issue.location, msg: issue.message, type: issue.type }))
      : [{ loc: ['body'], msg: error.message, type: 'value_error' }];
  return { ...envelope, detail };
}

export function toAppError(error: unknown, bodyLimit: number): AppError {
  const known = asAppError(error);
  if (known) return known;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = (error as FastifyError & { validationContext?: string }).validationContext ?? 'body';
    const issues: ValidationIssue[] = error.validation.map((issue) => ({
      type: issue.keyword,
      location: [
        context,
        ...issue.instancePath
          .split('/')
          .filter(Boolean)
          .map((part: string) => (/^\d+$/.test(part) ? Number(part) : part)),
      ],
      message: describeIssue(issue.message, issue.params as Record<string, unknown>),
    }));
    return errors.validation(issues);
  }
  const fastifyError = error as FastifyError;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.payloadTooLarge(bodyLimit);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.malformedJson(fastifyError.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType();
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errors.badRequest('The Content-Length header does not match the body.');
  }
  if (error instanceof SyntaxError && /JSON/.test(error.message)) return errors.malformedJson(error.message);
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return errors.requestRejected(fastifyError.statusCode, fastifyError.message);
  }
  return errors.internal();
}

function describeIssue(message: string, params: Record<string, unknown>): string {
  if (Array.isArray(params?.keys) && params.keys.length > 0)
    return `${message}: ${(params.keys as string[]).join(', ')}`;
  return message;
}

export function registerErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  // The JSON body parser (empty bodies, depth limit) is http/json-body-parser.
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error, bodyLimit);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ type: appError.type, status: appError.status }, appError.message);
    reply.status(appError.status).headers(appError.headers).send(errorEnvelope(appError));
  });
  app.setNotFoundHandler((request, reply) => {
    const appError = errors.routeNotFound(request.method, request.url.split('?')[0]);
    reply.status(404).send(errorEnvelope(appError));
  });
}

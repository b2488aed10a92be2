/**
 * @module http/schemas/common-schemas
 * Shapes shared by every resource: the error envelope, list paging
 * parameters, opaque cursors.
 */
import { z } from 'zod';
import { errors } from '../../errors.js';
import type { KeysetCursor } from '../../store/store.js';

export const errorResponseSchema = z
  .object({
    success: z.literal(false),
    status: z.number().int(),
    error: z.object({ message: z.string(), type: z.string(), details: z.record(z.string(), z.unknown()).nullable() }),
  })
  .meta({ id: 'ErrorResponse' });

/** A 422: the envelope, plus the reference's HTTPValidationError `detail` so clients generated from it read the issues too. */
export const validationErrorResponseSchema = z
  .object({
    success: z.literal(false),
    status: z.literal(422),
    error: z.object({
      message: z.string(),
      type: z.literal('ValidationError'),
      details: z
        .object({
          validation_errors: z.array(
            z.object({ type: z.string(), location: z.array(z.union([z.string(), z.number()])), message: z.string() }),
          ),
        })
        .nullable(),
    }),
    detail: z.array(z.object({ loc: z.array(z.union([z.string(), z.number()])), msg: z.string(), type: z.string() })),
  })
  .meta({ id: 'ValidationErrorResponse' });

export const errorResponses = {
  400: errorResponseSchema,
  401: errorResponseSchema,
  403: errorResponseSchema,
  404: errorResponseSchema,
  409: errorResponseSchema,
  422: validationErrorResponseSchema,
  429: errorResponseSchema,
  500: errorResponseSchema,
  502: errorResponseSchema,
  503: errorResponseSchema,
};

/** Query-string booleans arrive as text; `"false"` must mean false. */
export const queryBoolean = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
  .transform((value) => value === true || value === 'true' || value === '1');

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  offset: z.coerce.number().int().min(0).max(10000).optional(),
  cursor: z.string().max(2000).optional(),
  include_total: queryBoolean.optional(),
  namespace: z.string().optional(),
});

export const timestamp = z.string().meta({ format: 'date-time' });
export const iso = (epochMs: number | null | undefined) =>
  epochMs === null || epochMs === undefined ? null : new Date(epochMs).toISOString();

interface CursorPayload extends KeysetCursor {
  sort: string;
}

export function encodeCursor(cursor: KeysetCursor | null, sort: string): string | null {
  if (!cursor) return null;
  return Buffer.from(JSON.stringify({ v: cursor.value, i: cursor.id, s: sort })).toString('base64url');
}

/** A cursor only makes sense under the sort it was issued for. */
export function decodeCursor(text: string | undefined, sort: string): KeysetCursor | undefined {
  if (!text) return undefined;
  let payload: { v: unknown; i: unknown; s: unknown };
  try {
    payload = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw errors.validation([
      {
        type: 'cursor',
        location: ['query', 'cursor'],
        message: 'The cursor is not one this server issued. Use pagination.next_cursor from a previous page.',
      },
    ]);
  }
  const valid =
    payload &&
    typeof payload.i === 'string' &&
    (typeof payload.v === 'string' || typeof payload.v === 'number' || payload.v === null) &&
    typeof payload.s === 'string';
  if (!valid) {
    throw errors.validation([
      {
        type: 'cursor',
        location: ['query', 'cursor'],
        message: 'The cursor is malformed. Use pagination.next_cursor from a previous page.',
      },
    ]);
  }
  if (payload.s !== sort) {
    throw errors.validation([
      {
        type: 'cursor',
        location: ['query', 'cursor'],
        message: `The cursor was issued for sort '${payload.s}', not '${sort}'. Keep the same sort while paging.`,
      },
    ]);
  }
  return { value: payload.v as CursorPayload['value'], id: payload.i as string };
}

/** Marks a route whose 200 may be text/event-stream; /openapi.json documents that content type (app.ts). */
export const EVENT_STREAM = 'x-quarry-event-stream';

/** A route's responses: the success shape plus the error envelope (and the 422 shape). */
export function withErrors(success: z.ZodType) {
  return { 200: success, ...errorResponses };
}

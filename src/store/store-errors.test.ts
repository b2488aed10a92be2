import { describe, expect, it } from 'vitest';
import { AppError, asAppError, type StoreErrorFacts } from '../errors.js';
import {
  InvalidFilterError,
  InvalidInputError,
  isStoreError,
  RecordNotFoundError,
  UniqueViolationError,
} from './store-errors.js';

/**
 * errors.ts may not import the store, so it declares what it reads of a store error: every class must have that
 * shape (a compile error here, under `tsc`, when they drift apart).
 */
const shapes: Record<string, StoreErrorFacts> = {
  notFound: new RecordNotFoundError('collection', 'col_1'),
  conflict: new UniqueViolationError('collection', 'films'),
  filter: new InvalidFilterError('title', 'regex needs a string pattern'),
  input: new InvalidInputError('no', ['vector']),
};

/** The HTTP error each store error answers with: exactly what the store answered before it had its own errors. */
function answer(error: unknown) {
  const mapped = asAppError(error);
  return mapped && { status: mapped.status, type: mapped.type, message: mapped.message, details: mapped.details };
}

describe('store errors', () => {
  it('map a missing record to 404 NotFoundError with resource and id', () => {
    expect(answer(new RecordNotFoundError('collection', 'col_1'))).toEqual({
      status: 404,
      type: 'NotFoundError',
      message: "Collection 'col_1' not found",
      details: { resource: 'collection', id: 'col_1' },
    });
  });

  it('map a taken name to 409 AlreadyExistsError; namespaces are named within the organization', () => {
    expect(answer(new UniqueViolationError('MCP server', 'weather'))).toEqual({
      status: 409,
      type: 'AlreadyExistsError',
      message: "A MCP server named 'weather' already exists in this namespace",
      details: { resource: 'MCP server', name: 'weather' },
    });
    expect(answer(new UniqueViolationError('namespace', 'docs'))?.message).toBe(
      "A namespace named 'docs' already exists in this organization",
    );
  });

  it('map a filter the store cannot run to 422 ValidationError at filters.<field>', () => {
    expect(answer(new InvalidFilterError('title', 'regex needs a string pattern'))).toEqual({
      status: 422,
      type: 'ValidationError',
      message: "Validation error at 'filters.title': regex needs a string pattern",
      details: {
        validation_errors: [
          { type: 'value_error', location: ['filters', 'title'], message: 'regex needs a string pattern' },
        ],
      },
    });
  });

  it('map an input with a location to 422 at that location, and one without to 400 BadRequestError', () => {
    expect(answer(new InvalidInputError('The cursor is malformed.', ['query', 'cursor']))).toEqual({
      status: 422,
      type: 'ValidationError',
      message: "Validation error at 'query.cursor': The cursor is malformed.",
      details: {
        validation_errors: [
          { type: 'value_error', location: ['query', 'cursor'], message: 'The cursor is malformed.' },
        ],
      },
    });
    expect(answer(new InvalidInputError('Text may not contain the NUL character.'))).toEqual({
      status: 400,
      type: 'BadRequestError',
      message: 'Text may not contain the NUL character.',
      details: null,
    });
  });

  it('say in their own message what the HTTP answer says (tool results and the CLI show only the message)', () => {
    const all = [
      new RecordNotFoundError('retriever', 'ret_1'),
      new UniqueViolationError('collection', 'films'),
      new InvalidFilterError('a..b', "Invalid field path 'a..b': empty path segment"),
      new InvalidInputError('The query vector has 3 dimensions', ['vector']),
      new InvalidInputError('No NUL.'),
    ];
    for (const error of all) {
      expect(isStoreError(error)).toBe(true);
      expect(error.message).toBe(asAppError(error)?.message);
      expect(AppError.is(error)).toBe(false);
      expect(error.name).toBe(error.constructor.name);
    }
  });

  it('all have the shape the catalogue reads', () => {
    expect(Object.values(shapes).map((error) => asAppError(error)?.status)).toEqual([404, 409, 422, 422]);
  });

  it('leave AppErrors as they are and anything else unmapped', () => {
    const appError = new AppError(418, 'TeapotError', 'short and stout');
    expect(asAppError(appError)).toBe(appError);
    expect(asAppError(new Error('disk full'))).toBeNull();
    expect(asAppError('text')).toBeNull();
    expect(isStoreError(new Error('x'))).toBe(false);
  });
});

/**
 * @module store/store-errors
 * What the store throws when a request cannot be carried out: a record that is not there, a name that is
 * taken, a filter or an input it cannot run. The store knows nothing of HTTP: these carry the facts a
 * caller needs (resource, id or taken name, field path), and `asAppError` in `src/errors.ts` is the one place that
 * gives them a status, a catalogue type and the contract's envelope.
 *
 * Each message is already the sentence the HTTP answer carries, so code that only shows `message` (a tool
 * result, the command line) says the same as the API; `store-errors.test.ts` holds the two together.
 */

/** The store's error kinds; `asAppError` maps each one. */
export type StoreError = RecordNotFoundError | UniqueViolationError | InvalidFilterError | InvalidInputError;

/** A marker rather than `instanceof`, so an error from another copy of the module is still recognised. */
abstract class StoreErrorBase extends Error {
  readonly isQuarryStoreError = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export function isStoreError(value: unknown): value is StoreError {
  return typeof value === 'object' && value !== null && (value as StoreErrorBase).isQuarryStoreError === true;
}

/** The record asked for does not exist in the caller's scope (another tenant's record does not exist either). */
export class RecordNotFoundError extends StoreErrorBase {
  readonly kind = 'not_found';
  constructor(
    /** e.g. `collection`, `namespace`, `retriever`. */
    readonly resource: string,
    readonly id: string,
  ) {
    super(`${resource.charAt(0).toUpperCase()}${resource.slice(1)} '${id}' not found`);
  }
}

/** A unique name is taken: namespaces within their organization, everything else within its namespace. */
export class UniqueViolationError extends StoreErrorBase {
  readonly kind = 'conflict';
  constructor(
    readonly resource: string,
    /** The name that is taken (`name` itself is the error's class name, as on every Error). */
    readonly takenName: string,
    options?: { cause?: unknown },
  ) {
    super(
      `A ${resource} named '${takenName}' already exists in this ${resource === 'namespace' ? 'organization' : 'namespace'}`,
      options,
    );
  }
}

/** A filter the store cannot run (a malformed field path, a regular expression it refuses). */
export class InvalidFilterError extends StoreErrorBase {
  readonly kind = 'invalid_filter';
  /** Where the problem is in the request: `['filters', field]`. */
  readonly location: string[];
  constructor(
    /** The filter's field path as written, e.g. `metadata.tags`. */
    readonly field: string,
    readonly reason: string,
  ) {
    super(validationMessage(['filters', field], reason));
    this.location = ['filters', field];
  }
}

/**
 * An input the store cannot take. With a location (`['vector']`, `['query', 'cursor']`) it names the field at
 * fault; without one the input as a whole is refused (text PostgreSQL cannot store).
 */
export class InvalidInputError extends StoreErrorBase {
  readonly kind = 'invalid_input';
  constructor(
    readonly reason: string,
    readonly location: (string | number)[] | null = null,
  ) {
    super(location ? validationMessage(location, reason) : reason);
  }
}

function validationMessage(location: (string | number)[], reason: string): string {
  const where = location.filter((part) => part !== 'body').join('.');
  return `Validation error${where ? ` at '${where}'` : ''}: ${reason}`;
}

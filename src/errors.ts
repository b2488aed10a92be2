/**
 * @module errors
 * The one catalogue of errors Quarry answers with. Every HTTP status and
 * error `type` is decided here; the HTTP layer only maps an AppError to the
 * contract's envelope `{success:false,status,error:{message,type,details}}`.
 * The store throws its own typed errors (store/store-errors); `asAppError`
 * is the one place that gives them a status and a catalogue type.
 */

export interface ValidationIssue {
  type: string;
  location: (string | number)[];
  message: string;
}

export class AppError extends Error {
  readonly isQuarryError = true;
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly details: Record<string, unknown> | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = type;
  }

  static is(value: unknown): value is AppError {
    return typeof value === 'object' && value !== null && (value as AppError).isQuarryError === true;
  }
}

export const errors = {
  badRequest: (message: string, details: Record<string, unknown> | null = null) =>
    new AppError(400, 'BadRequestError', message, details),
  malformedJson: (message: string) =>
    new AppError(400, 'BadRequestError', `The request body is not valid JSON: ${message}`, {
      reason: 'malformed_json',
    }),
  unauthorized: (message = 'Missing or invalid API key. Send `Authorization: Bearer sk_...`.') =>
    new AppError(401, 'UnauthorizedError', message),
  forbidden: (message: string, details: Record<string, unknown> | null = null) =>
    new AppError(403, 'ForbiddenError', message, details),
  notFound: (resource: string, id: string) =>
    new AppError(404, 'NotFoundError', `${capitalize(resource)} '${id}' not found`, { resource, id }),
  routeNotFound: (method: string, url: string) =>
    new AppError(404, 'NotFoundError', `No route ${method} ${url}. See /docs for the API reference.`, {
      resource: 'route',
      method,
      url,
    }),
  methodNotAllowed: (message: string) => new AppError(405, 'MethodNotAllowedError', message),
  alreadyExists: (resource: string, name: string) =>
    // Namespaces are named within the organization; everything else within its namespace.
    new AppError(
      409,
      'AlreadyExistsError',
      `A ${resource} named '${name}' already exists in this ${resource === 'namespace' ? 'organization' : 'namespace'}`,
      {
        resource,
        name,
      },
    ),
  /** A session already answering a message; `queue: true` waits for it instead. */
  sessionBusy: (sessionId: string, activeRunId: string) =>
    new AppError(
      409,
      'SessionBusyError',
      `Session '${sessionId}' is already answering a message. Join its stream with ` +
        `GET /v1/agents/sessions/${sessionId}/stream, cancel it, or send with "queue": true.`,
      { session_id: sessionId, message_id: activeRunId },
    ),
  /** Deleting a collection that saved retrievers still search (unless `?cascade=true`). */
  collectionInUse: (
    collection: { collection_id: string; collection_name: string },
    retrievers: { retriever_name: string }[],
  ) => {
    const names = retrievers.map((retriever) => `'${retriever.retriever_name}'`).join(', ');
    const them = retrievers.length === 1 ? 'it' : 'them';
    const searchedBy = retrievers.length === 1 ? 'the saved retriever' : `${retrievers.length} saved retrievers:`;
    return new AppError(
      409,
      'CollectionInUseError',
      `Collection '${collection.collection_name}' is searched by ${searchedBy} ${names}. ` +
        `Delete ${them} first, or delete with ?cascade=true to remove ${them} too.`,
      { collection_id: collection.collection_id, retrievers },
    );
  },
  /** A join that asks to resume a run whose events were pruned: only the stored answer remains. */
  runEventsPruned: (runId: string) =>
    new AppError(
      410,
      'RunEventsPrunedError',
      `The events of run '${runId}' are no longer stored; read the answer from the session history.`,
      { message_id: runId },
    ),
  /** A confirmation answered after its deadline: the paused run was cancelled. */
  confirmationExpired: (confirmationId: string, expiresAt: number) => {
    const expiredAt = new Date(expiresAt).toISOString();
    return new AppError(
      400,
      'ConfirmationExpiredError',
      `Confirmation '${confirmationId}' expired at ${expiredAt}; send the request again.`,
      { confirmation_id: confirmationId, expired_at: expiredAt },
    );
  },
  unsupportedMediaType: () =>
    new AppError(
      415,
      'UnsupportedMediaTypeError',
      `Unsupported Content-Type. Send JSON with 'Content-Type: application/json'.`,
    ),
  /** Any other 4xx the HTTP framework raised itself (its status kept, as a BadRequestError). */
  requestRejected: (status: number, message: string) => new AppError(status, 'BadRequestError', message),
  payloadTooLarge: (limitBytes: number) =>
    new AppError(413, 'PayloadTooLargeError', `The request body is larger than the limit of ${limitBytes} bytes`, {
      limit_bytes: limitBytes,
    }),
  validation: (issues: ValidationIssue[], message?: string) =>
    new AppError(422, 'ValidationError', message ?? summarize(issues), { validation_errors: issues }),
  tooManyRequests: (message: string, retryAfterSeconds: number, details: Record<string, unknown> = {}) =>
    new AppError(
      429,
      'TooManyRequestsError',
      message,
      { ...details, retry_after_seconds: retryAfterSeconds },
      {
        'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
      },
    ),
  quotaExceeded: (limit: string, message: string, details: Record<string, unknown> = {}) =>
    new AppError(403, 'QuotaExceededError', message, { limit, ...details }),
  /** A key limited to namespaces asked to create or delete one: only an organization-wide key may. */
  namespaceScoped: (action: 'create' | 'delete', keyId: string) =>
    new AppError(
      403,
      'NamespaceScopedKeyError',
      `This API key is limited to specific namespaces and cannot ${action} namespaces; use a key of the whole organization.`,
      { key_id: keyId, action },
    ),
  /** A template did more work than one rendering may (rendering is synchronous: counted, not timed). */
  templateBudgetExceeded: (budget: 'steps' | 'output_chars', limit: number, location: (string | number)[]) =>
    new AppError(
      422,
      'TemplateBudgetExceededError',
      `The template at '${location.filter((part) => part !== 'body').join('.')}' exceeded its rendering budget of ${limit} ${budget === 'steps' ? 'steps (nodes rendered and loop iterations; nested loops multiply)' : 'output characters'}.`,
      { budget, limit, location },
    ),
  /** The same Idempotency-Key sent again with a different message: answering with the first run would silently drop the second message. */
  idempotencyKeyReused: (key: string, messageId: string) =>
    new AppError(
      422,
      'IdempotencyKeyReusedError',
      `Idempotency-Key '${key}' was already used for a different message on this session; use a new key for a new message.`,
      { idempotency_key: key, message_id: messageId },
    ),
  /** A language-model call that failed (provider error, malformed or cut-off stream); streamed as the run's `error` event. */
  modelCall: (message: string, details: Record<string, unknown> | null = null) =>
    new AppError(502, 'ModelCallError', message, details),
  /** A model call silent for longer than QUARRY_MODEL_TIMEOUT_SECONDS, before its first byte or between chunks. */
  modelTimeout: (timeoutSeconds: number, phase: 'first_byte' | 'between_chunks', model: string) =>
    new AppError(
      504,
      'ModelTimeoutError',
      `The language model ${model} sent nothing for ${timeoutSeconds} s ${phase === 'first_byte' ? 'after the request' : 'in the middle of its answer'} (QUARRY_MODEL_TIMEOUT_SECONDS); the step was abandoned.`,
      { timeout_seconds: timeoutSeconds, phase, model },
    ),
  /** A run longer than its wall-clock limit (agent_config.max_run_seconds, else QUARRY_MAX_RUN_SECONDS). */
  runTimeout: (limitSeconds: number) =>
    new AppError(
      504,
      'RunTimeoutError',
      `This answer took longer than the run limit of ${limitSeconds} s (agent_config.max_run_seconds); the partial answer is stored. Send the message again or ask for less.`,
      { limit: 'max_run_seconds', limit_seconds: limitSeconds },
    ),
  internal: (message = 'Internal server error') => new AppError(500, 'InternalServerError', message),
  /** A retriever past its budget_limits.max_time_ms; the stage running then is named. */
  budgetExceeded: (maxTimeMs: number, timeUsedMs: number, stageName: string) =>
    new AppError(
      408,
      'BudgetExceededError',
      `The retriever exceeded its time budget of ${maxTimeMs} ms ` +
        `(used ${Math.round(timeUsedMs)} ms, during stage '${stageName}')`,
      { max_time_ms: maxTimeMs, time_used_ms: timeUsedMs, stage_name: stageName },
    ),
  /** A registered MCP server that could not be reached or listed. */
  mcpServerUnavailable: (server: { server_id: string; server_name: string }, reason: string) =>
    new AppError(
      502,
      'McpServerUnavailableError',
      `MCP server '${server.server_name}' could not be reached: ${reason}`,
      { server_id: server.server_id },
    ),
  /** The embedding service failed or answered nonsense; the message says which and what to check. */
  inferenceServiceUnavailable: (message: string, details: Record<string, unknown>) =>
    new AppError(503, 'InferenceServiceUnavailableError', message, details),
  /** A message sent while the server drains for shutdown. */
  shuttingDown: () =>
    new AppError(503, 'ShuttingDownError', 'The server is shutting down; send the message again in a moment.'),
};

/** One validation issue, for code that checks a single field by hand. */
export function invalidField(location: (string | number)[], message: string, type = 'value_error'): AppError {
  return errors.validation([{ type, location, message }]);
}

/**
 * What the catalogue reads of a store error (`store/store-errors.ts`). It is recognised by its marker, as an
 * AppError is, because this file may import nothing from the layers below it; `store-errors.test.ts` checks at
 * compile time that every store error class has this shape.
 */
export type StoreErrorFacts = { readonly isQuarryStoreError: true } & (
  | { readonly kind: 'not_found'; readonly resource: string; readonly id: string }
  | { readonly kind: 'conflict'; readonly resource: string; readonly takenName: string }
  | { readonly kind: 'invalid_filter'; readonly location: (string | number)[]; readonly reason: string }
  | { readonly kind: 'invalid_input'; readonly location: (string | number)[] | null; readonly reason: string }
);

/**
 * Any error as the catalogue's AppError: an AppError as it is, a store error mapped to its entry; null for
 * anything else (a bug, a database failure), which the caller reports as its own kind of failure.
 */
export function asAppError(error: unknown): AppError | null {
  if (AppError.is(error)) return error;
  const failure = error as StoreErrorFacts | null;
  if (typeof failure !== 'object' || failure === null || failure.isQuarryStoreError !== true) return null;
  switch (failure.kind) {
    case 'not_found':
      return errors.notFound(failure.resource, failure.id);
    case 'conflict':
      return errors.alreadyExists(failure.resource, failure.takenName);
    case 'invalid_filter':
      return invalidField(failure.location, failure.reason);
    case 'invalid_input':
      return failure.location ? invalidField(failure.location, failure.reason) : errors.badRequest(failure.reason);
  }
}

function summarize(issues: ValidationIssue[]): string {
  if (issues.length === 0) return 'Validation error';
  const first = issues[0];
  const where = first.location.filter((part) => part !== 'body').join('.');
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `Validation error${where ? ` at '${where}'` : ''}: ${first.message}${more}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * @module client/quarry-api-error
 * The one error the client throws for an answer the API refused. It keeps
 * the server's envelope (`{status, error: {type, message, details}}`) so
 * callers can branch on `type` (e.g. SessionBusyError) and show `message`.
 */

export class QuarryApiError extends Error {
  /** A marker, not `instanceof`: two copies of the client (e.g. bundled twice) still recognise each other's errors. */
  readonly isQuarryApiError = true;

  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly details: Record<string, unknown> | null = null,
    readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = 'QuarryApiError';
  }

  static is(value: unknown): value is QuarryApiError {
    return typeof value === 'object' && value !== null && (value as QuarryApiError).isQuarryApiError === true;
  }

  /** Worth retrying with the same request: the server was busy or briefly away. */
  get retryable(): boolean {
    return this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504;
  }

  /** Builds the error from a failed response, whatever its body is (envelope, other JSON, text, nothing). */
  static async fromResponse(response: Response): Promise<QuarryApiError> {
    const requestId = response.headers.get('x-request-id');
    let text = '';
    try {
      text = await response.text();
    } catch {
      // The body could not be read; the status alone must do.
    }
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    const envelope = body as { error?: { type?: unknown; message?: unknown; details?: unknown } } | null;
    const error = envelope?.error;
    if (error && typeof error === 'object' && typeof error.message === 'string') {
      return new QuarryApiError(
        response.status,
        typeof error.type === 'string' ? error.type : 'Error',
        error.message,
        error.details && typeof error.details === 'object' ? (error.details as Record<string, unknown>) : null,
        requestId,
      );
    }
    const message = text.trim().slice(0, 500) || response.statusText || `HTTP ${response.status}`;
    return new QuarryApiError(response.status, `HTTP${response.status}`, message, null, requestId);
  }
}

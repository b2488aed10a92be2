/**
 * @module lib/error-message
 * The message of anything thrown: an Error's message, a string as is, a plain
 * object's `message` (providers' in-stream error events arrive as `{type, message}`),
 * else its JSON.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  const { message, type } = (error ?? {}) as { message?: unknown; type?: unknown };
  if (typeof message === 'string') return typeof type === 'string' ? `${message} (${type})` : message;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    // A cycle or a BigInt: still say something.
    return String(error);
  }
}

import { describe, expect, it } from 'vitest';
import { APICallError } from '@ai-sdk/provider';
import { retryAfterMs } from './model-call-error.js';

const rateLimited = (headers: Record<string, string>) =>
  new APICallError({
    message: 'rate limited',
    url: 'http://x',
    requestBodyValues: {},
    statusCode: 429,
    responseHeaders: headers,
    isRetryable: true,
  });

describe('retryAfterMs', () => {
  it('reads retry-after-ms, retry-after in seconds, and retry-after as an HTTP date', () => {
    expect(retryAfterMs(rateLimited({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(rateLimited({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-12-06T12:00:00Z');
    expect(retryAfterMs(rateLimited({ 'retry-after': 'Sun, 06 Dec 2026 12:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(rateLimited({}))).toBeUndefined();
    expect(retryAfterMs(new Error('no headers'))).toBeUndefined();
  });
});

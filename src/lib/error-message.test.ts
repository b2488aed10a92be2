import { describe, expect, it } from 'vitest';
import { errorMessage } from './error-message.js';

describe('errorMessage', () => {
  it('reads errors, strings, provider error objects and anything else', () => {
    expect(errorMessage(new TypeError('bad'))).toBe('bad');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage({ type: 'overloaded_error', message: 'Overloaded' })).toBe('Overloaded (overloaded_error)');
    expect(errorMessage({ message: 'no type' })).toBe('no type');
    expect(errorMessage({ code: 7 })).toBe('{"code":7}');
    expect(errorMessage(undefined)).toBe('undefined');
    expect(errorMessage(42n)).toBe('42');
  });
});

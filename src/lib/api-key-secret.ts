/**
 * @module lib/api-key-secret
 * API keys are `sk_` + 32 random bytes (base64url); only a SHA-256 hash is
 * stored. A fast hash is right here: the secret has 256 bits of entropy,
 * so there is nothing for a slow hash to protect against.
 */
import { createHash, randomBytes } from 'node:crypto';

export function generateApiKey(): string {
  return `sk_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** What is safe to show of a key: its first characters. */
export function apiKeyPrefix(secret: string): string {
  return secret.slice(0, 10);
}

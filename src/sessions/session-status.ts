/**
 * @module sessions/session-status
 * `idle` and `archived` are functions of time, computed when read, so no
 * background job has to flip them and a restart changes nothing.
 */
import type { SessionRecord } from '../store/records.js';
import type { SessionStatus } from '../store/store.js';

export function effectiveStatus(session: SessionRecord, now: number, idleAfterMs: number): SessionStatus {
  if (session.status === 'terminated') return 'terminated';
  if (session.expires_at <= now) return 'archived';
  if (session.last_activity_at <= now - idleAfterMs) return 'idle';
  return 'active';
}

export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

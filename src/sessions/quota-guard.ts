/**
 * @module sessions/quota-guard
 * The session's quotas, checked before a run starts: a refused message
 * says which limit, with the numbers. (Limits reached during a run end it
 * with an `error` event instead; see execute-run.)
 */
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { SessionRecord } from '../store/records.js';
import { errors } from '../errors.js';

export async function assertWithinQuotas(
  store: Store,
  scope: TenantScope,
  session: SessionRecord,
  now: number,
): Promise<void> {
  const quotas = session.quotas;
  if (!quotas) return;
  if (quotas.rate_limit_messages_per_minute) {
    const recent = await store.messages.countUserMessagesSince(scope, session.session_id, now - 60_000);
    if (recent >= quotas.rate_limit_messages_per_minute) {
      throw errors.tooManyRequests(
        `This session allows ${quotas.rate_limit_messages_per_minute} messages per minute; wait before sending another.`,
        60,
        {
          api_name: 'session_messages',
          limit: 'rate_limit_messages_per_minute',
          session_id: session.session_id,
        },
      );
    }
  }
  if (quotas.max_messages) {
    const sent = await store.messages.countUserMessagesSince(scope, session.session_id, 0);
    if (sent >= quotas.max_messages) {
      throw errors.quotaExceeded(
        'max_messages',
        `Session quota max_messages (${quotas.max_messages}) reached: ${sent} messages sent. Create a new session to continue.`,
        { used: sent, quota: quotas.max_messages },
      );
    }
  }
  if (quotas.max_tokens_total && session.total_tokens >= quotas.max_tokens_total) {
    throw errors.quotaExceeded(
      'max_tokens_total',
      `Session quota max_tokens_total (${quotas.max_tokens_total}) reached: ${session.total_tokens} tokens used.`,
      { used: session.total_tokens, quota: quotas.max_tokens_total },
    );
  }
  if (quotas.max_tool_calls && session.total_tool_calls >= quotas.max_tool_calls) {
    throw errors.quotaExceeded(
      'max_tool_calls',
      `Session quota max_tool_calls (${quotas.max_tool_calls}) reached: ${session.total_tool_calls} tool calls made.`,
      { used: session.total_tool_calls, quota: quotas.max_tool_calls },
    );
  }
  if (quotas.max_session_duration_minutes && now >= session.created_at + quotas.max_session_duration_minutes * 60_000) {
    throw errors.quotaExceeded(
      'max_session_duration_minutes',
      `Session quota max_session_duration_minutes (${quotas.max_session_duration_minutes}) reached. Create a new session to continue.`,
      { quota: quotas.max_session_duration_minutes },
    );
  }
}

/** What is left of a quota, or undefined when unlimited. */
export function remaining(quota: number | null | undefined, used: number): number | undefined {
  return quota ? Math.max(0, quota - used) : undefined;
}

/**
 * @module sessions/feedback-service
 * Feedback on answers. A positive rating stores the exchange (the user's
 * message and the answer) as memory for that user (for that session alone
 * when it has no user_id); a negative one stores nothing and forgets an
 * exchange stored earlier.
 */
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { MemoryRecord } from '../store/data-records.js';
import { errors } from '../errors.js';
import { newId } from '../lib/ids.js';
import type { SessionService } from './session-service.js';

export interface FeedbackInput {
  message_id: string;
  rating: 'positive' | 'negative';
  feedback_text?: string | null;
}

export function createFeedbackService(store: Store, sessions: SessionService, now: () => number) {
  return {
    async submit(scope: TenantScope, sessionId: string, input: FeedbackInput) {
      const session = await sessions.get(scope, sessionId);
      const message = await store.messages.get(scope, input.message_id);
      if (!message || message.session_id !== sessionId) throw errors.notFound('message', input.message_id);
      if (message.role !== 'assistant') {
        throw errors.badRequest(
          `Message '${input.message_id}' is a ${message.role} message; feedback rates assistant answers.`,
          { message_id: input.message_id, role: message.role },
        );
      }
      const recordedAt = now();
      const writable = sessions.status(session) !== 'terminated' && sessions.status(session) !== 'archived';
      let stored = false;
      if (input.rating === 'positive' && writable) {
        const question = await store.messages.precedingUserMessage(scope, sessionId, message.seq);
        await store.memories.upsert(scope, {
          memory_id: newId('mem'),
          user_id: session.user_id,
          session_id: sessionId,
          message_id: message.message_id,
          user_message: question?.content ?? '',
          assistant_message: message.content,
          created_at: recordedAt,
        });
        stored = true;
      } else if (input.rating === 'negative') {
        await store.memories.remove(scope, message.message_id);
      }
      await store.feedback.upsert(scope, {
        message_id: message.message_id,
        session_id: sessionId,
        rating: input.rating,
        feedback_text: input.feedback_text ?? null,
        stored,
        recorded_at: recordedAt,
      });
      return {
        session_id: sessionId,
        message_id: message.message_id,
        rating: input.rating,
        stored,
        recorded_at: recordedAt,
      };
    },

    /**
     * Stored exchanges of the session's user ranked by word overlap with the query: small per user, so a scan is enough.
     * A session without a user_id sees only its own exchanges (sharing them would leak one session's questions into another's prompt).
     */
    async search(
      scope: TenantScope,
      owner: { userId: string | null; sessionId: string | null },
      query: string,
      limit: number,
    ): Promise<(MemoryRecord & { score: number })[]> {
      const memories = await store.memories.forUser(scope, owner.userId, 500, owner.sessionId ?? undefined);
      const queryWords = words(query);
      return memories
        .map((memory) => {
          const memoryWords = words(`${memory.user_message} ${memory.assistant_message}`);
          let overlap = 0;
          for (const word of queryWords) if (memoryWords.has(word)) overlap++;
          return { ...memory, score: queryWords.size === 0 ? 0 : overlap / queryWords.size };
        })
        .filter((memory) => memory.score > 0 || queryWords.size === 0)
        .sort((left, right) => right.score - left.score || right.created_at - left.created_at)
        .slice(0, limit);
    },
  };
}

export type FeedbackService = ReturnType<typeof createFeedbackService>;

function words(text: string): Set<string> {
  return new Set((text.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []).map((word) => word.replace(/s$/, '')));
}

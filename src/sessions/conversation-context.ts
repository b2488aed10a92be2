/**
 * @module sessions/conversation-context
 * What the model sees: the session's system prompt, its user_memory, the
 * user's remembered exchanges (when enable_memory), the collections it
 * can search, and the recent conversation ending with the new message.
 */
import type { LanguageModelV3Prompt } from '@ai-sdk/provider';
import type { ConversationTurn, Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { MessageRecord, SessionRecord } from '../store/records.js';
import type { CollectionRecord } from '../store/data-records.js';
import type { FeedbackService } from './feedback-service.js';
import { SUGGESTED_RETRIEVER_LINE } from '../models/quarry-local-model.js';

const HISTORY_MESSAGES = 20;
const CONTEXT_COLLECTIONS = 20;

export async function buildConversation(
  store: Store,
  feedback: FeedbackService,
  scope: TenantScope,
  session: SessionRecord,
  userMessage: MessageRecord,
  /** The namespace's collections, newest first (the run's snapshot): the first 20 are named to the model. */
  collections: readonly CollectionRecord[],
  /** The saved retriever the run's intent named for this request, if any. */
  suggestedRetriever: { retriever_id: string; retriever_name: string } | null = null,
): Promise<{ system: string; messages: LanguageModelV3Prompt }> {
  const parts = [session.agent_config.system_prompt];
  if (Object.keys(session.user_memory).length > 0)
    parts.push(`What you know about this user (user_memory): ${JSON.stringify(session.user_memory)}`);
  if (session.enable_memory) {
    const memories = await feedback.search(
      scope,
      { userId: session.user_id, sessionId: session.session_id },
      userMessage.content,
      3,
    );
    if (memories.length > 0) {
      parts.push(
        `Earlier exchanges this user rated helpful:\n${memories.map((memory) => `- Q: ${memory.user_message}\n  A: ${memory.assistant_message.slice(0, 500)}`).join('\n')}`,
      );
    }
  }
  if (collections.length > 0) {
    parts.push(
      `Collections in this namespace: ${collections
        .slice(0, CONTEXT_COLLECTIONS)
        .map(
          (collection) =>
            `${collection.collection_name}${collection.description ? ` (${collection.description})` : ''}`,
        )
        .join('; ')}. Read data only through the search and retriever tools, and cite document ids.`,
    );
  }

  if (suggestedRetriever) {
    parts.push(
      `${SUGGESTED_RETRIEVER_LINE} ${suggestedRetriever.retriever_id} ('${suggestedRetriever.retriever_name}') fits this request: run it with execute_retriever, the user's words as inputs.query, unless the user asked for something else.`,
    );
  }

  const history = await store.messages.recent(scope, session.session_id, HISTORY_MESSAGES + 1);
  const messages: LanguageModelV3Prompt = [];
  for (const message of history) {
    if (message.message_id === userMessage.message_id || !message.content) continue;
    if (message.role === 'user') messages.push({ role: 'user', content: [{ type: 'text', text: message.content }] });
    else if (message.role === 'assistant')
      messages.push({
        role: 'assistant',
        content: [{ type: 'text', text: message.content + incompleteNote(message) }],
      });
  }
  messages.push({ role: 'user', content: [{ type: 'text', text: userMessage.content }] });
  return { system: parts.join('\n\n'), messages };
}

/** An answer that did not finish is replayed marked as such, so the model does not take a fragment for what it said. */
function incompleteNote(message: ConversationTurn): string {
  if (message.status === 'error') return '\n\n[This answer was interrupted by an error before it was finished.]';
  if (message.status === 'cancelled') return '\n\n[The user stopped this answer before it was finished.]';
  const reason = message.finish_reason;
  if (reason === 'length') return '\n\n[This answer was cut off at the length limit.]';
  if (reason === 'content_filter')
    return "\n\n[The rest of this answer was withheld by the provider's content filter.]";
  return '';
}

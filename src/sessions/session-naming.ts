/**
 * @module sessions/session-naming
 * A session's name, from its first question: asked of the session's model
 * when it is a real provider, else summarised locally. The question alone
 * is enough to name a conversation, so the name is asked for while the
 * agent works instead of after the answer, off the answer's critical path:
 * the run waits for it at most a second past its answer (QUARRY_NAMING_WAIT_SECONDS),
 * and a later name is stored when it comes, without a `session_name` event.
 */
import type { LanguageModelV3 } from '@ai-sdk/provider';

const FILLER = new Set([
  'a',
  'an',
  'the',
  'me',
  'my',
  'please',
  'can',
  'could',
  'you',
  'would',
  'i',
  'want',
  'to',
  'find',
  'show',
  'give',
  'list',
  'get',
  'some',
  'any',
  'about',
  'for',
  'of',
  'on',
  'in',
  'with',
  'what',
  'which',
  'are',
  'is',
  'there',
  'do',
  'does',
  'how',
]);

export function localSessionName(question: string): string {
  const words = question
    .replace(/[^\p{L}\p{N}\s'-]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
  const content = words.filter((word) => !FILLER.has(word.toLowerCase()));
  const chosen = (content.length >= 2 ? content : words).slice(0, 6);
  if (chosen.length === 0) return 'New conversation';
  const name = chosen
    .map((word, index) => (index === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word))
    .join(' ');
  return name.length > 60 ? `${name.slice(0, 57)}…` : name;
}

export interface GeneratedName {
  name: string;
  /** Tokens the naming call spent (0 for a local name), counted in the session's stats. */
  tokens: number;
}

/** Never rejects: a failed, slow (10 s) or aborted model call falls back to the local name. */
export async function generateSessionName(
  model: LanguageModelV3,
  question: string,
  signal: AbortSignal,
): Promise<GeneratedName> {
  const local = () => ({ name: localSessionName(question), tokens: 0 });
  if (model.provider === 'quarry') return local();
  try {
    const result = await model.doGenerate({
      prompt: [
        {
          role: 'system',
          content:
            'Name the conversation that starts with this message in 3 to 6 words. Reply with the name only, no quotes or punctuation at the end.',
        },
        { role: 'user', content: [{ type: 'text', text: question.slice(0, 1000) }] },
      ],
      maxOutputTokens: 20,
      temperature: 0.2,
      abortSignal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
    });
    const text = result.content
      .map((part) => (part.type === 'text' ? part.text : ''))
      .join('')
      .trim()
      .replace(/^["']|["'.]$/g, '');
    const tokens = (result.usage.inputTokens.total ?? 0) + (result.usage.outputTokens.total ?? 0);
    return { name: text.length > 0 && text.length <= 80 ? text : localSessionName(question), tokens };
  } catch {
    return local();
  }
}

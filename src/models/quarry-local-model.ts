/**
 * @module models/quarry-local-model
 * `quarry-local`: the built-in offline model, so a server with no API key
 * still answers (DESIGN §6). It is a deterministic planner behind the real
 * `LanguageModelV3` interface: on a fresh user turn it picks one tool from
 * the request, and once tool results are in the prompt it writes a grounded,
 * cited answer, streamed word by word. It understands no language beyond a
 * few patterns, and says so rather than inventing anything.
 *
 * Tool outputs it reads (json tool results; tools should be shaped to match):
 * - smart_search / execute_retriever / execute_adhoc_retriever:
 *   `{ results: [{ document_id, collection_id, score, title?, name?, snippet?, text?, description?, ...fields }], closest?: [...], ... }`
 *   (`documents` is accepted instead of `results`; `closest` holds non-matches when nothing passed the relevance floor).
 * - list_collections: `{ results: [{ collection_id, collection_name, description?, document_count? }] }`
 * - list_retrievers / search_retrievers: `{ results: [{ retriever_id, retriever_name, description? }] }`
 * - list_namespaces: `{ results: [{ namespace_id, namespace_name, description? }] }`
 * - list_documents: `{ results: [document…] }`; get_*: the resource object itself.
 * - detect_intent: the IntentClassification; write tools: any object.
 * Failures arrive as `error-json {error}` / `error-text`, denials as `execution-denied`.
 */
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3StreamPart,
  LanguageModelV3ToolResultPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { clipText } from '../lib/clip-text.js';
import { sleep } from '../lib/sleep.js';
import { planLocalTool, searchQuery } from './plan-local-tool.js';

/**
 * How a system prompt names the saved retriever that fits the request (`Suggested retriever: ret_… …`):
 * quarry-local runs it instead of an ad-hoc smart_search, as an LLM would follow the hint.
 */
export const SUGGESTED_RETRIEVER_LINE = 'Suggested retriever:';
const SUGGESTED_RETRIEVER = new RegExp(`${SUGGESTED_RETRIEVER_LINE} (ret_[a-z0-9]+)`);

export interface QuarryLocalModelOptions {
  /** Pause between streamed words, for demos that should look like a live model. Default 0. */
  chunkDelayMs?: number;
}

type Reply =
  | { text: string; toolCall?: undefined }
  | { text?: undefined; toolCall: { toolCallId: string; toolName: string; input: Record<string, unknown> } };

export function createQuarryLocalModel(options: QuarryLocalModelOptions = {}): LanguageModelV3 {
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  return {
    specificationVersion: 'v3',
    provider: 'quarry',
    modelId: 'quarry-local',
    supportedUrls: {},
    async doGenerate(callOptions) {
      const reply = respond(callOptions);
      const content: LanguageModelV3Content[] = reply.toolCall
        ? [{ type: 'tool-call', ...reply.toolCall, input: JSON.stringify(reply.toolCall.input) }]
        : [{ type: 'text', text: reply.text }];
      return { content, finishReason: finishReason(reply), usage: usage(callOptions, reply), warnings: [] };
    },
    async doStream(callOptions) {
      const reply = respond(callOptions);
      return { stream: replyStream(streamParts(callOptions, reply), chunkDelayMs, callOptions.abortSignal) };
    },
  };
}

function respond(options: LanguageModelV3CallOptions): Reply {
  const { prompt } = options;
  let lastUser = -1;
  for (let index = prompt.length - 1; index >= 0 && lastUser < 0; index--)
    if (prompt[index].role === 'user') lastUser = index;
  const request = lastUser < 0 ? '' : textOf(prompt[lastUser].content);
  const calls = new Map<string, Record<string, unknown>>();
  const results: LanguageModelV3ToolResultPart[] = [];
  for (const message of prompt.slice(lastUser + 1)) {
    if (message.role === 'system') continue;
    for (const part of message.content) {
      if (part.type === 'tool-call') calls.set(part.toolCallId, asRecord(part.input));
      if (part.type === 'tool-result') results.push(part);
    }
  }
  if (results.length > 0)
    return {
      text: results.map((result) => describeResult(result, calls.get(result.toolCallId) ?? {}, request)).join('\n\n'),
    };
  const offered = new Set<string>();
  for (const tool of options.tools ?? []) if (tool.type === 'function') offered.add(tool.name);
  const system = prompt.map((message) => (message.role === 'system' ? message.content : '')).join('\n');
  const suggested = SUGGESTED_RETRIEVER.exec(system)?.[1];
  const plan = planLocalTool(request, offered, suggested);
  if (typeof plan === 'string') return { text: plan };
  // toolChoice 'none' means the caller's step or tool budget is spent: answer without tools.
  if (options.toolChoice?.type === 'none') {
    return {
      text: "I can't run any more tools in this turn, so I can't look that up right now. Please ask again in a new message.",
    };
  }
  return { toolCall: { toolCallId: `call_${hash(`${prompt.length}:${request}`)}`, ...plan } };
}

// ---- answering: grounded text from tool results ---------------------------------------------

const TITLE_FIELDS = ['title', 'name', 'collection_name', 'retriever_name', 'namespace_name', 'file_name', 'filename'];
const SNIPPET_FIELDS = [
  'snippet',
  'description',
  'summary',
  'text',
  'content',
  'caption',
  'transcript',
  'chunk_text',
  'body',
];
const SEARCH_TOOLS = new Set(['smart_search', 'execute_retriever', 'execute_adhoc_retriever', 'search_feedback']);

function describeResult(
  result: LanguageModelV3ToolResultPart,
  input: Record<string, unknown>,
  request: string,
): string {
  const { toolName, output } = result;
  if (output.type === 'execution-denied')
    return `Okay, I did not run ${toolName}: you declined it. Nothing was changed.`;
  if (output.type === 'error-text' || output.type === 'error-json') {
    const message =
      output.type === 'error-text'
        ? output.value
        : String(asRecord(output.value).error ?? JSON.stringify(output.value));
    return `The ${toolName} step failed: ${message}. You can try again, or rephrase the request.`;
  }
  const value = output.type === 'json' || output.type === 'text' ? output.value : null;
  const record = asRecord(value);
  const items = Array.isArray(value)
    ? value
    : ['results', 'documents', 'collections', 'retrievers', 'namespaces'].map((key) => record[key]).find(Array.isArray);
  const query = String(input.query ?? asRecord(input.inputs).query ?? searchQuery(request));
  if (SEARCH_TOOLS.has(toolName)) {
    const documents = (items ?? []).map(asRecord);
    const closest = Array.isArray(record.closest) ? record.closest.map(asRecord) : [];
    if (documents.length === 0 && closest.length > 0) {
      // The tool's relevance floor found only non-matches: say so, and never present them as answers.
      const lines = closest.slice(0, 3).map((document, index) => `${index + 1}. ${documentLine(document)}`);
      return [
        `Nothing in the data matches that: no document is about "${query}". The closest candidates, which do not match, are:`,
        ...lines,
      ].join('\n');
    }
    if (documents.length === 0)
      return `I couldn't find anything matching "${query}". Try rephrasing it with other keywords, or searching another collection.`;
    const shown = documents.slice(0, 5);
    const header = `I found ${documents.length} result${documents.length === 1 ? '' : 's'} for "${query}"${documents.length > shown.length ? `; here are the top ${shown.length}` : ''}:`;
    return [header, ...shown.map((document, index) => `${index + 1}. ${documentLine(document)}`)].join('\n');
  }
  if (toolName.startsWith('list_') || toolName === 'search_retrievers') {
    const noun = toolName === 'search_retrievers' ? 'retrievers' : toolName.slice(5);
    if (!items || items.length === 0) return `There are no ${noun} here yet.`;
    const lines = items.slice(0, 20).map((item, index) => `${index + 1}. ${documentLine(asRecord(item))}`);
    return [
      `There ${items.length === 1 ? 'is 1' : `are ${items.length}`} ${items.length === 1 ? noun.replace(/s$/, '') : noun}:`,
      ...lines,
    ].join('\n');
  }
  if (toolName === 'detect_intent') {
    return `This looks like a${record.intent === 'execution' ? 'n' : ''} ${String(record.intent)} request (confidence ${Math.round(Number(record.confidence) * 100)}%). ${String(record.reasoning ?? '')}`.trim();
  }
  if (toolName.startsWith('get_')) {
    const fields = Object.entries(record)
      .filter(([, field]) => field !== null && typeof field !== 'object')
      .slice(0, 8);
    return [
      `Here are the details of ${titleOf(record) ?? toolName.slice(4)}:`,
      ...fields.map(([key, field]) => `- ${key}: ${clipText(String(field), 120)}`),
    ].join('\n');
  }
  const action = toolName.replace(/_/g, ' ').replace(/^(\w+?)e? /, (_, verb: string) => `${verb}ed `);
  if (/^(create|update|delete)_/.test(toolName)) {
    const target = Object.values(input).find((field) => typeof field === 'string') ?? '';
    return `Done: ${action}${target ? ` ${target}` : ''}.`;
  }
  return `${toolName} returned: ${clipText(JSON.stringify(value), 300)}`;
}

function documentLine(row: Record<string, unknown>): string {
  // Retriever documents may nest user fields under `payload` or `metadata` (mixpeek-notes §5.8).
  const document = { ...asRecord(row.metadata), ...asRecord(row.payload), ...row };
  const id = document.document_id ?? document.collection_id ?? document.retriever_id ?? document.namespace_id;
  const title = titleOf(document);
  const snippetField = SNIPPET_FIELDS.map((key) => document[key]).find(
    (field) => typeof field === 'string' && field.trim() !== '',
  );
  const snippet = typeof snippetField === 'string' ? clipText(snippetField.replace(/\s+/g, ' ').trim(), 140) : '';
  const head = title ?? (snippet ? clipText(snippet, 60) : 'Untitled');
  const body = title !== undefined && snippet ? ` — ${snippet}` : '';
  return `**${head}**${body}${id ? ` [${String(id)}]` : ''}`;
}

function titleOf(record: Record<string, unknown>): string | undefined {
  const title = TITLE_FIELDS.map((key) => record[key]).find(
    (field) => typeof field === 'string' && field.trim() !== '',
  );
  return typeof title === 'string' ? clipText(title.trim(), 100) : undefined;
}

// ---- streaming and usage --------------------------------------------------------------------

function streamParts(options: LanguageModelV3CallOptions, reply: Reply): LanguageModelV3StreamPart[] {
  const parts: LanguageModelV3StreamPart[] = [{ type: 'stream-start', warnings: [] }];
  if (reply.toolCall) {
    parts.push({ type: 'tool-call', ...reply.toolCall, input: JSON.stringify(reply.toolCall.input) });
  } else {
    parts.push({ type: 'text-start', id: 'text-0' });
    for (const delta of reply.text.match(/\s*\S+/g) ?? []) parts.push({ type: 'text-delta', id: 'text-0', delta });
    parts.push({ type: 'text-end', id: 'text-0' });
  }
  parts.push({ type: 'finish', finishReason: finishReason(reply), usage: usage(options, reply) });
  return parts;
}

function replyStream(parts: LanguageModelV3StreamPart[], delayMs: number, signal: AbortSignal | undefined) {
  let index = 0;
  return new ReadableStream<LanguageModelV3StreamPart>({
    async pull(controller) {
      if (signal?.aborted) return controller.error(signal.reason);
      if (delayMs > 0 && index > 0 && parts[index].type === 'text-delta') await sleep(delayMs);
      controller.enqueue(parts[index++]);
      if (index === parts.length) controller.close();
    },
  });
}

const finishReason = (reply: Reply) =>
  reply.toolCall ? { unified: 'tool-calls' as const, raw: 'tool_calls' } : { unified: 'stop' as const, raw: 'stop' };

/** chars/4 for both sides, flagged in `raw` so callers know the counts are estimates, not a tokenizer's. */
function usage(options: LanguageModelV3CallOptions, reply: Reply): LanguageModelV3Usage {
  const input = Math.ceil(JSON.stringify(options.prompt).length / 4);
  const output = Math.ceil((reply.text ?? JSON.stringify(reply.toolCall)).length / 4);
  return {
    inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: output, text: output, reasoning: undefined },
    raw: { estimated: true, method: 'characters/4' },
  };
}

function textOf(content: ReadonlyArray<{ type: string; text?: string }> | string): string {
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' ? part.text : '')).join(' ');
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** FNV-1a: a stable, short tool-call id for the same prompt (deterministic runs, distinct turns). */
function hash(text: string): string {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) value = Math.imul(value ^ text.charCodeAt(index), 0x01000193);
  return (value >>> 0).toString(16).padStart(8, '0');
}

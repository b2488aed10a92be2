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

type Reply = { text: string; toolCall?: undefined } | { text?: undefined; toolCall: { toolCallId: string; toolName: string; input: Record<string, unknown> } };

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
  for (let index = prompt.length - 1; index >= 0 && lastUser < 0; index--) if (prompt[index].role === 'user') lastUser = index;
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
  if (results.length > 0) return { text: results.map((result) => describeResult(result, calls.get(result.toolCallId) ?? {}, request)).join('\n\n') };
  const offered = new Set<string>();
  for (const tool of options.tools ?? []) if (tool.type === 'function') offered.add(tool.name);
  const system = prompt.map((message) => (message.role === 'system' ? message.content : '')).join('\n');
  const suggested = SUGGESTED_RETRIEVER.exec(system)?.[1];
  const plan = planTool(request, offered, suggested);
  if (typeof plan === 'string') return { text: plan };
  // toolChoice 'none' means the caller's step or tool budget is spent: answer without tools.
  if (options.toolChoice?.type === 'none') {
    return { text: "I can't run any more tools in this turn, so I can't look that up right now. Please ask again in a new message." };
  }
  return { toolCall: { toolCallId: `call_${hash(`${prompt.length}:${request}`)}`, ...plan } };
}

// ---- planning: which tool for which request -------------------------------------------------

const GREETING = /^(hi|hello|hey|hiya|howdy|yo|good (morning|afternoon|evening)|greetings)\b[\s!.,]*(there|quarry|everyone|all)?[\s!.,]*$/i;
const THANKS = /^(thanks|thank you|thx|cheers|bye|goodbye)( (a lot|so much|very much))?[\s!.,]*$/i;
const CAPABILITIES = /^(help|what can you do|who are you|what are you|how are you)\b/i;
const FILLER = /^(?:(?:hi|hello|hey|please|pls|can you|could you|would you|will you|i want to|i'd like to|i would like to|i need to|i'm looking for|i am looking for|help me|let's|find|search(?: for)?|look(?: for| up)?|show(?: me)?|get(?: me)?|give me|fetch|list|tell me about|recommend(?: me)?|suggest|what(?: are| is|'s)?|which(?: are| is)?|where(?: are| is)?|are there|is there|do you have|do we have|me|some|any|all|the|a|an|all the)\b[\s,]*)+/i;
/** Tools that change data: not offered by default, and confirmed by the user before they run. */
const WRITE_TOOLS = new Set(['create_collection', 'create_retriever', 'update_retriever', 'delete_retriever', 'delete_collection', 'delete_document']);
/**
 * "videos about", "articles on": what kind of item the user wants, not what it is about. Left in,
 * a word the collection never uses ("videos" over transcripts) would count against every match.
 */
const KIND_OF_ITEM = /\b(?:videos?|clips?|documents?|docs|articles?|items?|results?|tutorials?|posts?|papers?|content)\s+(?:about|on|for|of|covering|explaining|regarding)\s+/gi;
/** "machine learning lectures": a kind of item named after the subject is not a word the documents must hold either. */
const TRAILING_KIND_OF_ITEM = /(?<=\S)\s+(?:videos?|clips?|lectures?|talks?|courses?|recordings?|documents?|docs|articles?|posts?|papers?)$/i;
const RESOURCE_ID = { collection: /\bcol_[a-z0-9]+/i, retriever: /\bret_[a-z0-9]+/i, document: /\bdoc_[a-f0-9]+/i } as const;

function planTool(request: string, offered: Set<string>, suggestedRetriever?: string): string | { toolName: string; input: Record<string, unknown> } {
  const text = request.trim();
  const lower = text.toLowerCase();
  if (!text) return 'What would you like me to look for?';
  if (GREETING.test(text)) return "Hello! I'm Quarry's built-in offline assistant. I can search your collections, run saved retrievers and describe your data. Try \"Find videos about machine learning\".";
  if (THANKS.test(text)) return "You're welcome! Ask me anything about your data.";
  if (CAPABILITIES.test(text)) return `I'm quarry-local, Quarry's built-in offline model. In this session I can use: ${[...offered].join(', ') || 'no tools'}. Ask me to find something, list collections or retrievers, or run a retriever.`;
  const want = (toolName: string, input: Record<string, unknown>, what: string) =>
    offered.has(toolName) ? { toolName, input } : `I can't ${what} in this session: the ${toolName} tool is not enabled for it. A session created with "${toolName}" in agent_config.available_tools can${WRITE_TOOLS.has(toolName) ? ' (it asks you to confirm before it runs)' : ''}.`;

  const write = /\b(delete|remove|drop|destroy)\b/.test(lower) ? 'delete' : /\b(create|make|set up|setup|build|add)\b/.test(lower) ? 'create' : null;
  const resource = (['collection', 'retriever', 'document'] as const).find((noun) => lower.includes(noun));
  if (write && resource) {
    const name = nameOf(text, resource);
    if (write === 'delete' && resource === 'document') {
      const collection = RESOURCE_ID.collection.exec(text)?.[0] ?? /\bfrom\s+(?:the\s+|collection\s+)*["'`]?([\w.-]+)/i.exec(text)?.[1] ?? '';
      return want('delete_document', { collection_id: collection, document_id: name ?? '' }, 'delete documents');
    }
    if (write === 'delete') return want(`delete_${resource}`, { [`${resource}_id`]: name ?? '' }, `delete ${resource}s`);
    if (resource === 'collection') return want('create_collection', { collection_name: name ?? 'new-collection', description: text }, 'create collections');
    if (resource === 'retriever') {
      const collection = RESOURCE_ID.collection.exec(text)?.[0] ?? /\b(?:on|over|for)\s+(?:the\s+)?["'`]?([\w.-]+)["'`]?\s+collection/i.exec(text)?.[1];
      const stage = { stage_name: 'search', config: { stage_id: 'feature_search', parameters: { searches: [{ feature_uri: 'mixpeek://text_extractor@v1/multilingual_e5_large_instruct_v1', query: '{{INPUT.query}}' }], final_top_k: 10 } } };
      const input = { retriever_name: name ?? 'new-retriever', collection_identifiers: collection ? [collection] : [], stages: [stage], input_schema: { query: { type: 'text', required: true } } };
      return want('create_retriever', input, 'create retrievers');
    }
  }
  if (/\b(list|show|what|which|see|display|available)\b/.test(lower)) {
    if (/\bcollections\b/.test(lower)) return want('list_collections', {}, 'list collections');
    if (/\bretrievers\b/.test(lower)) return want('list_retrievers', {}, 'list retrievers');
    if (/\bnamespaces\b/.test(lower)) return want('list_namespaces', {}, 'list namespaces');
  }
  const retriever = offered.has('execute_retriever') ? retrieverOf(text) : null;
  if (retriever) return { toolName: 'execute_retriever', input: { retriever_id: retriever.id, inputs: { query: retriever.query || searchQuery(text) } } };
  if (suggestedRetriever && offered.has('execute_retriever')) return { toolName: 'execute_retriever', input: { retriever_id: suggestedRetriever, inputs: { query: searchQuery(text) } } };
  return want('smart_search', { query: searchQuery(text), limit: 5 }, 'search your data');
}

/** The search words of a request: trailing punctuation and leading filler ("find me", "show") removed. */
export function searchQuery(text: string): string {
  const query = text.replace(/[?!.]+$/g, '').replace(FILLER, '').replace(KIND_OF_ITEM, '').trim().replace(TRAILING_KIND_OF_ITEM, '');
  return query || text.trim();
}

/** The resource's id or name: a typed id, a quoted name, "collection X", "X collection". */
function nameOf(text: string, resource: 'collection' | 'retriever' | 'document'): string | undefined {
  const id = RESOURCE_ID[resource].exec(text)?.[0];
  if (id) return id;
  const quoted = /["'`“]([^"'`”]+)["'`”]/.exec(text)?.[1];
  if (quoted) return quoted;
  const after = new RegExp(`\\b${resource}\\s+(?:named\\s+|called\\s+)?([\\w.-]+)`, 'i').exec(text)?.[1];
  if (after && !/^(named|called|for|with|from|on|that|which|to)$/i.test(after)) return after;
  const before = new RegExp(`\\b([\\w.-]+)\\s+${resource}\\b`, 'i').exec(text)?.[1];
  return before && !/^(the|a|an|my|our|this|that|new|saved|delete|remove|drop|create|make|add)$/i.test(before) ? before : undefined;
}

function retrieverOf(text: string): { id: string; query: string } | null {
  const match =
    /\b(?:use|using|run|execute|with)\s+(?:the\s+)?(?:retriever\s+)?["'`]?((?:ret_)?[\w.-]+)["'`]?(?:\s+retriever\b)?/i.exec(text);
  if (!match || !(/\bretriever\b/i.test(text) || /^ret_/.test(match[1]) || /^\s*(please\s+)?run\b/i.test(text))) return null;
  if (/^(the|a|my|retriever)$/i.test(match[1])) return null;
  const rest = text.slice((match.index ?? 0) + match[0].length);
  const query = /\b(?:for|to find|to search for|to search|about|on|matching|with query)\s+(.+)$/i.exec(rest)?.[1] ?? '';
  return { id: match[1], query: query.replace(/[?!.]+$/, '').trim() };
}

// ---- answering: grounded text from tool results ---------------------------------------------

const TITLE_FIELDS = ['title', 'name', 'collection_name', 'retriever_name', 'namespace_name', 'file_name', 'filename'];
const SNIPPET_FIELDS = ['snippet', 'description', 'summary', 'text', 'content', 'caption', 'transcript', 'chunk_text', 'body'];
const SEARCH_TOOLS = new Set(['smart_search', 'execute_retriever', 'execute_adhoc_retriever', 'search_feedback']);

function describeResult(result: LanguageModelV3ToolResultPart, input: Record<string, unknown>, request: string): string {
  const { toolName, output } = result;
  if (output.type === 'execution-denied') return `Okay, I did not run ${toolName}: you declined it. Nothing was changed.`;
  if (output.type === 'error-text' || output.type === 'error-json') {
    const message = output.type === 'error-text' ? output.value : String(asRecord(output.value).error ?? JSON.stringify(output.value));
    return `The ${toolName} step failed: ${message}. You can try again, or rephrase the request.`;
  }
  const value = output.type === 'json' || output.type === 'text' ? output.value : null;
  const record = asRecord(value);
  const items = Array.isArray(value) ? value : ['results', 'documents', 'collections', 'retrievers', 'namespaces'].map((key) => record[key]).find(Array.isArray);
  const query = String(input.query ?? asRecord(input.inputs).query ?? searchQuery(request));
  if (SEARCH_TOOLS.has(toolName)) {
    const documents = (items ?? []).map(asRecord);
    const closest = Array.isArray(record.closest) ? record.closest.map(asRecord) : [];
    if (documents.length === 0 && closest.length > 0) {
      // The tool's relevance floor found only non-matches: say so, and never present them as answers.
      const lines = closest.slice(0, 3).map((document, index) => `${index + 1}. ${documentLine(document)}`);
      return [`Nothing in the data matches that: no document is about "${query}". The closest candidates, which do not match, are:`, ...lines].join('\n');
    }
    if (documents.length === 0) return `I couldn't find anything matching "${query}". Try rephrasing it with other keywords, or searching another collection.`;
    const shown = documents.slice(0, 5);
    const header = `I found ${documents.length} result${documents.length === 1 ? '' : 's'} for "${query}"${documents.length > shown.length ? `; here are the top ${shown.length}` : ''}:`;
    return [header, ...shown.map((document, index) => `${index + 1}. ${documentLine(document)}`)].join('\n');
  }
  if (toolName.startsWith('list_') || toolName === 'search_retrievers') {
    const noun = toolName === 'search_retrievers' ? 'retrievers' : toolName.slice(5);
    if (!items || items.length === 0) return `There are no ${noun} here yet.`;
    const lines = items.slice(0, 20).map((item, index) => `${index + 1}. ${documentLine(asRecord(item))}`);
    return [`There ${items.length === 1 ? 'is 1' : `are ${items.length}`} ${items.length === 1 ? noun.replace(/s$/, '') : noun}:`, ...lines].join('\n');
  }
  if (toolName === 'detect_intent') {
    return `This looks like a${record.intent === 'execution' ? 'n' : ''} ${String(record.intent)} request (confidence ${Math.round(Number(record.confidence) * 100)}%). ${String(record.reasoning ?? '')}`.trim();
  }
  if (toolName.startsWith('get_')) {
    const fields = Object.entries(record).filter(([, field]) => field !== null && typeof field !== 'object').slice(0, 8);
    return [`Here are the details of ${titleOf(record) ?? toolName.slice(4)}:`, ...fields.map(([key, field]) => `- ${key}: ${clipText(String(field), 120)}`)].join('\n');
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
  const snippetField = SNIPPET_FIELDS.map((key) => document[key]).find((field) => typeof field === 'string' && field.trim() !== '');
  const snippet = typeof snippetField === 'string' ? clipText(snippetField.replace(/\s+/g, ' ').trim(), 140) : '';
  const head = title ?? (snippet ? clipText(snippet, 60) : 'Untitled');
  const body = title !== undefined && snippet ? ` — ${snippet}` : '';
  return `**${head}**${body}${id ? ` [${String(id)}]` : ''}`;
}

function titleOf(record: Record<string, unknown>): string | undefined {
  const title = TITLE_FIELDS.map((key) => record[key]).find((field) => typeof field === 'string' && field.trim() !== '');
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

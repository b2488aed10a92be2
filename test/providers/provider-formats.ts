/**
 * Each provider's real streaming wire format, for the mock servers: the
 * event names, chunking, finish signals, usage and tool-call deltas of
 * OpenAI Chat Completions, Anthropic Messages, Gemini streamGenerateContent
 * and an OpenAI-compatible server (Ollama's dialect), plus their error
 * bodies and non-streaming answers (the session-naming call).
 */
import type { RecordedRequest, WireReply, WireStep } from './mock-provider-server.js';

/** One model answer, provider-neutral. `finish: null` is a stream cut off before its finish signal. */
export interface Turn {
  text?: string[];
  /** Tool calls with their JSON arguments in the pieces the provider streams them in. */
  toolCalls?: Array<{ id: string; name: string; args: string[] }>;
  finish: 'stop' | 'length' | 'tool_calls' | 'content_filter' | null;
  usage?: { input: number; output: number };
  /** Gemini: the thoughtSignature each functionCall part carries. */
  thoughtSignature?: string;
}

export interface ProviderFormat {
  name: 'openai' | 'anthropic' | 'google' | 'compatible';
  /** The session's agent_config.model. */
  model: string;
  /** Environment variables that point Quarry at the mock server. */
  environment(origin: string): Record<string, string>;
  isNaming(request: RecordedRequest): boolean;
  naming(name: string): WireReply;
  /** The answer as SSE frames: `head` up to the content, `tail` the finish signal, usage and end marker. */
  stream(turn: Turn): { head: WireStep[]; tail: WireStep[] };
  /** A frame whose JSON does not parse, in the provider's framing. */
  malformed(): string;
  /** The provider's own in-stream error event. */
  errorEvent(): string;
  httpError(status: number, headers?: Record<string, string>): WireReply;
  /** What the model was told about each tool call, read from the next request. */
  toolResults(body: any): Array<{ id: string | null; name: string | null; text: string }>;
  /** The assistant's tool calls as replayed in the next request. */
  replayedToolCalls(body: any): Array<{ name: string; input: unknown; thoughtSignature?: string }>;
}

const sse = (data: unknown) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
const usageOf = (turn: Turn) => turn.usage ?? { input: 31, output: 7 };

function openAiStyle(name: 'openai' | 'compatible'): ProviderFormat {
  const ollama = name === 'compatible';
  const base = {
    id: ollama ? 'chatcmpl-417' : 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    object: 'chat.completion.chunk',
    created: 1733000000,
    model: ollama ? 'llama3.2' : 'gpt-4o-mini-2024-07-18',
    system_fingerprint: ollama ? 'fp_ollama' : 'fp_44709d6fcb',
  };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    sse({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  return {
    name,
    model: ollama ? 'openai-compatible:llama3.2' : 'gpt-4o-mini',
    environment: (origin): Record<string, string> =>
      ollama ? { QUARRY_LLM_BASE_URL: `${origin}/v1` } : { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${origin}/v1` },
    isNaming: (request) => JSON.stringify(request.body).includes('Name the conversation'),
    naming: (title) => ({
      json: {
        id: 'chatcmpl-name',
        object: 'chat.completion',
        created: 1733000000,
        model: base.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: title, refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 40, completion_tokens: 4, total_tokens: 44 },
      },
    }),
    stream(turn) {
      const head: WireStep[] = [chunk({ role: 'assistant', content: '' })];
      for (const piece of turn.text ?? []) head.push(chunk({ content: piece }));
      (turn.toolCalls ?? []).forEach((call, index) => {
        if (ollama) {
          // Ollama sends each tool call whole, in one delta.
          head.push(
            chunk({
              tool_calls: [
                { index, id: call.id, type: 'function', function: { name: call.name, arguments: call.args.join('') } },
              ],
            }),
          );
          return;
        }
        head.push(
          chunk({
            tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
          }),
        );
        for (const piece of call.args) head.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
      });
      if (turn.finish === null) return { head, tail: [] };
      const { input, output } = usageOf(turn);
      return {
        head,
        tail: [
          chunk({}, turn.finish),
          sse({
            ...base,
            choices: [],
            usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output },
          }),
          sse('[DONE]'),
        ],
      };
    },
    malformed: () =>
      'data: {"id":"chatcmpl-x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"oops\n\n',
    errorEvent: () =>
      sse({
        error: {
          message: 'The server had an error while processing your request. Sorry about that!',
          type: 'server_error',
          param: null,
          code: null,
        },
      }),
    httpError: (status, headers = {}) => ({
      status,
      headers: { 'x-request-id': `req_${status}abc`, ...headers },
      json: {
        error: {
          message:
            status === 429
              ? 'Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1.'
              : 'The server had an error while processing your request.',
          type: status === 429 ? 'requests' : 'server_error',
          param: null,
          code: status === 429 ? 'rate_limit_exceeded' : null,
        },
      },
    }),
    toolResults: (body) =>
      body.messages
        .filter((message: any) => message.role === 'tool')
        .map((message: any) => ({ id: message.tool_call_id, name: null, text: String(message.content) })),
    replayedToolCalls: (body) =>
      body.messages
        .filter((message: any) => message.role === 'assistant' && message.tool_calls)
        .flatMap((message: any) =>
          message.tool_calls.map((call: any) => ({ name: call.function.name, input: call.function.arguments })),
        ),
  };
}

function anthropic(): ProviderFormat {
  const event = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const stopReason = {
    stop: 'end_turn',
    length: 'max_tokens',
    tool_calls: 'tool_use',
    content_filter: 'refusal',
  } as const;
  return {
    name: 'anthropic',
    model: 'claude-3-5-haiku-latest',
    environment: (origin) => ({ ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: `${origin}/v1` }),
    isNaming: (request) => JSON.stringify(request.body).includes('Name the conversation'),
    naming: (title) => ({
      json: {
        id: 'msg_name',
        type: 'message',
        role: 'assistant',
        model: 'claude-3-5-haiku-20241022',
        content: [{ type: 'text', text: title }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 40, output_tokens: 4 },
      },
    }),
    stream(turn) {
      const { input, output } = usageOf(turn);
      const head: WireStep[] = [
        event('message_start', {
          message: {
            id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
            type: 'message',
            role: 'assistant',
            model: 'claude-3-5-haiku-20241022',
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: {
              input_tokens: input,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: 0,
              output_tokens: 1,
            },
          },
        }),
        event('ping', {}),
      ];
      let index = 0;
      if (turn.text?.length) {
        head.push(event('content_block_start', { index, content_block: { type: 'text', text: '' } }));
        for (const piece of turn.text)
          head.push(event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }));
        head.push(event('content_block_stop', { index }));
        index++;
      }
      for (const call of turn.toolCalls ?? []) {
        head.push(
          event('content_block_start', {
            index,
            content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
          }),
        );
        head.push(event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } }));
        for (const piece of call.args)
          head.push(event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }));
        head.push(event('content_block_stop', { index }));
        index++;
      }
      if (turn.finish === null) return { head, tail: [] };
      return {
        head,
        tail: [
          event('message_delta', {
            delta: { stop_reason: stopReason[turn.finish], stop_sequence: null },
            usage: { output_tokens: output },
          }),
          event('message_stop', {}),
        ],
      };
    },
    malformed: () =>
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"oops\n\n',
    errorEvent: () => event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }),
    httpError: (status, headers = {}) => ({
      status,
      headers: { 'request-id': `req_011CV${status}`, ...headers },
      json: {
        type: 'error',
        error: {
          type: status === 429 ? 'rate_limit_error' : 'api_error',
          message:
            status === 429
              ? 'Number of request tokens has exceeded your per-minute rate limit'
              : 'Internal server error',
        },
      },
    }),
    toolResults: (body) =>
      body.messages.flatMap((message: any) =>
        Array.isArray(message.content)
          ? message.content
              .filter((part: any) => part.type === 'tool_result')
              .map((part: any) => ({
                id: part.tool_use_id,
                name: null,
                text: typeof part.content === 'string' ? part.content : JSON.stringify(part.content),
              }))
          : [],
      ),
    replayedToolCalls: (body) =>
      body.messages.flatMap((message: any) =>
        message.role === 'assistant' && Array.isArray(message.content)
          ? message.content
              .filter((part: any) => part.type === 'tool_use')
              .map((part: any) => ({ name: part.name, input: part.input }))
          : [],
      ),
  };
}

function gemini(): ProviderFormat {
  // Gemini frames its server-sent events with CRLF.
  const frame = (data: unknown) => `data: ${JSON.stringify(data)}\r\n\r\n`;
  const finishReason = { stop: 'STOP', length: 'MAX_TOKENS', tool_calls: 'STOP', content_filter: 'SAFETY' } as const;
  const common = { modelVersion: 'gemini-2.0-flash', responseId: 'mKQaaPuJCqSFm9IP5o2vqAc' };
  return {
    name: 'google',
    model: 'gemini-2.0-flash',
    environment: (origin) => ({
      GOOGLE_GENERATIVE_AI_API_KEY: 'AIza-test',
      GOOGLE_GENERATIVE_AI_BASE_URL: `${origin}/v1beta`,
    }),
    isNaming: (request) => request.path.includes(':generateContent'),
    naming: (title) => ({
      json: {
        candidates: [{ content: { role: 'model', parts: [{ text: title }] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 40, candidatesTokenCount: 4, totalTokenCount: 44 },
        ...common,
      },
    }),
    stream(turn) {
      const { input, output } = usageOf(turn);
      const head: WireStep[] = (turn.text ?? []).map((piece) =>
        frame({
          candidates: [{ content: { role: 'model', parts: [{ text: piece }] }, index: 0 }],
          usageMetadata: { promptTokenCount: input, totalTokenCount: input },
          ...common,
        }),
      );
      const calls = (turn.toolCalls ?? []).map((call) => ({
        functionCall: { name: call.name, args: JSON.parse(call.args.join('')) },
        ...(turn.thoughtSignature ? { thoughtSignature: turn.thoughtSignature } : {}),
      }));
      const usageMetadata = {
        promptTokenCount: input,
        candidatesTokenCount: output,
        totalTokenCount: input + output,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: input }],
      };
      if (turn.finish === null) {
        if (calls.length)
          head.push(frame({ candidates: [{ content: { role: 'model', parts: calls }, index: 0 }], ...common }));
        return { head, tail: [] };
      }
      // The last chunk carries the function calls (whole: Gemini does not stream arguments), finishReason and usage.
      const parts = calls.length ? calls : [{ text: '' }];
      return {
        head,
        tail: [
          frame({
            candidates: [{ content: { role: 'model', parts }, finishReason: finishReason[turn.finish], index: 0 }],
            usageMetadata,
            ...common,
          }),
        ],
      };
    },
    malformed: () => 'data: {"candidates": [{"content": {"role": "model", "parts": [{"text": "oops\r\n\r\n',
    errorEvent: () =>
      frame({
        error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' },
      }),
    httpError: (status, headers = {}) => ({
      status,
      headers,
      json: {
        error: {
          code: status,
          message:
            status === 429
              ? 'Resource has been exhausted (e.g. check quota).'
              : 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
          status: status === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL',
        },
      },
    }),
    toolResults: (body) =>
      body.contents.flatMap((content: any) =>
        content.parts
          .filter((part: any) => part.functionResponse)
          .map((part: any) => ({
            id: null,
            name: part.functionResponse.name,
            text: JSON.stringify(part.functionResponse.response),
          })),
      ),
    replayedToolCalls: (body) =>
      body.contents.flatMap((content: any) =>
        content.role === 'model'
          ? content.parts
              .filter((part: any) => part.functionCall)
              .map((part: any) => ({
                name: part.functionCall.name,
                input: part.functionCall.args,
                thoughtSignature: part.thoughtSignature,
              }))
          : [],
      ),
  };
}

export const PROVIDER_FORMATS: readonly ProviderFormat[] = [
  openAiStyle('openai'),
  anthropic(),
  gemini(),
  openAiStyle('compatible'),
];

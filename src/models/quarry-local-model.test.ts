import { describe, expect, it } from 'vitest';
import type {
  LanguageModelV3CallOptions,
  LanguageModelV3FunctionTool,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3ToolResultOutput,
} from '@ai-sdk/provider';
import { createQuarryLocalModel } from './quarry-local-model.js';
import { searchQuery } from './plan-local-tool.js';
import { runAgent } from '../agent/run-agent.js';
import { defineAgentTool } from '../agent/tool-definition.js';
import { TOOL_CATALOG } from '../agent/tool-catalog.js';
import type { AgentEvent } from '../agent/events.js';

const tools = (...names: string[]): LanguageModelV3FunctionTool[] =>
  names.map((name) => ({ type: 'function', name, inputSchema: { type: 'object' } }));
const ALL = tools(
  'smart_search',
  'execute_retriever',
  'list_collections',
  'list_retrievers',
  'delete_collection',
  'create_collection',
);
const user = (text: string): LanguageModelV3Prompt => [
  { role: 'system', content: 'You are helpful.' },
  { role: 'user', content: [{ type: 'text', text }] },
];
const withResult = (
  text: string,
  toolName: string,
  input: unknown,
  output: LanguageModelV3ToolResultOutput,
): LanguageModelV3Prompt => [
  ...user(text),
  { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName, input }] },
  { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName, output }] },
];

async function stream(options: Partial<LanguageModelV3CallOptions> & { prompt: LanguageModelV3Prompt }) {
  const { stream } = await createQuarryLocalModel().doStream({ tools: ALL, toolChoice: { type: 'auto' }, ...options });
  const parts: LanguageModelV3StreamPart[] = [];
  for await (const part of stream as unknown as AsyncIterable<LanguageModelV3StreamPart>) parts.push(part);
  const text = parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
  const toolCall = parts.find((part) => part.type === 'tool-call');
  return { parts, text, toolCall: toolCall && { toolName: toolCall.toolName, input: JSON.parse(toolCall.input) } };
}

describe('quarry-local model', () => {
  it('searches for a find request with the filler removed', async () => {
    const { toolCall, parts } = await stream({ prompt: user('Find videos about machine learning') });
    // "videos about" names the kind of item wanted, not its subject: left out of the search words.
    expect(toolCall).toEqual({ toolName: 'smart_search', input: { query: 'machine learning', limit: 5 } });
    expect(parts.at(-1)).toMatchObject({
      type: 'finish',
      finishReason: { unified: 'tool-calls' },
      usage: { raw: { estimated: true } },
    });
  });

  it('searches for the subject, not the kind of item asked for', () => {
    expect(searchQuery('Search for machine learning lectures')).toBe('machine learning');
    expect(searchQuery('Find videos about jazz piano')).toBe('jazz piano');
    expect(searchQuery('jazz piano videos')).toBe('jazz piano');
    // A kind-of-item word alone is the whole request, and stays.
    expect(searchQuery('lectures')).toBe('lectures');
    expect(searchQuery('beginner tutorials')).toBe('beginner tutorials');
  });

  it('runs the retriever the system prompt suggests instead of an ad-hoc search, when execute_retriever is offered', async () => {
    const prompt: LanguageModelV3Prompt = [
      {
        role: 'system',
        content: "You are helpful.\n\nSuggested retriever: ret_abc123 ('video_search') fits this request.",
      },
      { role: 'user', content: [{ type: 'text', text: 'Find videos about machine learning' }] },
    ];
    expect((await stream({ prompt })).toolCall).toEqual({
      toolName: 'execute_retriever',
      input: { retriever_id: 'ret_abc123', inputs: { query: 'machine learning' } },
    });
    expect((await stream({ prompt, tools: tools('smart_search') })).toolCall?.toolName).toBe('smart_search');
    // A retriever the user names wins over the suggestion.
    prompt[1] = { role: 'user', content: [{ type: 'text', text: 'Use retriever other_one to find bread' }] };
    expect((await stream({ prompt })).toolCall?.input).toMatchObject({ retriever_id: 'other_one' });
  });

  it('picks the tool the request names', async () => {
    expect((await stream({ prompt: user('What collections do I have?') })).toolCall?.toolName).toBe('list_collections');
    expect((await stream({ prompt: user('list retrievers') })).toolCall?.toolName).toBe('list_retrievers');
    expect((await stream({ prompt: user('Use retriever product-search to find red shoes') })).toolCall).toEqual({
      toolName: 'execute_retriever',
      input: { retriever_id: 'product-search', inputs: { query: 'red shoes' } },
    });
    expect((await stream({ prompt: user('Please delete the collection col_abc123') })).toolCall).toEqual({
      toolName: 'delete_collection',
      input: { collection_id: 'col_abc123' },
    });
    expect((await stream({ prompt: user('Create a collection named recipes') })).toolCall).toMatchObject({
      toolName: 'create_collection',
      input: { collection_name: 'recipes' },
    });
  });

  it('answers greetings without tools and explains missing tools', async () => {
    const greeting = await stream({ prompt: user('Hello!') });
    expect(greeting.toolCall).toBeUndefined();
    expect(greeting.text).toMatch(/^Hello! I'm Quarry's built-in offline assistant/);
    const noDelete = await stream({ prompt: user('delete collection news'), tools: tools('smart_search') });
    expect(noDelete.text).toBe(
      'I can\'t delete collections in this session: the delete_collection tool is not enabled for it. A session created with "delete_collection" in agent_config.available_tools can (it asks you to confirm before it runs).',
    );
  });

  it('answers from search results, citing document ids, streamed word by word', async () => {
    const results = [
      {
        document_id: 'doc_aa11',
        collection_id: 'col_1',
        score: 0.9,
        title: 'Intro to ML',
        description: 'A gentle introduction to machine learning.',
      },
      {
        document_id: 'doc_bb22',
        collection_id: 'col_1',
        score: 0.7,
        payload: { text: 'Neural networks explained from scratch with examples.' },
      },
    ];
    const { text, parts } = await stream({
      prompt: withResult(
        'Find videos about machine learning',
        'smart_search',
        { query: 'machine learning videos' },
        { type: 'json', value: { results } },
      ),
    });
    expect(text).toBe(
      [
        'I found 2 results for "machine learning videos":',
        '1. **Intro to ML** — A gentle introduction to machine learning. [doc_aa11]',
        '2. **Neural networks explained from scratch with examples.** [doc_bb22]',
      ].join('\n'),
    );
    expect(parts.filter((part) => part.type === 'text-delta').length).toBeGreaterThan(10);
  });

  it('says plainly when nothing matched, and what failed', async () => {
    const empty = await stream({
      prompt: withResult(
        'Find unicorns',
        'smart_search',
        { query: 'unicorns', limit: 5 },
        { type: 'json', value: { results: [] } },
      ),
    });
    expect(empty.text).toBe(
      'I couldn\'t find anything matching "unicorns". Try rephrasing it with other keywords, or searching another collection.',
    );
    const failed = await stream({
      prompt: withResult(
        'Find unicorns',
        'smart_search',
        { query: 'unicorns' },
        { type: 'error-json', value: { error: 'index offline' } },
      ),
    });
    expect(failed.text).toBe(
      'The smart_search step failed: index offline. You can try again, or rephrase the request.',
    );
    const denied = await stream({
      prompt: withResult(
        'delete col_1',
        'delete_collection',
        { collection_id: 'col_1' },
        { type: 'execution-denied', reason: 'no' },
      ),
    });
    expect(denied.text).toMatch(/^Okay, I did not run delete_collection/);
  });

  it('says "nothing in the data matches that" when only non-matches came back, and labels them as the closest candidates', async () => {
    const closest = [
      {
        document_id: 'doc_cc33',
        collection_id: 'col_1',
        score: 0.01,
        title: 'Interval training',
        description: 'Sprints and rests.',
        match: false,
      },
      {
        document_id: 'doc_dd44',
        collection_id: 'col_1',
        score: 0.01,
        title: 'Mixing vocals',
        description: 'EQ and compression.',
        match: false,
      },
    ];
    const { text } = await stream({
      prompt: withResult(
        'Find videos about jazz piano',
        'smart_search',
        { query: 'jazz piano', limit: 5 },
        { type: 'json', value: { results: [], total: 0, note: 'nothing in the data matches that', closest } },
      ),
    });
    expect(text).toBe(
      [
        'Nothing in the data matches that: no document is about "jazz piano". The closest candidates, which do not match, are:',
        '1. **Interval training** — Sprints and rests. [doc_cc33]',
        '2. **Mixing vocals** — EQ and compression. [doc_dd44]',
      ].join('\n'),
    );
    expect(text).not.toMatch(/I found/);
  });

  it('lists collections and reports write results', async () => {
    const value = { results: [{ collection_id: 'col_1', collection_name: 'videos', description: 'Lecture videos' }] };
    expect(
      (await stream({ prompt: withResult('list collections', 'list_collections', {}, { type: 'json', value }) })).text,
    ).toBe('There is 1 collection:\n1. **videos** — Lecture videos [col_1]');
    expect(
      (
        await stream({
          prompt: withResult(
            'delete col_1',
            'delete_collection',
            { collection_id: 'col_1' },
            { type: 'json', value: {} },
          ),
        })
      ).text,
    ).toBe('Done: deleted collection col_1.');
  });

  it('is deterministic and implements doGenerate too', async () => {
    const prompt = user('Find videos about machine learning');
    expect(await stream({ prompt })).toEqual(await stream({ prompt }));
    const generated = await createQuarryLocalModel().doGenerate({ prompt: user('hi'), tools: ALL });
    expect(generated.content).toEqual([{ type: 'text', text: expect.stringMatching(/^Hello!/) }]);
    expect(generated.usage.inputTokens.total).toBeGreaterThan(0);
  });

  it('drives the agent loop end to end', async () => {
    const events: AgentEvent[] = [];
    const search = defineAgentTool(TOOL_CATALOG.smart_search, async (input) => ({
      output: { results: [{ document_id: 'doc_1', collection_id: 'col_1', score: 1, title: `About ${input.query}` }] },
    }));
    const result = await runAgent({
      model: createQuarryLocalModel(),
      system: 's',
      tools: [search],
      signal: new AbortController().signal,
      messages: user('Find videos about machine learning').slice(1),
      emit: (event) => events.push(event),
    });
    expect(result.text).toBe('I found 1 result for "machine learning":\n1. **About machine learning** [doc_1]');
    expect(result.usage.estimated).toBe(true);
    expect(events.map((event) => event.type).filter((type, index, all) => type !== all[index - 1])).toEqual([
      'thinking',
      'tool_call',
      'tool_result',
      'thinking',
      'token',
    ]);
  });
});

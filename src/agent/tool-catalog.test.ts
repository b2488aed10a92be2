import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TOOL_NAMES,
  TOOL_CATALOG,
  TOOL_DESCRIPTORS,
  findToolDescriptor,
  toolInfo,
  toolInputJsonSchema,
} from './tool-catalog.js';

describe('tool catalog', () => {
  it('describes smart_search as the contract ToolInfo with a JSON Schema', () => {
    expect(toolInfo(TOOL_CATALOG.smart_search)).toEqual({
      name: 'smart_search',
      description: expect.any(String),
      category: 'search',
      parameters: {
        type: 'object',
        properties: {
          query: { type: 'string', minLength: 1, description: 'What to look for, in plain words' },
          collection_identifiers: { type: 'array', items: { type: 'string' }, description: expect.any(String) },
          limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
          filters: { type: 'object', properties: {}, additionalProperties: {}, description: expect.any(String) },
        },
        required: ['query'],
      },
      required_params: ['query'],
      requires_confirmation: false,
    });
  });

  it('lists required parameters per tool', () => {
    const required = Object.fromEntries(TOOL_DESCRIPTORS.map((tool) => [tool.name, toolInfo(tool).required_params]));
    expect(required).toMatchObject({
      execute_retriever: ['retriever_id', 'inputs'],
      execute_adhoc_retriever: ['collection_identifiers', 'stages', 'inputs'],
      get_document: ['collection_id', 'document_id'],
      list_namespaces: [],
      detect_intent: ['user_request'],
      delete_document: ['collection_id', 'document_id'],
      create_retriever: ['retriever_name', 'collection_identifiers', 'stages'],
    });
    for (const tool of TOOL_DESCRIPTORS) {
      const schema = toolInputJsonSchema(tool);
      expect(schema.type).toBe('object');
      expect(schema).not.toHaveProperty('$schema');
    }
  });

  it('marks exactly the write tools as needing confirmation', () => {
    const writes = TOOL_DESCRIPTORS.filter((tool) => tool.requiresConfirmation).map(
      (tool) => `${tool.name}:${tool.category}`,
    );
    expect(writes.sort()).toEqual([
      'create_collection:create',
      'create_retriever:create',
      'delete_collection:delete',
      'delete_document:delete',
      'delete_retriever:delete',
      'update_retriever:update',
    ]);
    expect(DEFAULT_TOOL_NAMES).toContain('search_feedback');
    expect(DEFAULT_TOOL_NAMES).toContain('smart_search');
    expect(DEFAULT_TOOL_NAMES).not.toContain('delete_collection');
    expect(DEFAULT_TOOL_NAMES).toHaveLength(13);
  });

  it('applies defaults and rejects bad input through the zod schema', () => {
    expect(TOOL_CATALOG.smart_search.inputSchema.parse({ query: 'cats' })).toEqual({ query: 'cats', limit: 10 });
    expect(TOOL_CATALOG.smart_search.inputSchema.safeParse({ query: '' }).success).toBe(false);
    expect(
      TOOL_CATALOG.execute_adhoc_retriever.inputSchema.safeParse({
        collection_identifiers: ['c'],
        stages: [],
        inputs: {},
      }).success,
    ).toBe(false);
    expect(findToolDescriptor('get_collection')?.category).toBe('read');
    expect(findToolDescriptor('toString')).toBeUndefined();
  });

  it('caches the derived schema', () => {
    expect(toolInputJsonSchema(TOOL_CATALOG.list_collections)).toBe(toolInputJsonSchema(TOOL_CATALOG.list_collections));
  });
});

/**
 * @module agent/tool-catalog
 * The tools Quarry offers, as descriptors: name, description for the model,
 * category, whether they need confirmation, and the zod input schema. The
 * contract publishes no tool parameters (mixpeek-notes §2), so each input
 * mirrors the REST endpoint the tool stands for.
 */
import { z } from 'zod';
import type { ToolCategory, ToolDescriptor, ToolInfo } from './tool-definition.js';

/** Free-form JSON objects (filters, inputs, stage configs) stay open: the retrieval layer validates them. */
const jsonObject = () => z.looseObject({});
const limit = (max: number) => z.number().int().min(1).max(max);
const filters = () =>
  jsonObject().describe(
    'Metadata filter in the filter language, e.g. {"AND":[{"field":"genre","operator":"eq","value":"news"}]}',
  );
const stages = () =>
  z.array(jsonObject()).min(1).describe('Stage configs: {stage_name, config:{stage_id, parameters}}, applied in order');

function tool<Schema extends z.ZodType>(
  name: string,
  category: ToolCategory,
  description: string,
  inputSchema: Schema,
): ToolDescriptor & { inputSchema: Schema } {
  const requiresConfirmation = category === 'create' || category === 'update' || category === 'delete';
  return Object.freeze({ name, description, category, requiresConfirmation, inputSchema });
}

export const TOOL_CATALOG = {
  smart_search: tool(
    'smart_search',
    'search',
    'Natural-language search over the namespace. Picks the collections and searches them; use it for any question about the data.',
    z.object({
      query: z.string().min(1).describe('What to look for, in plain words'),
      collection_identifiers: z
        .array(z.string())
        .optional()
        .describe('Collection names or ids; all collections when omitted'),
      limit: limit(100).default(10),
      filters: filters().optional(),
    }),
  ),
  execute_retriever: tool(
    'execute_retriever',
    'search',
    'Run a saved retriever by id or name with inputs matching its input_schema (usually {"query": ...}).',
    z.object({ retriever_id: z.string().min(1), inputs: jsonObject(), limit: limit(500).optional() }),
  ),
  execute_adhoc_retriever: tool(
    'execute_adhoc_retriever',
    'search',
    'Run an unsaved retriever pipeline once; the config it reports can be saved as a named retriever.',
    z.object({
      collection_identifiers: z.array(z.string()).min(1),
      stages: stages(),
      inputs: jsonObject(),
      input_schema: jsonObject().optional(),
    }),
  ),
  search_retrievers: tool(
    'search_retrievers',
    'read',
    'Find saved retrievers whose name or description matches a query.',
    z.object({ query: z.string().min(1) }),
  ),
  list_retrievers: tool(
    'list_retrievers',
    'read',
    'List the saved retrievers in the namespace.',
    z.object({ search: z.string().optional(), limit: limit(1000).optional() }),
  ),
  get_retriever: tool(
    'get_retriever',
    'read',
    'Describe a retriever: its stages, collections and input_schema.',
    z.object({ retriever_id: z.string().min(1).describe('Retriever id or name') }),
  ),
  list_collections: tool(
    'list_collections',
    'read',
    'List the collections in the namespace with their descriptions.',
    z.object({ search: z.string().optional(), limit: limit(1000).optional() }),
  ),
  get_collection: tool(
    'get_collection',
    'read',
    'Describe a collection: its extractor, schema and document count.',
    z.object({ collection_id: z.string().min(1).describe('Collection id or name') }),
  ),
  list_documents: tool(
    'list_documents',
    'read',
    'List documents of a collection, optionally filtered by metadata.',
    z.object({ collection_id: z.string().min(1), filters: filters().optional(), limit: limit(1000).optional() }),
  ),
  get_document: tool(
    'get_document',
    'read',
    'Fetch one document with all its fields.',
    z.object({ collection_id: z.string().min(1), document_id: z.string().min(1) }),
  ),
  list_namespaces: tool('list_namespaces', 'read', 'List the namespaces this API key can use.', z.object({})),
  detect_intent: tool(
    'detect_intent',
    'read',
    'Classify a request as querying existing data, setting up resources, or ambiguous, and rank suitable collections.',
    z.object({ user_request: z.string().min(1), include_collection_analysis: z.boolean().default(true) }),
  ),
  search_feedback: tool(
    'search_feedback',
    'memory',
    'Search earlier exchanges the user rated positively, for context.',
    z.object({ query: z.string().min(1), limit: limit(50).optional() }),
  ),
  create_collection: tool(
    'create_collection',
    'create',
    'Create a collection. Requires the user to confirm.',
    z.object({
      collection_name: z.string().min(1),
      description: z.string().optional(),
      source: jsonObject().optional().describe('SourceConfig, e.g. {"type":"bucket","bucket_ids":["bkt_..."]}'),
      feature_extractor: jsonObject()
        .optional()
        .describe('{feature_extractor_name, version, input_mappings}; text_extractor v1 when omitted'),
      metadata: jsonObject().optional(),
    }),
  ),
  create_retriever: tool(
    'create_retriever',
    'create',
    'Save a retriever pipeline under a name. Requires the user to confirm.',
    z.object({
      retriever_name: z.string().min(1),
      description: z.string().optional(),
      collection_identifiers: z.array(z.string()),
      stages: stages(),
      input_schema: jsonObject().optional(),
    }),
  ),
  update_retriever: tool(
    'update_retriever',
    'update',
    "Change a retriever's name, description or tags (stages are immutable). Requires the user to confirm.",
    z.object({
      retriever_id: z.string().min(1),
      retriever_name: z.string().min(1).optional(),
      description: z.string().optional(),
      tags: z.array(z.string()).optional(),
    }),
  ),
  delete_retriever: tool(
    'delete_retriever',
    'delete',
    'Delete a saved retriever. Requires the user to confirm.',
    z.object({ retriever_id: z.string().min(1) }),
  ),
  delete_collection: tool(
    'delete_collection',
    'delete',
    'Delete a collection and all its documents; refused while saved retrievers search it (delete them first). Requires the user to confirm.',
    z.object({ collection_id: z.string().min(1).describe('Collection id or name') }),
  ),
  delete_document: tool(
    'delete_document',
    'delete',
    'Delete one document. Requires the user to confirm.',
    z.object({ collection_id: z.string().min(1), document_id: z.string().min(1) }),
  ),
} as const;

export type ToolName = keyof typeof TOOL_CATALOG;

export const TOOL_DESCRIPTORS: readonly ToolDescriptor[] = Object.freeze(Object.values(TOOL_CATALOG));

/** Every tool name Quarry knows, for validating `agent_config.available_tools`. */
export const TOOL_NAMES: readonly string[] = Object.freeze(TOOL_DESCRIPTORS.map((descriptor) => descriptor.name));

/** Tools a session gets when `available_tools` is empty: everything that cannot change data. */
export const DEFAULT_TOOL_NAMES: readonly string[] = Object.freeze(
  TOOL_DESCRIPTORS.filter((descriptor) => !descriptor.requiresConfirmation).map((descriptor) => descriptor.name),
);

export function findToolDescriptor(name: string): ToolDescriptor | undefined {
  return Object.hasOwn(TOOL_CATALOG, name) ? TOOL_CATALOG[name as ToolName] : undefined;
}

// JSON Schemas are derived once per schema object: the loop offers tools on every model call.
const jsonSchemaCache = new WeakMap<z.ZodType, Record<string, unknown>>();

/** The input JSON Schema as providers expect it (no `$schema` key; defaulted fields optional). */
export function toolInputJsonSchema(descriptor: ToolDescriptor): Record<string, unknown> {
  if (descriptor.inputJsonSchema) return descriptor.inputJsonSchema;
  let schema = jsonSchemaCache.get(descriptor.inputSchema);
  if (!schema) {
    const { $schema: _ignored, ...rest } = z.toJSONSchema(descriptor.inputSchema, { io: 'input' }) as Record<
      string,
      unknown
    >;
    schema = Object.freeze(rest);
    jsonSchemaCache.set(descriptor.inputSchema, schema);
  }
  return schema;
}

/** The contract's `ToolInfo` for `GET /v1/agents/sessions/tools`. */
export function toolInfo(descriptor: ToolDescriptor): ToolInfo {
  const parameters = toolInputJsonSchema(descriptor);
  const required = Array.isArray(parameters.required) ? (parameters.required as string[]) : [];
  return {
    name: descriptor.name,
    description: descriptor.description,
    category: descriptor.category,
    parameters,
    required_params: [...required],
    requires_confirmation: descriptor.requiresConfirmation,
  };
}

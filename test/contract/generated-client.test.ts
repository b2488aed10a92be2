/**
 * A client generated from Quarry's own /openapi.json (openapi-typescript,
 * as a user would) must type-check against real responses: each response
 * below is written as a literal of the generated type for its operation and
 * the file is compiled with the TypeScript compiler. An open `{}` schema, a
 * missing field or an undocumented one fails the compile.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { referenceOperations } from './reference-schemas.js';

let server: TestServer;
const directory = mkdtempSync(join(tmpdir(), 'quarry-generated-client-'));

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
  rmSync(directory, { recursive: true, force: true });
});

interface Sample {
  path: string;
  method: string;
  status: number;
  body: unknown;
  /** A typed use of the answer: an expression of `value` that must compile. */
  use: string;
}

function compile(files: Record<string, string>): string[] {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(directory, name), text);
  const program = ts.createProgram(
    Object.keys(files).map((name) => join(directory, name)),
    {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      skipLibCheck: true,
      types: [],
    },
  );
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (diagnostic) =>
        `${diagnostic.file ? diagnostic.file.fileName.split('/').at(-1) : ''}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`,
    );
}

describe("Quarry's /openapi.json", () => {
  it('types every operation of the reference: response schemas, optional bodies, 422, query parameters', async () => {
    const document = (await server.request('GET', '/openapi.json')).body;
    const problems: string[] = [];
    for (const reference of referenceOperations) {
      const name = `${reference.method} ${reference.path}`;
      const operation = document.paths[reference.path]?.[reference.method.toLowerCase()];
      if (!operation) {
        problems.push(`${name}: missing`);
        continue;
      }
      const success = operation.responses['200'] ?? operation.responses['201'];
      const json = success?.content?.['application/json']?.schema;
      const stream = success?.content?.['text/event-stream'];
      const open =
        json && JSON.stringify(json) === JSON.stringify({ type: 'object', properties: {}, additionalProperties: {} });
      if ((!json && !stream) || open) problems.push(`${name}: untyped success response ${JSON.stringify(json)}`);
      if (reference.bodyOptional && operation.requestBody?.required !== false)
        problems.push(`${name}: optional body documented as required`);
      if (
        operation.responses['422']?.content?.['application/json']?.schema?.$ref !==
        '#/components/schemas/ValidationErrorResponse'
      )
        problems.push(`${name}: 422 not documented`);
      const names = new Set(
        (operation.parameters ?? []).map((parameter: { name: string }) => parameter.name.toLowerCase()),
      );
      const spec = JSON.parse(readFileSync(new URL(`../../docs/spec/${reference.file}`, import.meta.url), 'utf8'));
      for (const parameter of spec.paths[reference.path][reference.method.toLowerCase()].parameters ?? []) {
        if (parameter.in !== 'header' || parameter.name === 'X-Namespace')
          if (!names.has(parameter.name.toLowerCase()))
            problems.push(`${name}: parameter ${parameter.in} ${parameter.name} not listed`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('a client generated from /openapi.json', () => {
  it('type-checks against real responses', async () => {
    const call = async (method: string, url: string, body?: unknown) =>
      (await server.request(method, url, { body })).body;
    const samples: Sample[] = [];
    const sample = async (method: string, path: string, url: string, body: unknown, use: string, status = 200) => {
      const value = await call(method, url, body);
      samples.push({ path, method: method.toLowerCase(), status, body: value, use });
      return value;
    };
    const extractor = { feature_extractor_name: 'text_extractor', version: 'v1' };
    await sample(
      'POST',
      '/v1/namespaces',
      '/v1/namespaces',
      { namespace_name: 'typed' },
      'value.feature_extractors[0].feature_extractor_id.toUpperCase()',
    );
    await sample(
      'POST',
      '/v1/namespaces/list',
      '/v1/namespaces/list',
      undefined,
      'value.results[0].namespace_name.length + value.total_count',
    );
    await sample(
      'GET',
      '/v1/namespaces/{namespace_identifier}',
      '/v1/namespaces/typed',
      undefined,
      'value.created_at?.slice(0, 4)',
    );
    await sample(
      'POST',
      '/v1/collections',
      '/v1/collections',
      { collection_name: 'typed_docs', feature_extractor: extractor },
      'value.feature_extractor.feature_extractor_id.length',
    );
    await sample(
      'POST',
      '/v1/collections/list',
      '/v1/collections/list',
      {},
      'value.results.map((collection) => collection.collection_id)',
    );
    await sample(
      'GET',
      '/v1/collections/{collection_identifier}/features',
      '/v1/collections/typed_docs/features',
      undefined,
      "value.features[0].vector_index.type === 'dense'",
    );
    await sample(
      'GET',
      '/v1/collections/features/extractors',
      '/v1/collections/features/extractors',
      undefined,
      'value[0].feature_extractor_name.length',
    );
    const document = await sample(
      'POST',
      '/v1/collections/{collection_identifier}/documents',
      '/v1/collections/typed_docs/documents',
      { text: 'typed clients read typed answers', topic: 'types' },
      "'document_id' in value",
    );
    await sample(
      'GET',
      '/v1/collections/{collection_identifier}/documents/{document_id}',
      `/v1/collections/typed_docs/documents/${document.document_id}?return_vectors=true`,
      undefined,
      'value.features?.[0].vectors',
    );
    await sample(
      'POST',
      '/v1/collections/{collection_identifier}/documents/list',
      '/v1/collections/typed_docs/documents/list',
      {},
      'value.pagination.has_more === false',
    );
    const stages = [
      {
        stage_name: 'search',
        stage_type: 'filter',
        config: {
          stage_id: 'feature_search',
          parameters: {
            searches: [{ feature_uri: 'mixpeek://text_extractor@v1/text', query: '{{INPUT.query}}', top_k: 5 }],
            final_top_k: 5,
          },
        },
      },
    ];
    const retriever = await sample(
      'POST',
      '/v1/retrievers',
      '/v1/retrievers',
      {
        retriever_name: 'typed_search',
        collection_identifiers: ['typed_docs'],
        input_schema: { query: { type: 'string', required: true } },
        stages,
      },
      'value.retriever.retriever_id.length',
    );
    const id = retriever.retriever.retriever_id;
    await sample('POST', '/v1/retrievers/list', '/v1/retrievers/list', undefined, 'value.results[0].stages.length');
    await sample('GET', '/v1/retrievers', '/v1/retrievers', undefined, 'value.pagination.has_next');
    const execution = await sample(
      'POST',
      '/v1/retrievers/{retriever_id}/execute',
      `/v1/retrievers/${id}/execute`,
      { inputs: { query: 'typed' } },
      'value.documents.length + value.total_stages',
    );
    await sample(
      'POST',
      '/v1/retrievers/{retriever_id}/execute/explain',
      `/v1/retrievers/${id}/execute/explain`,
      { inputs: { query: 'typed' } },
      'value.execution_plan[0].estimated_output',
    );
    await sample(
      'POST',
      '/v1/retrievers/{retriever_id}/executions/list',
      `/v1/retrievers/${id}/executions/list`,
      undefined,
      'value.results[0].execution_id',
    );
    await sample(
      'GET',
      '/v1/retrievers/{retriever_id}/executions/{execution_id}',
      `/v1/retrievers/${id}/executions/${execution.execution_id}`,
      undefined,
      'value.inputs.length',
    );
    await sample(
      'GET',
      '/v1/retrievers/stages',
      '/v1/retrievers/stages',
      undefined,
      'value.map((stage) => stage.stage_id)',
    );
    const session = await sample(
      'POST',
      '/v1/agents/sessions',
      '/v1/agents/sessions',
      { agent_config: { model: 'gemini-2.5-flash' } },
      'value.effective_model.length',
    );
    await sample(
      'POST',
      '/v1/agents/sessions/list',
      '/v1/agents/sessions/list',
      undefined,
      'value.sessions[0].stats.total_tokens',
    );
    await sample(
      'GET',
      '/v1/agents/sessions/{session_id}',
      `/v1/agents/sessions/${session.session_id}`,
      undefined,
      'value.agent_config.temperature',
    );
    await sample(
      'POST',
      '/v1/agents/sessions/{session_id}/messages',
      `/v1/agents/sessions/${session.session_id}/messages`,
      { content: 'search typed_docs for typed clients', stream: false },
      'value.content.length + value.tool_calls_made',
    );
    await sample(
      'GET',
      '/v1/agents/sessions/{session_id}/history',
      `/v1/agents/sessions/${session.session_id}/history`,
      undefined,
      'value.messages[0].role',
    );
    await sample(
      'POST',
      '/v1/agents/sessions/{session_id}/cancel',
      `/v1/agents/sessions/${session.session_id}/cancel`,
      undefined,
      'value.cancelled === false',
    );
    await sample(
      'GET',
      '/v1/agents/sessions/tools',
      '/v1/agents/sessions/tools',
      undefined,
      'value.results[0].requires_confirmation',
    );
    await sample(
      'POST',
      '/v1/agents/sessions/intent/detect',
      '/v1/agents/sessions/intent/detect',
      { user_request: 'find typed documents' },
      "value.intent !== 'setup'",
    );
    await sample(
      'POST',
      '/v1/collections',
      '/v1/collections',
      { collection_name: 'x' },
      'value.detail[0].loc.length + value.error.details!.validation_errors.length',
      422,
    );

    const ast = await openapiTS((await server.request('GET', '/openapi.json')).body);
    const checks = samples.map(
      ({ path, method, status, body, use }, index) =>
        `const value${index}: Json<${JSON.stringify(path)}, ${JSON.stringify(method)}, ${status}> = ${JSON.stringify(body)};\nexport const use${index} = ((value: typeof value${index}) => ${use})(value${index});`,
    );
    const diagnostics = compile({
      'schema.ts': astToString(ast),
      'client.ts': [
        "import type { paths } from './schema';",
        'type Json<P extends keyof paths, M extends keyof paths[P], S extends number> = paths[P][M] extends { responses: infer R } ? (S extends keyof R ? (R[S] extends { content: { "application/json": infer T } } ? T : never) : never) : never;',
        ...checks,
        // The generated types are not open maps: a made-up answer must not compile.
        "// @ts-expect-error a namespace has no such shape\nexport const wrong: Json<'/v1/namespaces', 'post', 200> = { namespace_id: 1 };",
      ].join('\n'),
    });
    expect(diagnostics).toEqual([]);
    expect(samples.length).toBeGreaterThanOrEqual(27);
  }, 60_000);
});

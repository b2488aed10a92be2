/**
 * The reference (docs/spec/*-openapi.json, the repository's verbatim copy of
 * the contract) as a response validator:
 * both documents are added to one Ajv (JSON Schema 2020-12, which OpenAPI
 * 3.1 schemas are) under their file names, so each operation's response
 * schema is compiled by JSON pointer and its `#/components/...` refs
 * resolve inside its own document.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import type { ValidateFunction } from 'ajv/dist/2020.js';

const specDirectory = fileURLToPath(new URL('../../docs/spec/', import.meta.url));
const documents = ['agents-openapi.json', 'data-openapi.json'].map((file) => ({
  file,
  spec: JSON.parse(readFileSync(specDirectory + file, 'utf8')) as OpenApiDocument,
}));

interface OpenApiOperation {
  operationId: string;
  requestBody?: { required?: boolean };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

export interface ReferenceOperation {
  operationId: string;
  method: string;
  path: string;
  file: string;
  bodyOptional: boolean;
  statuses: string[];
}

/** The reference's 48 operations. */
export const referenceOperations: ReferenceOperation[] = documents.flatMap(({ file, spec }) =>
  Object.entries(spec.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      operationId: operation.operationId,
      method: method.toUpperCase(),
      path,
      file,
      bodyOptional: operation.requestBody !== undefined && operation.requestBody.required !== true,
      statuses: Object.keys(operation.responses),
    })),
  ),
);

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
// ajv-formats is CommonJS: its default export arrives wrapped under NodeNext.
type FormatsPlugin = (ajv: Ajv2020) => Ajv2020;
const addFormats = ((formatsPlugin as unknown as { default?: FormatsPlugin }).default ??
  formatsPlugin) as unknown as FormatsPlugin;
addFormats(ajv);
// Formats the reference uses as documentation only.
for (const format of ['image', 'number', 'text']) ajv.addFormat(format, true);
for (const { file, spec } of documents) ajv.addSchema(spec as object, file);

const pointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');
const compiled = new Map<string, ValidateFunction>();

/** Matches a concrete URL path (no query) to the reference operation it calls. */
export function findOperation(method: string, urlPath: string): ReferenceOperation | undefined {
  const candidates = referenceOperations.filter(
    (operation) =>
      operation.method === method && new RegExp(`^${operation.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(urlPath),
  );
  // A literal segment beats a parameter (`/v1/retrievers/execute` is not `/v1/retrievers/{retriever_id}`).
  return candidates.sort((a, b) =>
    (b.path.match(/\{/g)?.length ?? 0) < (a.path.match(/\{/g)?.length ?? 0) ? 1 : -1,
  )[0];
}

/** Errors of `body` against the reference's schema for this operation and status; [] when valid. */
export function referenceErrors(operation: ReferenceOperation, status: number, body: unknown): string[] {
  if (!operation.statuses.includes(String(status)))
    return [
      `status ${status} is not documented for ${operation.operationId} (documented: ${operation.statuses.join(', ')})`,
    ];
  const key = `${operation.file}#/paths/${pointer(operation.path)}/${operation.method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
  const validate = compiled.get(key) ?? ajv.compile({ $ref: key });
  compiled.set(key, validate);
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    (error) => `${error.instancePath || '/'} ${error.message}${error.params ? ` ${JSON.stringify(error.params)}` : ''}`,
  );
}

/** Errors of `body` against a server's own OpenAPI document (its /openapi.json) for this operation and status. */
export function ownDocumentValidator(
  document: object,
): (method: string, path: string, status: number, body: unknown) => string[] {
  const own = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(own);
  own.addSchema(document, 'quarry.json');
  const paths = (document as OpenApiDocument).paths;
  return (method, path, status, body) => {
    const operation = paths[path]?.[method.toLowerCase()];
    if (!operation) return [`${method} ${path} is not in the server's own document`];
    const response = operation.responses[String(status)];
    if (!response) return [`status ${status} of ${method} ${path} is not in the server's own document`];
    if (!response.content?.['application/json']) return [];
    const key = `quarry.json#/paths/${pointer(path)}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
    const validate = compiled.get(key) ?? own.compile({ $ref: key });
    compiled.set(key, validate);
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (error) =>
        `own document: ${error.instancePath || '/'} ${error.message}${error.params ? ` ${JSON.stringify(error.params)}` : ''}`,
    );
  };
}

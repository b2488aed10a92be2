/**
 * @module retrieval/stages/json-transform
 * Reshapes each document with a template: a string rendered to JSON
 * (`{"title": {{DOC.title | tojson}}}`) or an object whose string values are
 * templates. The document keeps its id, collection and score unless the
 * template sets them. A document whose output is not a JSON object is kept
 * unchanged (or fails the run with `fail_on_error`).
 */
import { z } from 'zod';
import { invalidField } from '../../errors.js';
import { resolveTemplates } from '../templates.js';
import type { PipelineDocument } from '../types.js';
import { defineStage, renameAliases } from './stage-definition.js';

const parameters = z.object({
  template: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  fail_on_error: z.boolean().default(false),
});

export const jsonTransformStage = defineStage({
  stage_id: 'json_transform',
  description: 'Reshape each document with a JSON template ({{DOC.x}}, {{INPUT.x}}).',
  category: 'apply',
  icon: 'braces',
  parameters,
  deferredParameters: ['template'],
  normalize: (raw) => renameAliases(raw, { output_template: 'template', transform: 'template' }),
  async run(documents, params, context) {
    const failures: { document_id: string; error: string }[] = [];
    const output = documents.map((document, index): PipelineDocument => {
      const rendered = resolveTemplates(
        params.template,
        {
          ...context.templateContext,
          document,
          context: { ...context.templateContext.context, INDEX: index + 1 },
        },
        [...context.location, 'template'],
      );
      const value = typeof rendered === 'string' ? parseJson(rendered) : rendered;
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        return {
          document_id: document.document_id,
          collection_id: document.collection_id,
          score: document.score,
          ...value,
        } as PipelineDocument;
      }
      const error =
        typeof value === 'string'
          ? 'the rendered template is not valid JSON'
          : 'the rendered template is not a JSON object';
      if (params.fail_on_error) {
        throw invalidField(
          [...context.location, 'template'],
          `Stage '${context.stageName}' (json_transform): for document '${document.document_id}', ${error}`,
        );
      }
      failures.push({ document_id: document.document_id, error });
      return document;
    });
    return { documents: output, metadata: { transformed: documents.length - failures.length, failures } };
  },
  plan: (_params, input) => ({ estimatedOutput: input, notes: ['template rendered once per document'] }),
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

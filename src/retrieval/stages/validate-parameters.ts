/**
 * @module retrieval/stages/validate-parameters
 * Checks a stage's parameters against its zod schema and turns zod's issues
 * into the contract's 422 issues, each naming the stage and the field.
 * At create time templates are still unresolved, so issues on values that
 * are templates are set aside: they are checked again after resolution.
 */
import type { z } from 'zod';
import { errors, type ValidationIssue } from '../../errors.js';
import { containsTemplate } from '../templates.js';
import type { StageDefinition } from './stage-definition.js';

export interface ValidateOptions {
  stageName: string;
  location: (string | number)[];
  allowTemplates?: boolean;
}

export function validateStageParameters<Schema extends z.ZodType>(
  definition: StageDefinition<Schema>,
  parameters: Record<string, unknown>,
  options: ValidateOptions,
): z.output<Schema> | null {
  const result = definition.parameters.safeParse(parameters);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
    if (options.allowTemplates && touchesTemplate(parameters, path)) continue;
    const field = path.length > 0 ? path.join('.') : '(parameters)';
    issues.push({
      type: issue.code,
      location: [...options.location, ...path],
      message: `Stage '${options.stageName}' (${definition.stage_id}): parameter '${field}': ${issue.message}`,
    });
  }
  if (issues.length > 0) throw errors.validation(issues);
  return null;
}

/** True when the value at `path`, or any value on the way to it, is a template. */
function touchesTemplate(root: unknown, path: (string | number)[]): boolean {
  let current: unknown = root;
  for (const part of path) {
    if (typeof current === 'string') return containsTemplate(current);
    if (current === null || typeof current !== 'object') return false;
    current = (current as Record<string | number, unknown>)[part];
  }
  return containsTemplate(current);
}

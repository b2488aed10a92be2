/**
 * @module retrieval/validate-inputs
 * A retriever's `input_schema` is a flat map of fields; inputs are checked
 * against it (required, types, enums) and defaults filled in, so a stage
 * never sees a missing query.
 */
import { errors, type ValidationIssue } from '../errors.js';
import { ownValue } from '../lib/own-value.js';

export interface InputField {
  type?: string;
  default?: unknown;
  required?: boolean;
  enum?: unknown[];
  description?: string;
}

const TYPE_CHECKS: Record<string, (value: unknown) => boolean> = {
  string: (value) => typeof value === 'string',
  text: (value) => typeof value === 'string',
  number: (value) => typeof value === 'number' && Number.isFinite(value),
  float: (value) => typeof value === 'number' && Number.isFinite(value),
  integer: (value) => Number.isInteger(value),
  boolean: (value) => typeof value === 'boolean',
  array: (value) => Array.isArray(value),
  object: (value) => value !== null && typeof value === 'object' && !Array.isArray(value),
  date: (value) => typeof value === 'string' && !Number.isNaN(Date.parse(value)),
  datetime: (value) => typeof value === 'string' && !Number.isNaN(Date.parse(value)),
};

export function validateInputs(
  schema: Record<string, InputField> | null | undefined,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const resolved: Record<string, unknown> = { ...inputs };
  const issues: ValidationIssue[] = [];
  for (const [name, field] of Object.entries(schema ?? {})) {
    if (resolved[name] === undefined || resolved[name] === null) {
      if (field.default !== undefined) resolved[name] = field.default;
      else if (field.required)
        issues.push({
          type: 'missing',
          location: ['body', 'inputs', name],
          message: `Input '${name}' is required${field.description ? ` (${field.description})` : ''}.`,
        });
      continue;
    }
    const check = field.type ? ownValue(TYPE_CHECKS, field.type) : undefined;
    if (check && !check(resolved[name])) {
      issues.push({
        type: `${field.type}_type`,
        location: ['body', 'inputs', name],
        message: `Input '${name}' must be of type ${field.type}.`,
      });
    } else if (field.enum && !field.enum.includes(resolved[name])) {
      issues.push({
        type: 'enum',
        location: ['body', 'inputs', name],
        message: `Input '${name}' must be one of ${field.enum.map((value) => JSON.stringify(value)).join(', ')}.`,
      });
    }
  }
  if (issues.length > 0) throw errors.validation(issues);
  return resolved;
}

/** Input schemas come from users: check their shape when a retriever is saved. */
export function checkInputSchema(schema: unknown): Record<string, InputField> {
  if (schema === undefined || schema === null) return {};
  if (typeof schema !== 'object' || Array.isArray(schema)) {
    throw errors.validation([
      {
        type: 'dict_type',
        location: ['body', 'input_schema'],
        message: 'input_schema is a map of input name → {type, required?, default?}.',
      },
    ]);
  }
  // Accept the JSON-Schema-like `{properties: {...}}` form too; the contract's is the flat map.
  const fields =
    'properties' in schema && typeof (schema as { properties: unknown }).properties === 'object'
      ? (schema as { properties: Record<string, unknown> }).properties
      : (schema as Record<string, unknown>);
  const issues: ValidationIssue[] = [];
  for (const [name, field] of Object.entries(fields)) {
    if (!field || typeof field !== 'object' || Array.isArray(field)) {
      issues.push({
        type: 'dict_type',
        location: ['body', 'input_schema', name],
        message: `input_schema.${name} must be an object like {"type": "string"}.`,
      });
      continue;
    }
    const type = (field as InputField).type;
    if (
      type !== undefined &&
      !ownValue(TYPE_CHECKS, type) &&
      !['image', 'audio', 'video', 'pdf', 'excel', 'document_reference'].includes(type)
    ) {
      issues.push({
        type: 'enum',
        location: ['body', 'input_schema', name, 'type'],
        message: `Unknown input type '${type}'. Use one of: ${Object.keys(TYPE_CHECKS).join(', ')}.`,
      });
    }
  }
  if (issues.length > 0) throw errors.validation(issues);
  return fields as Record<string, InputField>;
}

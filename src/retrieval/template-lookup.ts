/**
 * @module retrieval/template-lookup
 * What a template expression can reach, and nothing more: the names of its
 * scope (INPUT, DOC, CONTEXT, STAGE, SECRET, loop variables) and members that
 * are own properties of data. Secrets are never rendered.
 */
import { MissingInput, type Scope } from './template-functions.js';

const SECRETS = Object.freeze({});

export function lookupName(name: string, scope: Scope): unknown {
  if (scope.locals.has(name)) return scope.locals.get(name);
  switch (name.toLowerCase()) {
    case 'input':
    case 'inputs':
      return scope.inputs;
    case 'doc':
      return scope.document ?? undefined;
    case 'context':
      return scope.context;
    case 'stage':
    case 'stages':
      return scope.stages;
    case 'secret':
    case 'secrets':
      return SECRETS;
  }
  if (Object.hasOwn(scope.variables, name)) return scope.variables[name];
  const upper = name.toUpperCase();
  return Object.hasOwn(scope.variables, upper) ? scope.variables[upper] : undefined;
}

export function readMember(base: unknown, key: unknown, scope: Scope): unknown {
  if (base instanceof MissingInput) return base;
  // Secrets are never rendered: a template must not be a way to read them back.
  if (base === SECRETS) return '';
  if (base === null || base === undefined || typeof key === 'symbol') return undefined;
  if (Array.isArray(base)) {
    if (typeof key === 'number' || /^-?\d+$/.test(String(key))) {
      const index = Number(key);
      return base[index < 0 ? base.length + index : index];
    }
    return key === 'length' ? base.length : undefined;
  }
  if (typeof base !== 'object') return typeof base === 'string' && key === 'length' ? base.length : undefined;
  const record = base as Record<string, unknown>;
  const name = String(key);
  if (Object.hasOwn(record, name)) return record[name];
  if (base === scope.inputs) return new MissingInput(name);
  // Documents keep user fields at the root while Mixpeek templates say DOC.metadata.x.
  if (base === scope.document && name === 'metadata') return record;
  if (base === scope.context || base === scope.stages) {
    const match = Object.keys(record).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    return match === undefined ? undefined : record[match];
  }
  return undefined;
}

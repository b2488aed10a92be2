/**
 * @module retrieval/templates
 * A small, safe subset of Jinja2 for retriever parameters (mixpeek-notes
 * §5.6). Expressions are parsed into closures and evaluated against plain
 * data: no `eval`, no `new Function`, no access to prototypes or methods.
 *
 * - `{{INPUT.x}}` (also `inputs`/`input`), `{{DOC.x}}`, `{{CONTEXT.x}}`,
 *   `{{STAGE.name.x}}`, `{{SECRET.x}}`; namespaces are case-insensitive.
 * - A string that is exactly one `{{…}}` keeps the value's native type.
 * - A missing INPUT key is a 422 naming the input, unless guarded by
 *   `default(…)`, a test (`if INPUT.x`) or `is defined`.
 * - SECRET always renders empty: secrets never enter a template's output.
 * - `{"type": "dynamic", "field": "inputs.x"}` (the filter DynamicValue) is
 *   treated as the template `{{inputs.x}}`.
 * - Rendering is synchronous, so it is counted instead of timed: each
 *   rendering may take TEMPLATE_STEP_BUDGET steps (a node rendered, a loop
 *   iteration) and write TEMPLATE_OUTPUT_BUDGET characters; past either, a
 *   422 TemplateBudgetExceededError names the budget (nested loops multiply).
 */
import { errors, invalidField } from '../errors.js';
import { compileExpression, truthy, use, type Scope } from './template-expression.js';

export interface TemplateContext {
  inputs?: Record<string, unknown>;
  document?: Record<string, unknown> | null;
  context?: Record<string, unknown>;
  stages?: Record<string, unknown>;
  /** Stage-specific placeholders such as DOCUMENTS, DOC_COUNT, INDEX, QUERY. */
  variables?: Record<string, unknown>;
}

type Location = (string | number)[];

/** Steps (nodes rendered, loop iterations) one rendering may take: ~tens of milliseconds of work. */
export const TEMPLATE_STEP_BUDGET = 100_000;
/** Characters one rendering may produce. */
export const TEMPLATE_OUTPUT_BUDGET = 1_000_000;

/** What is left of one rendering's budget; shared by every loop level. */
class RenderBudget {
  private steps = 0;
  constructor(private readonly location: Location) {}

  step(): void {
    if (++this.steps > TEMPLATE_STEP_BUDGET)
      throw errors.templateBudgetExceeded('steps', TEMPLATE_STEP_BUDGET, this.location);
  }

  output(length: number): void {
    if (length > TEMPLATE_OUTPUT_BUDGET)
      throw errors.templateBudgetExceeded('output_chars', TEMPLATE_OUTPUT_BUDGET, this.location);
  }
}

type TemplateNode =
  | { kind: 'text'; text: string }
  | { kind: 'output'; source: string }
  | { kind: 'if'; branches: { condition: string | null; body: TemplateNode[] }[] }
  | { kind: 'for'; names: string[]; iterable: string; body: TemplateNode[] };

const SINGLE_TEMPLATE = /^\s*\{\{((?:(?!\{\{|\}\}).)*)\}\}\s*$/s;
const TAG = /\{\{-?(.*?)-?\}\}|\{%-?(.*?)-?%\}/gs;

export function containsTemplate(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{') || value.includes('{%');
  if (Array.isArray(value)) return value.some(containsTemplate);
  if (typeof value === 'object' && value !== null) {
    if (isDynamicValue(value)) return true;
    return Object.values(value).some(containsTemplate);
  }
  return false;
}

/** Resolves every template inside `value` (objects and arrays are walked; the input is not mutated). */
export function resolveTemplates(value: unknown, context: TemplateContext, location: Location = ['body']): unknown {
  if (typeof value === 'string') return renderTemplate(value, context, location);
  if (Array.isArray(value)) return value.map((item, index) => resolveTemplates(item, context, [...location, index]));
  if (typeof value === 'object' && value !== null) {
    if (isDynamicValue(value)) return renderTemplate(`{{${(value as { field: string }).field}}}`, context, location);
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) result[key] = resolveTemplates(item, context, [...location, key]);
    return result;
  }
  return value;
}

/** Renders one template string; a lone `{{expression}}` returns the expression's value with its type. */
export function renderTemplate(template: string, context: TemplateContext, location: Location = ['body']): unknown {
  if (!template.includes('{{') && !template.includes('{%')) return template;
  const scope = createScope(context);
  try {
    const single = SINGLE_TEMPLATE.exec(template);
    if (single) {
      const value = use(compileExpression(single[1])(scope), scope);
      return value === undefined ? null : value;
    }
    return renderNodes(parseTemplate(template), scope, new RenderBudget(location));
  } catch (error) {
    if (error instanceof SyntaxError)
      throw invalidField(location, `Invalid template ${JSON.stringify(template)}: ${error.message}`, 'template_error');
    throw error;
  }
}

function isDynamicValue(value: object): boolean {
  const record = value as Record<string, unknown>;
  return record.type === 'dynamic' && typeof record.field === 'string' && Object.keys(record).length === 2;
}

function createScope(context: TemplateContext): Scope {
  return {
    inputs: context.inputs ?? {},
    document: context.document ?? null,
    context: context.context ?? {},
    stages: context.stages ?? {},
    variables: context.variables ?? {},
    locals: new Map(),
    onMissingInput: (name) => {
      throw errors.validation([
        {
          type: 'missing',
          location: ['body', 'inputs', name],
          message: `Input '${name}' is required by the retriever but was not provided`,
        },
      ]);
    },
  };
}

function parseTemplate(template: string): TemplateNode[] {
  const root: TemplateNode[] = [];
  // Each open block keeps the list that its body is currently appended to.
  const stack: { node: Extract<TemplateNode, { kind: 'if' | 'for' }>; body: TemplateNode[] }[] = [];
  const current = () => (stack.length > 0 ? stack[stack.length - 1].body : root);
  let last = 0;
  let trimNext = false;
  for (const match of template.matchAll(TAG)) {
    let text = template.slice(last, match.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (match[0].startsWith('{{-') || match[0].startsWith('{%-')) text = text.replace(/\s+$/, '');
    if (text) current().push({ kind: 'text', text });
    trimNext = match[0].endsWith('-}}') || match[0].endsWith('-%}');
    last = match.index + match[0].length;
    if (match[1] !== undefined) {
      current().push({ kind: 'output', source: match[1] });
      continue;
    }
    const statement = match[2].trim();
    const [keyword] = statement.split(/\s+/, 1);
    const rest = statement.slice(keyword.length).trim();
    const open = stack[stack.length - 1];
    if (keyword === 'if') {
      const node: TemplateNode = { kind: 'if', branches: [{ condition: rest, body: [] }] };
      current().push(node);
      stack.push({ node, body: node.branches[0].body });
    } else if ((keyword === 'elif' || keyword === 'else') && open?.node.kind === 'if') {
      const branch = { condition: keyword === 'elif' ? rest : null, body: [] as TemplateNode[] };
      open.node.branches.push(branch);
      open.body = branch.body;
    } else if (keyword === 'for') {
      const loop = /^([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s+in\s+(.+)$/s.exec(rest);
      if (!loop) throw new SyntaxError(`'{% for %}' must look like '{% for item in items %}'`);
      const node: TemplateNode = {
        kind: 'for',
        names: loop[1].split(',').map((name) => name.trim()),
        iterable: loop[2],
        body: [],
      };
      current().push(node);
      stack.push({ node, body: node.body });
    } else if (
      (keyword === 'endif' && open?.node.kind === 'if') ||
      (keyword === 'endfor' && open?.node.kind === 'for')
    ) {
      stack.pop();
    } else {
      throw new SyntaxError(`unexpected '{% ${statement} %}'`);
    }
  }
  if (stack.length > 0) throw new SyntaxError(`'{% ${stack[stack.length - 1].node.kind} %}' is never closed`);
  let tail = template.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  if (tail) root.push({ kind: 'text', text: tail });
  return root;
}

function renderNodes(nodes: TemplateNode[], scope: Scope, budget: RenderBudget): string {
  let output = '';
  for (const node of nodes) {
    budget.step();
    if (node.kind === 'text') output += node.text;
    else if (node.kind === 'output') output += stringify(use(compileExpression(node.source)(scope), scope));
    else if (node.kind === 'if') {
      const branch = node.branches.find(
        (candidate) => candidate.condition === null || truthy(compileExpression(candidate.condition)(scope)),
      );
      if (branch) output += renderNodes(branch.body, scope, budget);
    } else {
      output += renderLoop(node, scope, budget);
    }
    budget.output(output.length);
  }
  return output;
}

function renderLoop(node: Extract<TemplateNode, { kind: 'for' }>, scope: Scope, budget: RenderBudget): string {
  const iterable = use(compileExpression(node.iterable)(scope), scope);
  const items: unknown[] = Array.isArray(iterable)
    ? iterable
    : typeof iterable === 'object' && iterable !== null
      ? Object.entries(iterable)
      : [];
  let output = '';
  items.forEach((item, index) => {
    const locals = new Map(scope.locals);
    if (node.names.length === 1) locals.set(node.names[0], item);
    else node.names.forEach((name, position) => locals.set(name, Array.isArray(item) ? item[position] : undefined));
    locals.set('loop', {
      index: index + 1,
      index0: index,
      first: index === 0,
      last: index === items.length - 1,
      length: items.length,
    });
    budget.step();
    output += renderNodes(node.body, { ...scope, locals }, budget);
    budget.output(output.length);
  });
  return output;
}

/** How a value appears inside a larger string: JSON for structures, lower-case booleans, nothing for null. */
export function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

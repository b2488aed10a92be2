import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { containsTemplate, renderTemplate, resolveTemplates, type TemplateContext } from './templates.js';

const context: TemplateContext = {
  inputs: {
    query: 'red shoes',
    top_k: 5,
    price: 49.5,
    items: [
      { id: 'a', n: 1 },
      { id: 'b', n: 2 },
    ],
    flag: 'yes',
    empty: '',
  },
  document: { document_id: 'doc_1', content: 'Hello there', title: 'Shoes', payload: { 'k-1': 'v' }, list: [1, 2, 3] },
  context: { INDEX: 2, namespace_id: 'ns_1' },
  stages: { search: { count: 3, top_score: 0.9, documents: [{ document_id: 'doc_9' }] } },
  variables: { DOCUMENTS: 'doc text', DOC_COUNT: 3 },
};

const render = (template: string) => renderTemplate(template, context);

function validationOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(AppError.is(error)).toBe(true);
    expect((error as AppError).status).toBe(422);
    return (error as AppError).details as { validation_errors: { location: (string | number)[]; message: string }[] };
  }
  throw new Error('expected a 422');
}

describe('templates', () => {
  it('keeps the native type of a string that is exactly one template', () => {
    expect(render('{{INPUT.top_k}}')).toBe(5);
    expect(render(' {{ INPUT.price }} ')).toBe(49.5);
    expect(render('{{INPUT.items}}')).toEqual([
      { id: 'a', n: 1 },
      { id: 'b', n: 2 },
    ]);
    expect(render('{{DOC.missing}}')).toBeNull();
  });

  it('interpolates into larger strings', () => {
    expect(render('q={{INPUT.query}} k={{INPUT.top_k}} b={{ true }} n={{ none }}')).toBe('q=red shoes k=5 b=true n=');
    expect(render('{{INPUT.items[0]}}')).toEqual({ id: 'a', n: 1 });
    expect(render('x {{INPUT.items[0]}}')).toBe('x {"id":"a","n":1}');
  });

  it('accepts every namespace spelling, case-insensitively', () => {
    expect(render('{{inputs.query}}|{{input.query}}|{{Input.query}}')).toBe('red shoes|red shoes|red shoes');
    expect(render('{{doc.title}}|{{DOC.metadata.title}}|{{context.index}}|{{CONTEXT.namespace_id}}')).toBe(
      'Shoes|Shoes|2|ns_1',
    );
    expect(render('{{STAGE.search.top_score}}')).toBe(0.9);
    expect(render('{{stage.search.documents[0].document_id}}')).toBe('doc_9');
  });

  it('supports bracket and index access, including negative indexes', () => {
    expect(render("{{DOC.payload['k-1']}}")).toBe('v');
    expect(render('{{DOC.list[-1]}}')).toBe(3);
    expect(render('{{INPUT["query"]}}')).toBe('red shoes');
  });

  it('never renders secrets', () => {
    expect(render('{{SECRET.api_key}}')).toBe('');
    expect(render('Bearer {{secret.token}}')).toBe('Bearer ');
  });

  it('passes stage-specific placeholders as variables', () => {
    expect(render('{{DOC_COUNT}} docs: {{DOCUMENTS}}')).toBe('3 docs: doc text');
  });

  it('reports a missing INPUT as a 422 naming the input', () => {
    const details = validationOf(() => render('{{INPUT.category}}'));
    expect(details.validation_errors[0].location).toEqual(['body', 'inputs', 'category']);
    expect(details.validation_errors[0].message).toContain("Input 'category'");
    expect(validationOf(() => render('x {{ INPUT.limit * 2 }}')).validation_errors[0].location).toEqual([
      'body',
      'inputs',
      'limit',
    ]);
  });

  it('lets default, tests and conditionals guard a missing input', () => {
    expect(render('{{ INPUT.limit | default(10) }}')).toBe(10);
    expect(render('{{ INPUT.empty | default("x", true) }}')).toBe('x');
    expect(render('{{ INPUT.limit if INPUT.limit else 7 }}')).toBe(7);
    expect(render('{{ INPUT.limit is defined }}')).toBe(false);
    expect(render('{% if INPUT.limit %}a{% else %}b{% endif %}')).toBe('b');
  });

  it('applies filters', () => {
    expect(render('{{ INPUT.items | first }}')).toEqual({ id: 'a', n: 1 });
    expect(render('{{ INPUT.items | last | tojson }}')).toBe('{"id":"b","n":2}');
    expect(render('{{ INPUT.items | length }}')).toBe(2);
    expect(render('{{ INPUT.items | map(attribute="id") | join(", ") }}')).toBe('a, b');
    expect(render('{{ "Héllo, World!" | slugify }}')).toBe('hello-world');
    expect(render('{{ INPUT.flag | bool }}')).toBe(true);
    expect(render('{{ "no" | bool }}')).toBe(false);
    expect(render('{{ INPUT.query | upper }}')).toBe('RED SHOES');
    expect(render('{{ "ABC" | lower }}')).toBe('abc');
  });

  it('evaluates functions, arithmetic, comparisons and conditionals', () => {
    expect(render('{{ max(INPUT.top_k, 10) }}')).toBe(10);
    expect(render('{{ min([3, 1, 2]) }}')).toBe(1);
    expect(render('{{ abs(-2) + round(2.567, 2) }}')).toBe(4.57);
    expect(render('{{ ceil(1.2) * floor(3.9) }}')).toBe(6);
    expect(render('{{ 20 * INPUT.top_k / 4 - 1 }}')).toBe(24);
    expect(render('{{ (1 + 2) * 3 }}')).toBe(9);
    expect(render('{{ "big" if INPUT.price > 40 else "small" }}')).toBe('big');
    expect(render('{{ INPUT.top_k >= 5 and INPUT.price != 1 }}')).toBe(true);
    expect(render('{{ INPUT.top_k < 3 ? "few" : "many" }}')).toBe('many');
    expect(render('{{ "red" in INPUT.query }}')).toBe(true);
  });

  it('renders if and for blocks', () => {
    expect(
      render(
        '{% for item in INPUT.items %}{{ loop.index }}:{{ item.id }}{% if not loop.last %},{% endif %}{% endfor %}',
      ),
    ).toBe('1:a,2:b');
    expect(render('{% if INPUT.top_k > 10 %}many{% elif INPUT.top_k > 3 %}some{% else %}few{% endif %}')).toBe('some');
  });

  it('walks objects and arrays and treats dynamic values as templates', () => {
    const resolved = resolveTemplates(
      {
        limit: '{{INPUT.top_k}}',
        nested: ['{{INPUT.query}}', { value: { type: 'dynamic', field: 'inputs.price' } }],
        plain: 3,
      },
      context,
    );
    expect(resolved).toEqual({ limit: 5, nested: ['red shoes', { value: 49.5 }], plain: 3 });
  });

  it('reports syntax errors at the given location without evaluating code', () => {
    const details = validationOf(() => resolveTemplates({ a: '{{ INPUT.query + }}' }, context, ['body', 'stages', 0]));
    expect(details.validation_errors[0].location).toEqual(['body', 'stages', 0, 'a']);
    expect(
      validationOf(() => render('{{ constructor.constructor("return 1")() }}')).validation_errors[0].message,
    ).toMatch(/Invalid template/);
    expect(validationOf(() => render('{% for x in y %}')).validation_errors[0].message).toMatch(/never closed/);
    expect(render('{{ INPUT.items.constructor }}')).toBeNull();
  });

  it('detects templates', () => {
    expect(containsTemplate({ a: ['x', '{{y}}'] })).toBe(true);
    expect(containsTemplate({ a: 'plain' })).toBe(false);
  });

  it('counts rendering work against a budget: nested loops stop with a 422 that names it, fast', () => {
    const nested =
      '{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}x{% endfor %}{% endfor %}{% endfor %}';
    const started = performance.now();
    expect(() => renderTemplate(nested, {})).toThrow(
      expect.objectContaining({
        status: 422,
        type: 'TemplateBudgetExceededError',
        details: expect.objectContaining({ budget: 'steps' }),
      }),
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(() =>
      renderTemplate('{% for a in range(3000) %}{% for b in range(3000) %}{{ b }}{% endfor %}{% endfor %}', {}),
    ).toThrow(expect.objectContaining({ type: 'TemplateBudgetExceededError' }));
    const wide = '{% for a in range(5000) %}{{ INPUT.big }}{% endfor %}';
    expect(() => renderTemplate(wide, { inputs: { big: 'y'.repeat(1000) } })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ budget: 'output_chars' }) }),
    );
    // Ordinary templates are far inside the budget.
    expect(
      renderTemplate('{% for a in range(100) %}{% for b in range(100) %}.{% endfor %}{% endfor %}', {}),
    ).toHaveLength(10_000);
  });
});

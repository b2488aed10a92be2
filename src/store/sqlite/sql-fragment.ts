/**
 * @module store/sqlite/sql-fragment
 * SQL built from pieces that carry their bound parameters, so a value never
 * becomes SQL text: the `fragment` tagged template splices nested fragments in
 * and turns every other value into a `?`.
 */

/** A piece of SQL with its bound parameters, in order. */
export class Fragment {
  constructor(
    readonly sql: string,
    readonly params: unknown[],
  ) {}
}

export function raw(sql: string): Fragment {
  return new Fragment(sql, []);
}

/** Tagged template: nested fragments are spliced in, every other value becomes a `?` parameter. */
export function fragment(strings: TemplateStringsArray, ...values: unknown[]): Fragment {
  let sql = strings[0];
  const params: unknown[] = [];
  values.forEach((value, index) => {
    if (value instanceof Fragment) {
      sql += value.sql;
      params.push(...value.params);
    } else {
      sql += '?';
      params.push(value);
    }
    sql += strings[index + 1];
  });
  return new Fragment(sql, params);
}

export function joinFragments(parts: Fragment[], separator: string): Fragment {
  return new Fragment(
    parts.map((part) => part.sql).join(separator),
    parts.flatMap((part) => part.params),
  );
}

/** Values as a comma-separated list of parameters, e.g. inside `IN (…)`. */
export function list(values: unknown[]): Fragment {
  return joinFragments(
    values.map((item) => fragment`${item}`),
    ', ',
  );
}
